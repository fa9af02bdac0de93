-- Retention (issue 7). Records are kept exactly as long as policy says, then purged by
-- `jigsaw retention` (src/jobs/retention.ts), which writes what it purged — references and
-- counts, never content — to retention_purges.
--
-- Per-tenant retention periods; NULL means "the deployment's default" (RETENTION_* settings).
CREATE TABLE retention_policies (
  tenant_id            text PRIMARY KEY REFERENCES tenants (tenant_id),
  concern_years        integer CHECK (concern_years BETWEEN 1 AND 100),
  aup_years            integer CHECK (aup_years BETWEEN 1 AND 100),
  audit_findings_days  integer CHECK (audit_findings_days BETWEEN 1 AND 36500),
  updated_by           text NOT NULL,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- One row per purged record (or per batch of AUP rows): the evidence that a purge happened.
CREATE TABLE retention_purges (
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
  purge_id     bigserial PRIMARY KEY,
  run_id       text NOT NULL,
  record_kind  text NOT NULL CHECK (record_kind IN ('concern', 'aup-acknowledgements', 'aup-sends', 'audit-finding')),
  -- A concern reference or a finding id; NULL for a batch counted as a whole.
  record_ref   text,
  -- The moment before which the records' retention period ended.
  cutoff       timestamptz NOT NULL,
  counts       jsonb NOT NULL,
  purged_by    text NOT NULL,
  purged_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retention_purges_by_tenant ON retention_purges (tenant_id, purged_at DESC);

-- The one sanctioned way to delete append-only rows. The purge job, and only it, sets
-- `jigsaw.retention_purge = on` for its own transaction (set_config(..., true)), and the
-- triggers then let DELETE through; UPDATE and TRUNCATE stay refused, and the setting ends with
-- the transaction. It guards against application bugs, not against a database owner, who could
-- drop the trigger anyway: least-privilege database roles are the control for that (docs/security.md).
CREATE OR REPLACE FUNCTION concern_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('jigsaw.retention_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'concern_events is append-only: % refused', TG_OP USING ERRCODE = 'P0001';
END;
$$;

CREATE OR REPLACE FUNCTION aup_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('jigsaw.retention_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'P0001';
END;
$$;
