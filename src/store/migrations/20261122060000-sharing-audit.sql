-- Sharing audit: each drive's item tree and delta token (so the next run is incremental),
-- the permissions of sharing roots only, the exposure computed over the tree, findings with
-- their lifecycle, remediations (who removed which link, when) and owner notifications.
-- Audit runs record mode, progress and stats so an interrupted audit resumes.
-- Every table carries tenant_id and every key starts with it (distributable by tenant).

-- One row per OneDrive or document library. `delta_token` is the last complete delta link;
-- `resume_cursor` the next page of an enumeration in progress (checkpointed after each page).
-- `scan_generation` goes up at every full enumeration; items a full pass did not see are swept.
CREATE TABLE drives (
  tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
  drive_id         text NOT NULL,
  drive_type       text NOT NULL DEFAULT 'business',
  name             text,
  web_url          text,
  owner_id         text,
  owner_name       text,
  owner_email      text,
  delta_token      text,
  resume_cursor    text,
  scan_generation  bigint NOT NULL DEFAULT 0,
  full_scan        boolean NOT NULL DEFAULT true,
  -- The run working on this drive and how far it got: enumerate | permissions | analyse | done.
  run_id           text,
  phase            text NOT NULL DEFAULT 'enumerate' CHECK (phase IN ('enumerate', 'permissions', 'analyse', 'done')),
  pages_done       integer NOT NULL DEFAULT 0,
  resyncs          integer NOT NULL DEFAULT 0,
  last_synced_at   timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, drive_id)
);

-- The tree as delta last described it. `has_links` = a non-empty `shared` facet (with
-- Prefer: hierarchicalsharing, only roots of permission hierarchies carry one): the only
-- items whose permissions are ever fetched. `permissions_stale` marks roots to (re)fetch.
-- Content evidence is cached against `content_version`, so unchanged files are read once.
CREATE TABLE drive_items (
  tenant_id                 text NOT NULL,
  drive_id                  text NOT NULL,
  item_id                   text NOT NULL,
  parent_id                 text,
  name                      text NOT NULL DEFAULT '',
  is_folder                 boolean NOT NULL DEFAULT false,
  mime_type                 text,
  extension                 text,
  size                      bigint,
  web_url                   text,
  shared                    jsonb,
  has_links                 boolean NOT NULL DEFAULT false,
  deleted                   boolean NOT NULL DEFAULT false,
  content_version           text,
  permissions_stale         boolean NOT NULL DEFAULT false,
  content_evidence          jsonb,
  content_evidence_version  text,
  seen_generation           bigint NOT NULL DEFAULT 0,
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, drive_id, item_id)
);
-- Walking down the tree (exposure) and up it (paths).
CREATE INDEX drive_items_children ON drive_items (tenant_id, drive_id, parent_id);
CREATE INDEX drive_items_stale_roots ON drive_items (tenant_id, drive_id, item_id) WHERE permissions_stale;
CREATE INDEX drive_items_link_roots ON drive_items (tenant_id, drive_id, item_id) WHERE has_links;

-- Effective permissions of sharing roots, as Graph listed them (plain JSON, no SDK shape).
CREATE TABLE sharing_permissions (
  tenant_id       text NOT NULL,
  drive_id        text NOT NULL,
  item_id         text NOT NULL,
  permission_id   text NOT NULL,
  permission      jsonb NOT NULL,
  inherited_from  text,
  fetched_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, drive_id, item_id, permission_id)
);

-- Each sharing root's own exposing permission, classified at the last analysis. `rank`
-- (from the domain's exposureRank) lets SQL pick the most severe root for every item.
CREATE TABLE root_exposures (
  tenant_id            text NOT NULL,
  drive_id             text NOT NULL,
  item_id              text NOT NULL,
  permission_id        text NOT NULL,
  scope                text NOT NULL CHECK (scope IN ('anonymous', 'organization', 'external')),
  link_type            text NOT NULL,
  expires_at           timestamptz,
  has_password         boolean NOT NULL DEFAULT false,
  inherited            boolean NOT NULL DEFAULT false,
  reason               text NOT NULL,
  rank                 integer NOT NULL,
  exposed_descendants  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, drive_id, item_id)
);

