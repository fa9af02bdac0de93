-- A claim that ends in a 429 (Teams throttling the app), or that a 429 sent back before it was
-- sent, is not a failure of the message: it must neither grow its back-off nor count towards
-- the "has failed to reach Teams N times" admin alert. `attempts` still counts every claim
-- (outcomes are fenced by it, so it only ever grows); failures are attempts - throttled_attempts.
ALTER TABLE outbox ADD COLUMN throttled_attempts integer NOT NULL DEFAULT 0;
