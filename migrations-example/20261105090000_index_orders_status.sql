-- bellows:expand
-- Built without blocking writes; bellows runs it alone, outside a transaction, and
-- rebuilds it if an earlier attempt left it INVALID.
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);

-- bellows:down
DROP INDEX CONCURRENTLY orders_status_idx;
