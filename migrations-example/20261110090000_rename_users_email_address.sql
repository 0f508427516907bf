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

-- email_address is UNIQUE: so is its copy, enforced from now on (built without blocking
-- writes; NULLs, the rows not copied yet, do not collide).
CREATE UNIQUE INDEX CONCURRENTLY users_primary_email_key ON users (primary_email);

-- Migrate: copy existing rows in batches; the predicate skips rows already done.
-- bellows:backfill table=users key=id
UPDATE users SET primary_email = email_address WHERE primary_email IS NULL AND email_address IS NOT NULL;

-- Contract: once every instance runs 2.4.0 or later, nothing reads email_address.
-- email_address is NOT NULL: so becomes primary_email, without a long lock (the CHECK is
-- validated without blocking writes, and SET NOT NULL then uses it instead of scanning).
-- bellows checks first that no NULL is left, and refuses with the count otherwise. The
-- trigger keeps filling email_address until the transaction that drops it with the column:
-- the new app's inserts, which do not name it, would fail on its NOT NULL in between.
-- bellows:contract requires-app=">=2.4.0"
ALTER TABLE users ADD CONSTRAINT users_primary_email_not_null CHECK (primary_email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_primary_email_not_null;
ALTER TABLE users ALTER COLUMN primary_email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_primary_email_not_null;
DROP TRIGGER users_sync_primary_email ON users;
DROP FUNCTION users_sync_primary_email();
ALTER TABLE users DROP COLUMN email_address;

-- Abort: undo the expand phase (only before the contract ran).
-- bellows:down
DROP INDEX CONCURRENTLY IF EXISTS users_primary_email_key;
DROP TRIGGER users_sync_primary_email ON users;
DROP FUNCTION users_sync_primary_email();
ALTER TABLE users DROP COLUMN primary_email;