-- The winning exposure of every exposed item: through which root, how deep.
CREATE TABLE item_exposures (
  tenant_id    text NOT NULL,
  drive_id     text NOT NULL,
  item_id      text NOT NULL,
  via_item_id  text NOT NULL,
  depth        integer NOT NULL,
  PRIMARY KEY (tenant_id, drive_id, item_id)
);
CREATE INDEX item_exposures_by_root ON item_exposures (tenant_id, drive_id, via_item_id);

-- One audit: mode, status and counters. At most one runs per tenant; an interrupted one
-- (status still 'running') is resumed by the next start.
CREATE TABLE audit_runs (
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
  run_id       text NOT NULL,
  mode         text NOT NULL CHECK (mode IN ('full', 'incremental')),
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  resumed      integer NOT NULL DEFAULT 0,
  stats        jsonb NOT NULL DEFAULT '{}'::jsonb,
  failures     jsonb NOT NULL DEFAULT '[]'::jsonb,
  error        text,
  PRIMARY KEY (tenant_id, run_id)
);
CREATE UNIQUE INDEX audit_runs_one_running ON audit_runs (tenant_id) WHERE status = 'running';

-- Findings keep their id across runs while the exposure lasts.
-- status: open | remediated (Jigsaw removed the link) | accepted (an admin or the owner kept
-- it, with a reason) | resolved (no longer exposed, by someone else's hand).
CREATE TABLE findings (
  tenant_id            text NOT NULL REFERENCES tenants (tenant_id),
  finding_id           text NOT NULL,
  drive_id             text NOT NULL,
  item_id              text NOT NULL,
  name                 text NOT NULL,
  path                 text NOT NULL,
  web_url              text,
  is_folder            boolean NOT NULL,
  scope                text NOT NULL CHECK (scope IN ('anonymous', 'organization', 'external')),
  link_type            text NOT NULL,
  permission_id        text NOT NULL,
  via_item_id          text NOT NULL,
  expires_at           timestamptz,
  has_password         boolean NOT NULL DEFAULT false,
  exposure_reason      text NOT NULL,
  exposed_descendants  integer NOT NULL DEFAULT 0,
  pupil_data_likely    boolean NOT NULL,
  reasons              jsonb NOT NULL DEFAULT '[]'::jsonb,
  severity             text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
  owner_id             text,
  owner_name           text,
  owner_email          text,
  status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'remediated', 'accepted', 'resolved')),
  status_reason        text,
  status_by_id         text,
  status_by_name       text,
  status_at            timestamptz,
  first_seen_at        timestamptz NOT NULL,
  last_seen_at         timestamptz NOT NULL,
  first_seen_run_id    text NOT NULL,
  last_seen_run_id     text NOT NULL,
  PRIMARY KEY (tenant_id, finding_id)
);
CREATE INDEX findings_by_run ON findings (tenant_id, last_seen_run_id);
CREATE INDEX findings_by_status ON findings (tenant_id, status, severity);

-- The audit trail of remediation: who, when, what, and what the re-check found.
-- outcome: removed | would-remove (dry run) | refused-inherited | not-found | failed
CREATE TABLE remediations (
  tenant_id        text NOT NULL,
  remediation_id   bigserial,
  finding_id       text NOT NULL,
  drive_id         text NOT NULL,
  item_id          text NOT NULL,
  permission_id    text NOT NULL,
  scope            text,
  link_type        text,
  dry_run          boolean NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('removed', 'would-remove', 'refused-inherited', 'not-found', 'failed')),
  detail           text,
  actor_id         text NOT NULL,
  actor_name       text NOT NULL,
  still_exposed    boolean,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, remediation_id)
);
CREATE INDEX remediations_by_finding ON remediations (tenant_id, finding_id);

-- "Notify owners": one row per finding in an owner's digest; their answer is recorded here.
-- response: remove | keep (with a reason)
CREATE TABLE owner_notifications (
  tenant_id        text NOT NULL,
  notification_id  text NOT NULL,
  finding_id       text NOT NULL,
  owner_id         text,
  owner_email      text,
  sent_at          timestamptz NOT NULL DEFAULT now(),
  response         text CHECK (response IN ('remove', 'keep')),
  response_reason  text,
  responded_by_id  text,
  responded_at     timestamptz,
  PRIMARY KEY (tenant_id, notification_id, finding_id)
);
CREATE INDEX owner_notifications_by_owner ON owner_notifications (tenant_id, owner_id);
