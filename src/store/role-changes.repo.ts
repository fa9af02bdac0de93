import type { Db } from './db';
import type { Role } from './tenant.repo';

/** Roles one person holds at a time: routing sends concerns about adults to the first holder. */
export const SINGLE_HOLDER_ROLES: readonly Role[] = ['headteacher', 'chair', 'dpo', 'it_manager', 'online_safety_lead'];

export type RoleChangeOutcome =
  | { ok: true }
  | { ok: false; code: 'set-by-configuration' | 'already-holds' | 'not-held' | 'own-admin-role' | 'not-admin' };

export interface RoleChange {
  role: Role;
  aadObjectId: string;
  displayName: string | null;
  change: 'assigned' | 'removed';
  byName: string | null;
  at: Date;
}

interface Actor {
  aadObjectId: string;
  name: string;
}

/**
 * Gives a role from the tab. A role held through configuration stays with configuration (it
 * would be put back at the next start); a single-holder role passes from its previous holder.
 * Every change is recorded in `role_changes`.
 */
export async function assignRoleInTab(db: Db, tenantId: string, role: Role, person: { aadObjectId: string; displayName: string | null }, by: Actor, at: Date): Promise<RoleChangeOutcome> {
  return db.transaction(async (tx) => {
    if (!(await stillAdmin(tx, tenantId, by))) return { ok: false, code: 'not-admin' };
    const holders = await tx.query<{ aad_object_id: string; source: string; display_name: string | null }>(
      'SELECT aad_object_id, source, display_name FROM role_assignments WHERE tenant_id = $1 AND role = $2 FOR UPDATE',
      [tenantId, role],
    );
    if (holders.some((h) => h.aad_object_id === person.aadObjectId)) return { ok: false, code: 'already-holds' };
    const single = SINGLE_HOLDER_ROLES.includes(role);
    if (single && holders.some((h) => h.source === 'config')) return { ok: false, code: 'set-by-configuration' };
    if (single) {
      for (const previous of holders) {
        await tx.query('DELETE FROM role_assignments WHERE tenant_id = $1 AND role = $2 AND aad_object_id = $3', [tenantId, role, previous.aad_object_id]);
        await recordChange(tx, tenantId, role, { aadObjectId: previous.aad_object_id, displayName: previous.display_name }, 'removed', by, at);
      }
    }
    await tx.query(
      `INSERT INTO role_assignments (tenant_id, role, aad_object_id, display_name, source, created_at) VALUES ($1, $2, $3, $4, 'tab', $5)`,
      [tenantId, role, person.aadObjectId, person.displayName, at],
    );
    await recordChange(tx, tenantId, role, person, 'assigned', by, at);
    return { ok: true };
  });
}

/** Takes a role away in the tab; configuration's holders and one's own admin role are refused. */
export async function removeRoleInTab(db: Db, tenantId: string, role: Role, aadObjectId: string, by: Actor, at: Date): Promise<RoleChangeOutcome> {
  return db.transaction(async (tx) => {
    if (!(await stillAdmin(tx, tenantId, by))) return { ok: false, code: 'not-admin' };
    const [holder] = await tx.query<{ source: string; display_name: string | null }>(
      'SELECT source, display_name FROM role_assignments WHERE tenant_id = $1 AND role = $2 AND aad_object_id = $3 FOR UPDATE',
      [tenantId, role, aadObjectId],
    );
    if (!holder) return { ok: false, code: 'not-held' };
    if (holder.source === 'config') return { ok: false, code: 'set-by-configuration' };
    if (role === 'admin' && aadObjectId === by.aadObjectId) return { ok: false, code: 'own-admin-role' };
    await tx.query('DELETE FROM role_assignments WHERE tenant_id = $1 AND role = $2 AND aad_object_id = $3', [tenantId, role, aadObjectId]);
    await recordChange(tx, tenantId, role, { aadObjectId, displayName: holder.display_name }, 'removed', by, at);
    return { ok: true };
  });
}

