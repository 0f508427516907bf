-- Rename users.email_address to primary_email without downtime.
-- Expand: add the new column and keep both in sync while app 2.3 (old name) and app 2.4
-- (new name) run side by side.
-- bellows:expand
ALTER TABLE users ADD COLUMN primary_email text;

-- Whichever column the writing app changed wins; the other follows.
CREATE FUNCTION users_sync_primary_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.primary_email IS NULL THEN
            NEW.primary_email := NEW.email_address;
        ELSIF NEW.email_address IS NULL THEN
            NEW.email_address := NEW.primary_email;
        END IF;
    ELSIF NEW.email_address IS DISTINCT FROM OLD.email_address THEN
        NEW.primary_email := NEW.email_address;
    ELSIF NEW.primary_email IS DISTINCT FROM OLD.primary_email THEN
        NEW.email_address := NEW.primary_email;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_sync_primary_email
    BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_sync_primary_email();

-- Migrate: copy existing rows in batches; the predicate skips rows already done.
-- bellows:backfill table=users key=id
UPDATE users SET primary_email = email_address WHERE primary_email IS NULL AND email_address IS NOT NULL;

-- Contract: once every instance runs 2.4.0 or later, nothing reads email_address.
-- bellows:contract requires-app=">=2.4.0"
DROP TRIGGER users_sync_primary_email ON users;
DROP FUNCTION users_sync_primary_email();
ALTER TABLE users DROP COLUMN email_address;

-- Abort: undo the expand phase (only before the contract ran).
-- bellows:down
DROP TRIGGER users_sync_primary_email ON users;
DROP FUNCTION users_sync_primary_email();
ALTER TABLE users DROP COLUMN primary_email;
