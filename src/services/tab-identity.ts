import type { Db } from '../store/db';
import { rolesOf } from '../store/tab-admin.repo';
import { hasAnyConcernAccess } from '../store/triage.repo';
import { type TabRole, type TabView, viewsFor } from '../domain/people/tab-access';

/** The caller as the tab API knows them: identity from the validated token, roles from the store. */
export interface TabUser {
  tenantId: string;
  aadObjectId: string;
  name: string;
  roles: ReadonlySet<TabRole>;
  views: TabView[];
}

const STORED_ROLES: ReadonlySet<string> = new Set(['admin', 'headteacher', 'chair', 'dpo', 'governor', 'it_manager', 'online_safety_lead']);

/**
 * Resolves roles on the server: DSL = on the DSL channel roster (`dsl_members`), the others from
 * `role_assignments`. Everyone signed in to a school is staff (they may have reported something).
 */
export async function resolveTabUser(db: Db, identity: { tenantId: string; aadObjectId: string; name: string }): Promise<TabUser> {
  const found = await rolesOf(db, identity.tenantId, identity.aadObjectId);
  const roles = new Set<TabRole>(['staff']);
  if (found.dsl) roles.add('dsl');
  for (const r of found.roles) if (STORED_ROLES.has(r)) roles.add(r as TabRole);
  // Access to a concern about an adult is given per concern, not by role: without this a person
  // given access could open it from its link but never find it in the tab.
  const grantedConcerns = await hasAnyConcernAccess(db, identity.tenantId, identity.aadObjectId);
  return { ...identity, roles, views: viewsFor(roles, { grantedConcerns }) };
}