/**
 * Whether the person making a change still holds the admin role, read in the change's own
 * transaction under a lock on every admin row. Their roles were read when the request began:
 * two administrators taking each other's role at the same moment would otherwise both succeed
 * and leave nobody; the second now waits for the first and is refused.
 */
async function stillAdmin(tx: Db, tenantId: string, by: Actor): Promise<boolean> {
  const admins = await tx.query<{ aad_object_id: string }>(`SELECT aad_object_id FROM role_assignments WHERE tenant_id = $1 AND role = 'admin' ORDER BY aad_object_id FOR UPDATE`, [tenantId]);
  return admins.some((a) => a.aad_object_id === by.aadObjectId);
}

/** Who made the changes the deployment settings make at start (role_changes.by_aad_id is required). */
export const CONFIGURATION_ACTOR: Actor = { aadObjectId: 'configuration', name: 'the deployment settings' };

/** Every (role, person) held now, with the name the store has for them. */
export async function snapshotRoleHolders(db: Db, tenantId: string): Promise<Map<string, { role: Role; aadObjectId: string; displayName: string | null }>> {
  const rows = await db.query<{ role: Role; aad_object_id: string; display_name: string | null }>(
    'SELECT role, aad_object_id, display_name FROM role_assignments WHERE tenant_id = $1',
    [tenantId],
  );
  return new Map(rows.map((r) => [`${r.role}\u0000${r.aad_object_id}`, { role: r.role, aadObjectId: r.aad_object_id, displayName: r.display_name }]));
}

/**
 * Records in `role_changes` what the deployment settings changed at start (a holder named,
 * replaced or no longer named; a tab-given holder giving way to configuration), so the audit
 * of who held a role, and since when, does not depend on which way it was given.
 */
export async function recordConfigurationChanges(db: Db, tenantId: string, before: Awaited<ReturnType<typeof snapshotRoleHolders>>, at: Date): Promise<void> {
  const after = await snapshotRoleHolders(db, tenantId);
  const names = new Map((await db.query<{ aad_object_id: string; display_name: string | null }>(
    `SELECT aad_object_id, max(display_name) AS display_name FROM (
       SELECT aad_object_id, display_name FROM personal_conversations WHERE tenant_id = $1
       UNION ALL
       SELECT aad_object_id, display_name FROM dsl_members WHERE tenant_id = $1
     ) p GROUP BY aad_object_id`,
    [tenantId],
  )).map((r) => [r.aad_object_id, r.display_name]));
  const named = (h: { aadObjectId: string; displayName: string | null }) => ({ aadObjectId: h.aadObjectId, displayName: h.displayName ?? names.get(h.aadObjectId) ?? null });
  for (const [key, h] of before) if (!after.has(key)) await recordChange(db, tenantId, h.role, named(h), 'removed', CONFIGURATION_ACTOR, at);
  for (const [key, h] of after) if (!before.has(key)) await recordChange(db, tenantId, h.role, named(h), 'assigned', CONFIGURATION_ACTOR, at);
}

async function recordChange(tx: Db, tenantId: string, role: Role, person: { aadObjectId: string; displayName: string | null }, change: 'assigned' | 'removed', by: Actor, at: Date): Promise<void> {
  await tx.query(
    `INSERT INTO role_changes (tenant_id, role, aad_object_id, display_name, change, by_aad_id, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tenantId, role, person.aadObjectId, person.displayName, change, by.aadObjectId, by.name, at],
  );
}

export async function listRoleChanges(db: Db, tenantId: string, limit = 50): Promise<RoleChange[]> {
  const rows = await db.query<Record<string, unknown>>(
    'SELECT role, aad_object_id, display_name, change, by_name, at FROM role_changes WHERE tenant_id = $1 ORDER BY at DESC, change_id DESC LIMIT $2',
    [tenantId, limit],
  );
  return rows.map((r) => ({
    role: r.role as Role,
    aadObjectId: r.aad_object_id as string,
    displayName: (r.display_name as string | null) ?? null,
    change: r.change as RoleChange['change'],
    byName: (r.by_name as string | null) ?? null,
    at: new Date(r.at as string),
  }));
}
