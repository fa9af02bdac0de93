-- Bulk notices (the sharing audit's digest to every file owner, its summaries to the admins)
-- can queue by the thousand. A concern reported behind them must not wait for them: the claim
-- takes every due safeguarding message (priority 0, the default, so a kind nobody classified
-- counts as urgent) before any bulk one (priority 1).
ALTER TABLE outbox ADD COLUMN priority smallint NOT NULL DEFAULT 0;
