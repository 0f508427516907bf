-- bellows:expand
CREATE TABLE orders (
    id          bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id     bigint NOT NULL,
    status      varchar(20) NOT NULL DEFAULT 'new',
    total_cents bigint NOT NULL DEFAULT 0,
    created_at  datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY orders_user_id_idx (user_id),
    CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id)
);

-- bellows:down
DROP TABLE orders;
