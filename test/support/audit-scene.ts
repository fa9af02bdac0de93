import { DEFAULT_APP, startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import type { AppRegistration } from '../fakes/graph-tenant/entra';
import { loadConfig } from '../../src/config';
import { runSharingAuditForReport } from '../../src/jobs/sharing-audit/run-sharing-audit';
import { connectSharingAudit } from '../../src/services/sharing-audit-connection';
import type { Db } from '../../src/store/db';
import { getFinding } from '../../src/store/sharing-findings.repo';
import { listRemediations } from '../../src/store/sharing-remediations.repo';
import { fakeGraphEnv } from './graph-env';
import type { TestUser } from './activities';
import { PEOPLE, SCHOOL, startHarness, type Harness } from './harness';
import { startTestIdentityProvider, type TestIdentityProvider } from './test-identity-provider';

/** A full sharing audit run as `jigsaw audit-sharing` runs it: its own Graph connection, on `db`. */
export async function auditAsTheCliDoes(db: Db, env: Record<string, string>, options: { now?: () => Date } = {}): Promise<Awaited<ReturnType<typeof runSharingAuditForReport>>> {
  const connection = connectSharingAudit(loadConfig({ BOOTSTRAP_TENANT_ID: SCHOOL.tenantId, ...env }));
  try {
    return await runSharingAuditForReport({
      db,
      tenantId: SCHOOL.tenantId,
      mode: 'full',
      verifiedDomains: await connection.verifiedDomains(),
      roster: (await connection.roster()).pupils,
      delta: connection.audit,
      permissions: connection.audit,
      content: connection.audit,
      usage: connection.audit,
      ...(options.now ? { now: options.now } : {}),
    });
  } finally {
    connection.close();
  }
}

export interface OpenRootFinding {
  finding_id: string;
  item_id: string;
  permission_id: string;
}

/** Open findings on their own sharing root, with no exposed folder above them. */
export function openRootFindings(db: Db): Promise<OpenRootFinding[]> {
  return db.query<OpenRootFinding>(
    `SELECT f.finding_id, f.item_id, f.permission_id FROM findings f
     WHERE f.tenant_id = $1 AND f.status = 'open' AND f.item_id = f.via_item_id
       AND NOT EXISTS (SELECT 1 FROM findings a WHERE a.tenant_id = f.tenant_id AND a.drive_id = f.drive_id AND a.status = 'open'
                       AND a.item_id <> f.item_id AND starts_with(f.path, a.path || '/'))
     ORDER BY f.finding_id`,
    [SCHOOL.tenantId],
  );
}

/**
 * Those whose sharing root has exactly one exposing link of its own (anonymous, organisation or
 * external), so that removing it ends the exposure (which ones depends on the generated tenant).
 */
export function withOneExposingLink(graph: FakeGraphTenant, findings: OpenRootFinding[]): OpenRootFinding[] {
  const exposing = (itemId: string) => graph.tenant.ownPermissions(graph.tenant.itemIndex(itemId)).filter((p) => (p.link && p.link.scope !== 'users') || p.grantees.some((g) => g.kind === 'external'));
  return findings.filter((f) => exposing(f.item_id).length === 1);
}

/** Whether the finding's link is still on its sharing root in the fake tenant. */
export function linkInPlace(graph: FakeGraphTenant, c: { item_id: string; permission_id: string }): boolean {
  return graph.tenant.ownPermissions(graph.tenant.itemIndex(c.item_id)).some((p) => p.id === c.permission_id);
}

/** A press that changed nothing: the finding open, no removal recorded, the link in place. */
export async function expectNothingRemoved(db: Db, graph: FakeGraphTenant, c: { finding_id: string; item_id: string; permission_id: string }): Promise<void> {
  expect((await getFinding(db, SCHOOL.tenantId, c.finding_id))!.status).toBe('open');
  expect((await listRemediations(db, SCHOOL.tenantId, c.finding_id)).filter((r) => r.outcome === 'removed')).toEqual([]);
  expect(linkInPlace(graph, c)).toBe(true);
}

export interface RemediationScene {
  graph: FakeGraphTenant;
  h: Harness;
  idp: TestIdentityProvider;
  candidates: OpenRootFinding[];
  /** Presses Remove link in the tab as `who` (an admin by default), signed in as the tab is. */
  removeLinkFromTab(findingId: string, who?: TestUser): Promise<{ status: number; body: { error?: string; message: string; title?: string; status?: string } }>;
  stop(): Promise<void>;
}

/**
 * The app with tab sign-in and remediation through `remediator` (an app registration of the
 * fake tenant, with one secret), after a full audit of a small seeded school: the findings an
 * admin could remove a link from.
 */
export async function startRemediationScene(
  remediator: AppRegistration & { secrets: [string, ...string[]] },
  /** The app's own audit app, when it is not the one the CLI audited with (DEFAULT_APP). */
  appAuditApp?: AppRegistration & { secrets: [string, ...string[]] },
): Promise<RemediationScene> {
  const graph = await startFakeGraphTenant({
    tenant: { seed: 33, tenantId: SCHOOL.tenantId, items: 700, staff: 3, pupils: 6, sites: 0, sharingRootShare: 0.08 },
    ru: { limit: 100_000 },
    apps: [DEFAULT_APP, remediator, ...(appAuditApp ? [appAuditApp] : [])],
  });
  const env = { ...fakeGraphEnv(graph), REMEDIATION_ENABLED: 'true', GRAPH_REMEDIATION_CLIENT_ID: remediator.clientId, GRAPH_REMEDIATION_CLIENT_SECRET: remediator.secrets[0] };
  const idp = await startTestIdentityProvider(SCHOOL.tenantId);
  const appEnv: Record<string, string> = appAuditApp ? { GRAPH_CLIENT_ID: appAuditApp.clientId, GRAPH_CLIENT_SECRET: appAuditApp.secrets[0] } : {};
  const h = await startHarness({ env: { ...env, ...appEnv, ...idp.env } });
  // The audit runs on its own connection, so the app's Graph connection is still unused.
  await auditAsTheCliDoes(h.db, env);
  return {
    graph,
    h,
    idp,
    candidates: await openRootFindings(h.db),
    async removeLinkFromTab(findingId, who = PEOPLE.admin) {
      const res = await fetch(`${h.url}/api/tab/admin/sharing/findings/${findingId}/remove-link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await idp.mint(who)}`, 'content-type': 'application/json' },
        body: '{}',
      });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      await h.stop();
      await graph.setReachable(true);
      await graph.close();
      await idp.stop();
    },
  };
}
