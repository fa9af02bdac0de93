-- Deletion of one concern by hand (`jigsaw retention --delete REF`, then `--approve CODE`): for a
-- concern about an adult that must not be kept (KCSIE: a malicious allegation is removed from
-- the person's records), which the retention purge never deletes. The concern goes as a purge
-- takes it (chronology, pupils, data key); this tombstone stays so that verify-chronology, and
-- the DSL, can see that it was deleted, when, by whom and why. No content, no names.
CREATE TABLE concern_deletions (
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
  deletion_id  bigserial PRIMARY KEY,
  reference    text NOT NULL,
  -- adult or headteacher: whom the concern was about (the role, never a name).
  about        text NOT NULL,
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  deleted_by   text NOT NULL,
  deleted_at   timestamptz NOT NULL,
  -- Rows deleted per table.
  counts       jsonb NOT NULL,
  UNIQUE (tenant_id, reference)
);
