-- Legal holds (`jigsaw retention --hold`): a school told not to destroy records (an inquiry's
-- retention instruction, litigation, a police request) keeps them past their period. A held
-- concern is never purged. One row per hold, kept after release: who placed it, when and why,
-- and who released it, when and why, is the audit of the decision. A per-concern hold is also
-- written in the concern's chronology (tamper-evident); a tenant-wide hold (concern_id NULL)
-- holds every concern of the school.
CREATE TABLE legal_holds (
  tenant_id       text NOT NULL REFERENCES tenants (tenant_id),
  hold_id         bigserial PRIMARY KEY,
  -- NULL: every concern of the tenant. No foreign key: the history outlives a later purge.
  concern_id      uuid,
  reference       text,
  reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  placed_by       text NOT NULL,
  placed_at       timestamptz NOT NULL,
  released_by     text,
  released_at     timestamptz,
  release_reason  text,
  CHECK ((concern_id IS NULL) = (reference IS NULL)),
  CHECK ((released_at IS NULL) = (released_by IS NULL) AND (released_at IS NULL) = (release_reason IS NULL))
);
-- At most one hold in force per concern, and one tenant-wide hold per tenant.
CREATE UNIQUE INDEX legal_holds_one_per_concern ON legal_holds (tenant_id, concern_id) WHERE released_at IS NULL AND concern_id IS NOT NULL;
CREATE UNIQUE INDEX legal_holds_one_per_tenant ON legal_holds (tenant_id) WHERE released_at IS NULL AND concern_id IS NULL;
