-- App 2.3.0 stopped reading users.nickname. Dropping it is a contract: it waits until the
-- rollout of 2.3.0 is recorded (`bellows rollout record --app-version 2.3.0`).
-- bellows:contract requires-app=">=2.3.0"
ALTER TABLE users DROP COLUMN nickname;
