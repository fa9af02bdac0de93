-- A claim of an AUP card that ends in a 429 (Teams throttling the app), or that a 429 sent back
-- before it was sent, is not a failure of the card: it must not use up one of the row's
-- attempts (AUP_MAX_SEND_ATTEMPTS), or a throttling storm during a whole-school broadcast would
-- mark people's first card failed although Teams never refused it. `attempts` still counts every
-- claim (the in-flight write is fenced by it, so it only ever grows); failures are
-- attempts - throttled_attempts.
ALTER TABLE aup_sends ADD COLUMN throttled_attempts integer NOT NULL DEFAULT 0;
