-- Who gave or took away a role in the tab, and when: role holders decide who sees concerns
-- about adults and who administers Jigsaw, so every change is kept (append-only).
CREATE TABLE role_changes (
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
  change_id      bigserial PRIMARY KEY,
  role           text NOT NULL,
  aad_object_id  text NOT NULL,
  display_name   text,
  change         text NOT NULL CHECK (change IN ('assigned', 'removed')),
  by_aad_id      text NOT NULL,
  by_name        text,
  at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX role_changes_by_time ON role_changes (tenant_id, at DESC, change_id DESC);
CREATE TRIGGER role_changes_no_update BEFORE UPDATE OR DELETE ON role_changes
  FOR EACH ROW EXECUTE FUNCTION aup_immutable();
