-- Triage: what the DSL team does with a concern. The state (status, owner, risk level) lives
-- on `concerns`; every change is also a chronology event. These tables add what triage needs
-- around that: exactly-once card actions, links, who may see a concern about an adult, an
-- access log, durable escalation timers and pattern alerts.

-- One row per applied card action. The action id travels in the card's data, so a duplicated
-- or retried invoke finds its row and is applied once.
CREATE TABLE triage_actions (
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
  action_id     uuid NOT NULL,
  concern_id    uuid NOT NULL,
  actor_aad_id  text NOT NULL,
  verb          text NOT NULL,
  event_seq     integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, action_id),
  FOREIGN KEY (tenant_id, concern_id) REFERENCES concerns (tenant_id, concern_id)
);

-- Concerns a DSL linked together ("the jigsaw"): one row per pair as linked; read both ways.
CREATE TABLE concern_links (
  tenant_id          text NOT NULL,
  concern_id         uuid NOT NULL,
  linked_concern_id  uuid NOT NULL,
  linked_by          text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, concern_id, linked_concern_id),
  FOREIGN KEY (tenant_id, concern_id) REFERENCES concerns (tenant_id, concern_id),
  FOREIGN KEY (tenant_id, linked_concern_id) REFERENCES concerns (tenant_id, concern_id),
  CHECK (concern_id <> linked_concern_id)
);
CREATE INDEX concern_links_reverse ON concern_links (tenant_id, linked_concern_id);

-- Pupils a DSL linked later (the reporter's own are 'report'): they count towards patterns too.
ALTER TABLE concern_pupils ADD COLUMN source text NOT NULL DEFAULT 'report';
ALTER TABLE concern_pupils ADD COLUMN linked_by text;

-- People the recipient of a concern about an adult gave access to. Nobody else but the
-- recipient (headteacher or chair) may see or act on such a concern; never the DSL channel.
CREATE TABLE concern_participants (
  tenant_id      text NOT NULL,
  concern_id     uuid NOT NULL,
  aad_object_id  text NOT NULL,
  display_name   text,
  added_by       text NOT NULL,
  added_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, concern_id, aad_object_id),
  FOREIGN KEY (tenant_id, concern_id) REFERENCES concerns (tenant_id, concern_id)
);

-- Access to safeguarding data is "limited … monitored and audited": every refused attempt,
-- and every view and action, by whom and when. Ids and verbs only, never narrative.
CREATE TABLE access_log (
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
  log_id        bigserial PRIMARY KEY,
  actor_aad_id  text NOT NULL,
  actor_name    text,
  concern_id    uuid,
  verb          text NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('allowed', 'refused', 'rejected', 'duplicate')),
  reason        text,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_by_concern ON access_log (tenant_id, concern_id, log_id);
CREATE INDEX access_log_refused ON access_log (tenant_id, at) WHERE outcome = 'refused';

-- Durable timers (escalation of unacknowledged urgent concerns). A timer fires once: the
-- scheduler claims due rows with a lease, so a crash mid-fire lets another pass retry it.
CREATE TABLE timers (
  tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
  timer_id      bigserial PRIMARY KEY,
  kind          text NOT NULL,
  concern_id    uuid NOT NULL,
  due_at        timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired', 'cancelled')),
  lease_until   timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  fired_at      timestamptz,
  cancelled_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, kind, concern_id),
  FOREIGN KEY (tenant_id, concern_id) REFERENCES concerns (tenant_id, concern_id)
);
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'pending';
-- Urgent concerns nobody has acknowledged: the scheduler arms their timers from this.
CREATE INDEX concerns_urgent_unacknowledged ON concerns (created_at) WHERE status = 'new' AND urgency = 'urgent';

-- Pattern alerts sent: one per pupil per newest concern, so each concern that keeps a pupil
-- at or over the threshold is announced once, with all the references. The pupil is kept as a
-- hash of the pupil key: this table need not hold names.
CREATE TABLE pattern_alerts (
  tenant_id          text NOT NULL REFERENCES tenants (tenant_id),
  pupil_hash         text NOT NULL,
  newest_concern_id  uuid NOT NULL,
  concern_count      integer NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pupil_hash, newest_concern_id)
);

-- The owner's display name as the roster knew it when they took ownership (for the cards).
ALTER TABLE concerns ADD COLUMN owner_name text;

-- Card updates find the messages already posted for a concern (their activity ids are in `result`).
CREATE INDEX outbox_by_concern ON outbox (tenant_id, (payload->>'concernId')) WHERE status = 'sent';
