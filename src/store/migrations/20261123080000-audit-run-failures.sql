-- A scheduled audit that fails is marked 'failed' (with a short, safe error) rather than left
-- 'running', so admins see it in the tab; it stays resumable (finished_at NULL) and the next
-- attempt carries on from its checkpoints. retry_at: when the schedule tries it again;
-- failed_attempts: failures in a row, to alert the admins when the retry fails too.
ALTER TABLE audit_runs ADD COLUMN retry_at timestamptz;
ALTER TABLE audit_runs ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
