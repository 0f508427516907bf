-- Rename users.email_address to primary_email without downtime.
-- bellows:expand
ALTER TABLE users ADD COLUMN primary_email varchar(255), ALGORITHM=INSTANT;

CREATE TRIGGER users_sync_primary_email_upd BEFORE UPDATE ON users FOR EACH ROW
BEGIN
    IF NOT (NEW.email_address <=> OLD.email_address) THEN
        SET NEW.primary_email = NEW.email_address;
    ELSEIF NOT (NEW.primary_email <=> OLD.primary_email) THEN
        SET NEW.email_address = NEW.primary_email;
    END IF;
END;

CREATE TRIGGER users_sync_primary_email_ins BEFORE INSERT ON users FOR EACH ROW
BEGIN
    IF NEW.primary_email IS NULL THEN
        SET NEW.primary_email = NEW.email_address;
    ELSEIF NEW.email_address IS NULL OR NEW.email_address <> NEW.primary_email THEN
        SET NEW.email_address = NEW.primary_email;
    END IF;
END;

-- email_address is UNIQUE: so is its copy, from now on (built online; NULLs, the rows
-- not copied yet, do not collide).
ALTER TABLE users ADD UNIQUE INDEX users_primary_email_key (primary_email), ALGORITHM=INPLACE, LOCK=NONE;

-- bellows:backfill table=users key=id
UPDATE users SET primary_email = email_address WHERE primary_email IS NULL AND email_address IS NOT NULL;

-- email_address is NOT NULL: so becomes primary_email (in place; bellows checks first that
-- no NULL is left, and refuses with the count otherwise). MySQL commits each statement, so
-- between the trigger drops and the column drop the new app's inserts, which do not name
-- email_address, need a default there; primary_email's unique index already keeps the
-- emails unique, so the old one goes first and the default cannot collide.
-- bellows:contract requires-app=">=2.4.0"
ALTER TABLE users MODIFY COLUMN primary_email varchar(255) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users DROP INDEX users_email_address_key, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ALTER COLUMN email_address SET DEFAULT '';
DROP TRIGGER users_sync_primary_email_ins;
DROP TRIGGER users_sync_primary_email_upd;
ALTER TABLE users DROP COLUMN email_address;

-- bellows:down
DROP TRIGGER users_sync_primary_email_ins;
DROP TRIGGER users_sync_primary_email_upd;
ALTER TABLE users DROP COLUMN primary_email;
