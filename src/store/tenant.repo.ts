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

/**
 * What routing reads, as one text value computed in SQL: whether a DSL channel is registered
 * and the first holder of each role a concern can be routed to. The same expression serves to
 * load the directory and, inside the concern's insert, to check that the directory it was
 * routed with is still the one in the store (see RoutingDirectoryCache).
 */
export function routingInputsSql(tenantParam: string): string {
  return `(SELECT json_build_object(
      'channel', EXISTS (SELECT 1 FROM dsl_channels d WHERE d.tenant_id = ${tenantParam}),
      'roles', (SELECT coalesce(json_object_agg(f.role, f.aad_object_id ORDER BY f.role), '{}'::json)
                FROM (SELECT DISTINCT ON (role) role, aad_object_id FROM role_assignments
                      WHERE tenant_id = ${tenantParam} AND role IN ('headteacher', 'chair', 'dpo', 'it_manager')
                      ORDER BY role, created_at, aad_object_id) f))::text)`;
}

/** A tenant's routing directory with the inputs it was read from (for the insert's check). */
export interface LoadedRouting {
  directory: RoutingDirectory;
  inputs: string;
}

export async function loadRoutingDirectory(db: Db, tenantId: string): Promise<LoadedRouting> {
  const [row] = await db.query<{ inputs: string }>(`SELECT ${routingInputsSql('$1')} AS inputs`, [tenantId]);
  const parsed = JSON.parse(row.inputs) as { channel: boolean; roles: Partial<Record<Role, string>> };
  return {
    directory: {
      dslChannelRegistered: parsed.channel === true,
      headteacherAadId: parsed.roles.headteacher,
      chairAadId: parsed.roles.chair,
      dpoAadId: parsed.roles.dpo,
      itManagerAadId: parsed.roles.it_manager,
    },
    inputs: row.inputs,
  };
}

/**
 * The routing directory last read per tenant, so that the intake need not read it before
 * every concern. Never trusted: the concern's insert checks, in the same statement, that the
 * store still holds these inputs (routingInputsSql) and writes nothing otherwise; the caller
 * then reads the directory again and routes again (StaleRoutingError). A role given or taken,
 * or a channel registered, by this or any other instance takes effect for the next concern.
 */
export class RoutingDirectoryCache {
  private readonly entries = new Map<string, LoadedRouting>();

  async get(db: Db, tenantId: string, options: { fresh?: boolean } = {}): Promise<LoadedRouting> {
    const hit = options.fresh ? undefined : this.entries.get(tenantId);
    if (hit) return hit;
    const loaded = await loadRoutingDirectory(db, tenantId);
    this.entries.set(tenantId, loaded);
    return loaded;
  }
}

/** The routing a concern was decided with is no longer what the store holds: nothing was written. */
export class StaleRoutingError extends Error {
  constructor() {
    super('the routing directory changed while the concern was being routed');
    this.name = 'StaleRoutingError';
  }
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
