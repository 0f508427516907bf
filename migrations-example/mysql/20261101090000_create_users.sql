-- A plain file without markers is one expand phase.
CREATE TABLE users (
    id            bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email_address varchar(255) NOT NULL,
    nickname      varchar(100),
    created_at    datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY users_email_address_key (email_address)
);
