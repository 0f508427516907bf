-- App 2.3.0 stopped reading users.nickname; the drop waits for its rollout.
-- bellows:contract requires-app=">=2.3.0"
ALTER TABLE users DROP COLUMN nickname;
