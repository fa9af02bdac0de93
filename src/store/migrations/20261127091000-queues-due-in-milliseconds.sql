-- The workers ask for messages due by their clock, a JavaScript Date (milliseconds); the store
-- stamped a new message with now() (microseconds). A message queued in the same millisecond as
-- the claim looked not yet due and waited for the next poll. Stamped to the millisecond, a
-- message is due to any claim made after the transaction that queued it began.
ALTER TABLE outbox ALTER COLUMN next_attempt_at SET DEFAULT date_trunc('milliseconds', now());
ALTER TABLE aup_sends ALTER COLUMN next_attempt_at SET DEFAULT date_trunc('milliseconds', now());
