import type { CliContext } from '../cli';
import { listRoleHolders } from '../store/tenant.repo';
import type { Db } from '../store/db';
import { aupRulesFrom } from '../jobs/aup-jobs';
import type { AupRules } from '../domain/aup/status';

/** What every `jigsaw aup …` subcommand needs: the store, the tenant, the rules, the clock. */
export interface AupCliContext {
  cli: CliContext;
  db: Db;
  tenantId: string;
  rules: AupRules;
  now: () => Date;
}

export async function aupCliContext(cli: CliContext, tenantOption?: string): Promise<AupCliContext | string> {
  const tenantId = tenantOption ?? cli.config.bootstrap.tenantId;
  if (!tenantId) return 'no tenant: set BOOTSTRAP_TENANT_ID or pass --tenant ID';
  return { cli, db: await cli.db(), tenantId, rules: aupRulesFrom(cli.config), now: () => new Date() };
}

/** Who an action is recorded as: --by, else the first configured admin. */
export async function actingAdmin(ctx: AupCliContext, by?: string): Promise<string | undefined> {
  if (by) return by.toLowerCase();
  return (await listRoleHolders(ctx.db, ctx.tenantId, 'admin'))[0];
}
