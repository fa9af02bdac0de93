import type { Db } from './db';
import type { RoutingDirectory } from '../domain/concerns/routing';

export type Role = 'admin' | 'headteacher' | 'chair' | 'dpo' | 'it_manager' | 'online_safety_lead' | 'governor';

export interface Tenant {
  tenantId: string;
  schoolName: string;
  timeZone: string;
}

export async function upsertTenant(db: Db, tenant: Tenant): Promise<void> {
  await db.query(
    `INSERT INTO tenants (tenant_id, school_name, timezone) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET school_name = EXCLUDED.school_name, timezone = EXCLUDED.timezone`,
    [tenant.tenantId, tenant.schoolName, tenant.timeZone],
  );
}

export async function getTenant(db: Db, tenantId: string): Promise<Tenant | undefined> {
  const [row] = await db.query<{ tenant_id: string; school_name: string; timezone: string }>(
    'SELECT tenant_id, school_name, timezone FROM tenants WHERE tenant_id = $1',
    [tenantId],
  );
  return row && { tenantId: row.tenant_id, schoolName: row.school_name, timeZone: row.timezone };
}

/**
 * Replaces the holders of the single-person roles and adds admins from configuration. Roles
 * configured through the product later are kept (source <> 'config').
 */
export async function assignRole(db: Db, tenantId: string, role: Role, aadObjectId: string, source = 'config'): Promise<void> {
  await db.query(
    `INSERT INTO role_assignments (tenant_id, role, aad_object_id, source) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, role, aad_object_id) DO NOTHING`,
    [tenantId, role, aadObjectId, source],
  );
}

export async function clearConfiguredRole(db: Db, tenantId: string, role: Role): Promise<void> {
  await db.query(`DELETE FROM role_assignments WHERE tenant_id = $1 AND role = $2 AND source = 'config'`, [tenantId, role]);
}

/** Every holder of a role, however it was set (configuration naming a holder takes the role back). */
export async function clearRole(db: Db, tenantId: string, role: Role): Promise<void> {
  await db.query('DELETE FROM role_assignments WHERE tenant_id = $1 AND role = $2', [tenantId, role]);
}

export async function listRoleHolders(db: Db, tenantId: string, role: Role): Promise<string[]> {
  const rows = await db.query<{ aad_object_id: string }>(
    'SELECT aad_object_id FROM role_assignments WHERE tenant_id = $1 AND role = $2 ORDER BY created_at, aad_object_id',
    [tenantId, role],
  );
  return rows.map((r) => r.aad_object_id);
}

export async function hasRole(db: Db, tenantId: string, role: Role, aadObjectId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM role_assignments WHERE tenant_id = $1 AND role = $2 AND aad_object_id = $3', [tenantId, role, aadObjectId]);
  return rows.length > 0;
}

export async function loadRoutingDirectory(db: Db, tenantId: string): Promise<RoutingDirectory> {
  // One round trip: the role holders, plus whether a DSL channel is registered.
  const rows = await db.query<{ role: Role; aad_object_id: string; has_channel: boolean }>(
    `SELECT r.role, r.aad_object_id, EXISTS (SELECT 1 FROM dsl_channels d WHERE d.tenant_id = $1) AS has_channel
     FROM (SELECT NULL::text AS role, NULL::text AS aad_object_id, NULL::timestamptz AS created_at
           UNION ALL
           SELECT role, aad_object_id, created_at FROM role_assignments WHERE tenant_id = $1) r
     ORDER BY r.created_at NULLS FIRST, r.aad_object_id`,
    [tenantId],
  );
  const first = (role: Role) => rows.find((r) => r.role === role)?.aad_object_id;
  return {
    dslChannelRegistered: rows[0]?.has_channel === true,
    headteacherAadId: first('headteacher'),
    chairAadId: first('chair'),
    dpoAadId: first('dpo'),
    itManagerAadId: first('it_manager'),
  };
}

/**
 * Tenant records for the bot's hot path (every activity needs its school's name and time zone),
 * kept `ttlMs`. They change only at start-up or by an admin's CLI, so a minute of staleness in
 * another instance is harmless; an unknown tenant is never cached (it may be set up any moment).
 */
export class TenantCache {
  private readonly entries = new Map<string, { tenant: Tenant; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(tenantId: string): Promise<Tenant | undefined> {
    const hit = this.entries.get(tenantId);
    if (hit && hit.until > this.clock()) return hit.tenant;
    const tenant = await getTenant(this.db, tenantId);
    if (tenant) this.entries.set(tenantId, { tenant, until: this.clock() + this.ttlMs });
    else this.entries.delete(tenantId);
    return tenant;
  }
}
