-- bellows:expand
CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    status      text NOT NULL DEFAULT 'new',
    total_cents bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- The table is created in this migration, so a plain index takes no lock risk.
CREATE INDEX orders_user_id_idx ON orders (user_id);

-- bellows:down
DROP TABLE orders;
