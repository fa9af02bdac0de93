-- The last reading of each audience's Entra groups (AUP_AUDIENCE_GROUPS), by the daily audience
-- sync, a publish from the tab or the CLI: when it last succeeded, how many people and groups it
-- found; when the sync last failed, why (the kind of failure and the HTTP status only, never a
-- message from Graph) and how many of its runs in a row have failed. Counts only: no personal data.
CREATE TABLE aup_audience_syncs (
  tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
  audience         text NOT NULL,
  synced_at        timestamptz,
  members          integer,
  groups           integer,
  failed_at        timestamptz,
  error            text,
  failed_attempts  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, audience)
);
