-- Acceptable Use Policy acknowledgements: immutable versions (content hash checked by the
-- database itself), audience membership, a broadcast queue with one row per recipient and
-- purpose (the primary key is what makes "never two cards for one version to one person"
-- hold across crashes), and an append-only register of acknowledgements.

-- One row per published version. Never updated or deleted (triggers below).
CREATE TABLE aup_versions (
  tenant_id       text NOT NULL REFERENCES tenants (tenant_id),
  version_id      uuid NOT NULL,
  audience        text NOT NULL CHECK (audience IN ('staff', 'governors', 'volunteers', 'pupils-ks1', 'pupils-ks2', 'pupils-ks3', 'pupils-ks4', 'pupils-ks5', 'parents')),
  version_number  integer NOT NULL CHECK (version_number >= 1),
  title           text NOT NULL,
  body            text,
  link_url        text,
  effective_on    date NOT NULL,
  change_summary  text,
  summary         text,
  content_hash    text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  published_by    text NOT NULL,
  published_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version_id),
  UNIQUE (tenant_id, audience, version_number),
  CHECK (body IS NOT NULL OR link_url IS NOT NULL)
);

-- The hash must be the SHA-256 of the content (same canonical form as src/domain/aup/content-hash.ts),
-- so a version's text can never drift from the hash people acknowledged.
CREATE FUNCTION aup_versions_check_hash() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.content_hash <> encode(sha256(convert_to(concat_ws(chr(31), NEW.audience, NEW.title, coalesce(NEW.body, ''), coalesce(NEW.link_url, ''),
       to_char(NEW.effective_on, 'YYYY-MM-DD'), coalesce(NEW.change_summary, ''), coalesce(NEW.summary, '')), 'UTF8')), 'hex') THEN
    RAISE EXCEPTION 'aup_versions: content_hash does not match the content' USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER aup_versions_hash BEFORE INSERT ON aup_versions FOR EACH ROW EXECUTE FUNCTION aup_versions_check_hash();

CREATE FUNCTION aup_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'P0001';
END;
$$;
CREATE TRIGGER aup_versions_no_update BEFORE UPDATE OR DELETE ON aup_versions FOR EACH ROW EXECUTE FUNCTION aup_immutable();
CREATE TRIGGER aup_versions_no_truncate BEFORE TRUNCATE ON aup_versions FOR EACH STATEMENT EXECUTE FUNCTION aup_immutable();

-- Who is in each audience (from Entra groups or a CSV), replaced on each sync.
-- person_id: the Entra object id, or ext:<school reference> for people without Teams.
CREATE TABLE aup_audience_members (
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
  audience       text NOT NULL,
  person_id      text NOT NULL,
  aad_object_id  text,
  display_name   text NOT NULL,
  email          text,
  source         text NOT NULL CHECK (source IN ('group', 'csv', 'import')),
  synced_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, audience, person_id)
);
CREATE INDEX aup_audience_members_by_aad ON aup_audience_members (tenant_id, aad_object_id);

-- The broadcast queue and its history: one row per version, person and purpose
-- ('ask', 'ask/r1', 'ask/r2', 'renew:2027-11-22', …). status:
--   queued     waiting for the sender (next_attempt_at);
--   claimed    a sender holds it (lease_until) but has not called Teams: safe to re-claim;
--   in_flight  the call to Teams started (send_started_at): after a crash the outcome is unknown;
--   sent       Teams accepted it (activity id kept to refresh the card);
--   uncertain  was in_flight when a sender died: never re-sent automatically (no second card);
--   failed     Teams refused it for good (e.g. app not installable); see last_error;
--   skipped    no longer needed (acknowledged meanwhile, or offline audience).
CREATE TABLE aup_sends (
  tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
  send_id          bigserial,
  version_id       uuid NOT NULL,
  person_id        text NOT NULL,
  purpose          text NOT NULL,
  aad_object_id    text,
  status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'claimed', 'in_flight', 'sent', 'uncertain', 'failed', 'skipped')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_until      timestamptz,
  send_started_at  timestamptz,
  conversation_id  text,
  activity_id      text,
  service_url      text,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  PRIMARY KEY (tenant_id, version_id, person_id, purpose),
  UNIQUE (send_id),
  FOREIGN KEY (tenant_id, version_id) REFERENCES aup_versions (tenant_id, version_id)
);
CREATE INDEX aup_sends_due ON aup_sends (status, next_attempt_at) WHERE status IN ('queued', 'claimed', 'in_flight');
CREATE INDEX aup_sends_by_person ON aup_sends (tenant_id, person_id);

-- A broadcast: who started it, where its progress card is, and whether the deadline report went.
CREATE TABLE aup_broadcasts (
  tenant_id              text NOT NULL REFERENCES tenants (tenant_id),
  version_id             uuid NOT NULL,
  started_by             text NOT NULL,
  started_at             timestamptz NOT NULL DEFAULT now(),
  progress_conversation  text,
  progress_activity_id   text,
  progress_service_url   text,
  progress_updated_at    timestamptz,
  completed_at           timestamptz,
  deadline_reported_at   timestamptz,
  PRIMARY KEY (tenant_id, version_id),
  FOREIGN KEY (tenant_id, version_id) REFERENCES aup_versions (tenant_id, version_id)
);

-- The register: every acknowledgement ever given, append-only. The identity comes from the
-- Teams activity (or the import file for paper/online-form ones), never from card data.
CREATE TABLE aup_acknowledgements (
  tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
  ack_id           bigserial,
  version_id       uuid NOT NULL,
  person_id        text NOT NULL,
  aad_object_id    text,
  display_name     text NOT NULL,
  acknowledged_at  timestamptz NOT NULL,
  content_hash     text NOT NULL,
  method           text NOT NULL CHECK (method IN ('teams', 'paper', 'online-form')),
  signed_by        text,
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, ack_id),
  -- One acknowledgement per person, version and moment: a double press or a re-imported file is a no-op.
  UNIQUE (tenant_id, version_id, person_id, acknowledged_at),
  FOREIGN KEY (tenant_id, version_id) REFERENCES aup_versions (tenant_id, version_id)
);
CREATE INDEX aup_acknowledgements_by_person ON aup_acknowledgements (tenant_id, person_id, acknowledged_at);
CREATE TRIGGER aup_acknowledgements_no_update BEFORE UPDATE OR DELETE ON aup_acknowledgements FOR EACH ROW EXECUTE FUNCTION aup_immutable();
CREATE TRIGGER aup_acknowledgements_no_truncate BEFORE TRUNCATE ON aup_acknowledgements FOR EACH STATEMENT EXECUTE FUNCTION aup_immutable();
