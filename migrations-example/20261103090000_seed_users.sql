-- Example data, so that the quickstart's `bellows backfill` has rows to copy in batches:
-- 50,000 users. A real project seeds its data elsewhere. Running it twice adds nothing.
INSERT INTO users (email_address, nickname)
SELECT 'user' || g || '@example.com', CASE WHEN g % 3 = 0 THEN 'nick' || g END
FROM generate_series(1, 50000) AS g
ON CONFLICT (email_address) DO NOTHING;
