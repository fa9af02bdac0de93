-- Foundation: tenants, roles, conversation references, concerns with their append-only
-- chronology, and the durable outbox that delivers to Teams. Every table carries tenant_id
-- so the schema can be distributed by tenant (Citus) and no query joins across tenants.

CREATE TABLE tenants (
  tenant_id   text PRIMARY KEY,
  school_name text NOT NULL,
  timezone    text NOT NULL DEFAULT 'Europe/London',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Roles held by people in a tenant, from the server's own records (never from card data).
-- role: admin | headteacher | chair | dpo | it_manager | online_safety_lead | governor
CREATE TABLE role_assignments (
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
  role           text NOT NULL,
  aad_object_id  text NOT NULL,
  display_name   text,
  source         text NOT NULL DEFAULT 'config',
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, role, aad_object_id)
);

-- The registered DSL channel of a tenant (one per tenant), with what is needed to post to it.
CREATE TABLE dsl_channels (
  tenant_id        text PRIMARY KEY REFERENCES tenants (tenant_id),
  team_id          text NOT NULL,
  channel_id       text NOT NULL,
  channel_name     text,
  service_url      text NOT NULL,
  bot_id           text NOT NULL,
  registered_by    text NOT NULL,
  registered_at    timestamptz NOT NULL DEFAULT now()
);

-- Members of the DSL channel, refreshed from the Teams roster; the source of "who is a DSL".
CREATE TABLE dsl_members (
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
  aad_object_id  text NOT NULL,
  teams_user_id  text NOT NULL,
  display_name   text NOT NULL,
  refreshed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, aad_object_id)
);

-- Personal (1:1) conversation references, so the bot can message a user proactively.
CREATE TABLE personal_conversations (
  tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
  aad_object_id    text NOT NULL,
  teams_user_id    text NOT NULL,
  conversation_id  text NOT NULL,
  service_url      text NOT NULL,
  bot_id           text NOT NULL,
  display_name     text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, aad_object_id)
);

-- Reference numbers C-YYYY-NNNNN, gap-free per tenant and year.
CREATE TABLE concern_reference_counters (
  tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
  year       integer NOT NULL,
  last_value integer NOT NULL,
  PRIMARY KEY (tenant_id, year)
);

-- Envelope encryption: each concern has its own data key, stored wrapped by a master key
-- (from configuration / Key Vault). Rotating the master key re-wraps these rows only, so the
-- append-only chronology never has to be rewritten.
CREATE TABLE concern_keys (
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
  concern_id     uuid NOT NULL,
  master_key_id  text NOT NULL,
  wrapped_key    text NOT NULL,
  PRIMARY KEY (tenant_id, concern_id)
);

-- A concern. Narrative fields are ciphertext under the concern's data key.
CREATE TABLE concerns (
  tenant_id            text NOT NULL REFERENCES tenants (tenant_id),
  concern_id           uuid NOT NULL,
  reference            text NOT NULL,
  reporter_aad_id      text NOT NULL,
  reporter_name        text NOT NULL,
  about                text NOT NULL CHECK (about IN ('pupil', 'adult', 'headteacher')),
  category             text NOT NULL,
  urgency              text NOT NULL CHECK (urgency IN ('urgent', 'standard')),
  occurred_on          date NOT NULL,
  occurred_time        text,
  location_enc         text NOT NULL,
  what_happened_enc    text NOT NULL,
  child_words_enc      text,
  action_taken_enc     text,
  adult_subject_enc    text,
  recipient            text NOT NULL,
  status               text NOT NULL DEFAULT 'new',
  owner_aad_id         text,
  risk_level           text,
  client_submission_id text,
  -- The chronology's length and last hash: deleting the newest event is detected too.
  event_count          integer NOT NULL DEFAULT 0,
  head_hash            text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, concern_id),
  UNIQUE (tenant_id, reference)
);
-- One concern per card submission: a retried or duplicated submit is applied once.
CREATE UNIQUE INDEX concerns_submission_once ON concerns (tenant_id, reporter_aad_id, client_submission_id)
  WHERE client_submission_id IS NOT NULL;
CREATE INDEX concerns_by_status ON concerns (tenant_id, status, created_at);

-- Pupils named in a concern; `pupil_key` is the normalised name (or roster id) that links concerns.
CREATE TABLE concern_pupils (
  tenant_id    text NOT NULL,
  concern_id   uuid NOT NULL,
  position     integer NOT NULL,
  pupil_key    text NOT NULL,
  name_enc     text NOT NULL,
  PRIMARY KEY (tenant_id, concern_id, position),
  FOREIGN KEY (tenant_id, concern_id) REFERENCES concerns (tenant_id, concern_id)
);
CREATE INDEX concern_pupils_by_key ON concern_pupils (tenant_id, pupil_key);

-- The chronology: append-only, hash-chained. Each event's hash covers the previous hash.
CREATE TABLE concern_events (
  tenant_id    text NOT NULL,
  concern_id   uuid NOT NULL,
  seq          integer NOT NULL,
  event_type   text NOT NULL,
  actor_aad_id text NOT NULL,
  actor_name   text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  details_enc  text NOT NULL,
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  PRIMARY KEY (tenant_id, concern_id, seq),
  FOREIGN KEY (tenant_id, concern_id) REFERENCES concerns (tenant_id, concern_id)
);

-- The database itself refuses to change or remove a chronology event.
CREATE FUNCTION concern_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'concern_events is append-only: % refused', TG_OP USING ERRCODE = 'P0001';
END;
$$;
CREATE TRIGGER concern_events_no_update BEFORE UPDATE OR DELETE ON concern_events
  FOR EACH ROW EXECUTE FUNCTION concern_events_append_only();
CREATE TRIGGER concern_events_no_truncate BEFORE TRUNCATE ON concern_events
  FOR EACH STATEMENT EXECUTE FUNCTION concern_events_append_only();

-- The outbox: every message to Teams. Rendered at send time from the store, so no narrative
-- is copied here. `target_key` orders delivery per conversation; `idempotency_key` makes
-- enqueueing the same delivery twice a no-op.
CREATE TABLE outbox (
  tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
  outbox_id        bigserial PRIMARY KEY,
  idempotency_key  text NOT NULL,
  kind             text NOT NULL,
  target_key       text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'held')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_until      timestamptz,
  last_error       text,
  result           jsonb,
  alerted_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_target ON outbox (tenant_id, target_key, outbox_id);

-- Alerts for administrators (delivery failures, missing configuration). Ids, never narrative.
CREATE TABLE admin_alerts (
  tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
  alert_id     bigserial PRIMARY KEY,
  kind         text NOT NULL,
  subject_ref  text,
  message      text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz
);
