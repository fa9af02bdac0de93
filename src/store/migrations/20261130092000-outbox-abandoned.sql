-- A bulk notice (a sharing-audit summary or owner digest, never anything about a concern) that
-- Teams refuses for good (400, 403, 404, 413: the person left or removed the app, the card is
-- invalid) is given up after a few refusals instead of retried for ever: `abandoned`. Retried
-- for ever it also held back every later message to the same person, concerns' included, since
-- a conversation's messages go in order. `refused_attempts` counts those refusals.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'held', 'abandoned'));
ALTER TABLE outbox ADD COLUMN refused_attempts integer NOT NULL DEFAULT 0;
