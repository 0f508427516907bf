-- bellows:expand
-- Online index build: the server refuses rather than copy the table or block writes.
ALTER TABLE orders ADD INDEX orders_status_idx (status), ALGORITHM=INPLACE, LOCK=NONE;

-- bellows:down
ALTER TABLE orders DROP INDEX orders_status_idx, ALGORITHM=INPLACE, LOCK=NONE;
