-- A plain file without markers is one expand phase (sqlx/dbmate folders work unchanged).
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_address text NOT NULL,
    nickname      text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_address_key ON users (email_address);
