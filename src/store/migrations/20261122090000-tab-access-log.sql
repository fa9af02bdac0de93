-- The tab's access log. The DPO must make sure "all access to safeguarding data is limited …
-- and also monitored and audited": every time someone opens a concern's details or a pupil's
-- chronology in the tab, who, what and when is written here (and refused attempts too).
-- Ids, references and pupil keys only, never narrative. DSLs and the DPO read it in the tab.
CREATE TABLE tab_access_log (
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
  log_id        bigserial PRIMARY KEY,
  actor_aad_id  text NOT NULL,
  actor_name    text,
  -- concern.view | pupil.chronology.view | access-log.view
  action        text NOT NULL,
  concern_id    uuid,
  reference     text,
  -- The pupil's normalised key for a chronology view (what concern_pupils links by).
  pupil_key     text,
  outcome       text NOT NULL CHECK (outcome IN ('allowed', 'refused')),
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tab_access_log_by_time ON tab_access_log (tenant_id, at DESC, log_id DESC);
CREATE INDEX tab_access_log_by_concern ON tab_access_log (tenant_id, concern_id, log_id) WHERE concern_id IS NOT NULL;
