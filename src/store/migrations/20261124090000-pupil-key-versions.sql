-- Pupil keys (concern_pupils.pupil_key, and the copies in pupil_file_transfers, tab_access_log and,
-- hashed, pattern_alerts) are made from the pupil's name by src/domain/people/pupil-key.ts. When
-- the way they are made changes, each school's keys are brought to the new version once, at
-- start-up, in code (names are encrypted, so SQL cannot compute them): src/store/pupil-rekey.ts.
-- One row per school and version applied, with what was changed (counts, never names or keys).
-- No row for a school: its keys are version 1 (letters a–z and digits only), or it is new.
CREATE TABLE pupil_key_versions (
  tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
  version     integer NOT NULL,
  counts      jsonb NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);
