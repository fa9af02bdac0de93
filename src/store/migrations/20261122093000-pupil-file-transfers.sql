-- Transfers of a pupil's safeguarding file to a new school (KCSIE: within 5 school days of the
-- pupil starting there, separately from the main pupil file, with confirmation of receipt).
-- One row per export: who exported it, for which school, and when receipt was confirmed.
CREATE TABLE pupil_file_transfers (
  tenant_id             text NOT NULL REFERENCES tenants (tenant_id),
  transfer_id           uuid NOT NULL,
  pupil_key             text NOT NULL,
  destination_school    text NOT NULL,
  concern_count         integer NOT NULL,
  exported_by           text NOT NULL,
  exported_by_name      text NOT NULL,
  exported_at           timestamptz NOT NULL,
  receipt_confirmed_at  timestamptz,
  receipt_confirmed_by  text,
  receipt_note          text,
  PRIMARY KEY (tenant_id, transfer_id)
);
CREATE INDEX pupil_file_transfers_by_pupil ON pupil_file_transfers (tenant_id, pupil_key, exported_at);
