// Microsoft throttles the app, per tenant: when the AUP audiences and the sharing audit sign in
// as the same app registration, as the admin guide sets them up (one GRAPH_CLIENT_ID), they must
// spend from one RU budget. Wired as the composition root wires them (connectAupGraph and
// connectSharingAudit on one GraphConnectionPool), the two running at once stay under the
// fake tenant's limit; with a budget each, the same work is throttled.
import { startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { loadConfig } from '../../src/config';
import { openGraphApp } from '../../src/graph/create-graph';
import { GraphConnectionPool } from '../../src/graph/graph-connection-pool';
import { runSharingAudit } from '../../src/jobs/sharing-audit/run-sharing-audit';
import { connectAupGraph } from '../../src/services/aup-graph';
import { connectSharingAudit } from '../../src/services/sharing-audit-connection';
import type { Db } from '../../src/store/db';
import { fakeGraphEnv } from '../support/graph-env';
import { createTestDb, storeKind } from '../support/test-db';

const ONE_APP = {
  clientId: '0b8e6d21-5a4c-4f3e-9d2b-7c6a5e4d3f21',
  displayName: 'Jigsaw',
  secrets: ['one-s3cret'],
  roles: ['User.Read.All', 'Files.Read.All', 'Sites.Read.All', 'Organization.Read.All', 'GroupMember.Read.All'],
};
const STAFF_GROUP = '22222222-0000-4000-8000-000000000001';
// The fake's limit per window, and the same window for the client's budget (60 s in production).
// Each budget then paces at 60 RU/s against a limit of 80 RU/s: two budgets ask for 120 RU/s, a
// rate the test reaches even on a busy machine (at 300 RU per 1 s it did not, and the control
// below found no 429 under load).
const LIMIT = 400;
const WINDOW_MS = 5_000;

describe(`one RU budget per app in a process (${storeKind()})`, () => {
  let fake: FakeGraphTenant;
  let db: Db;
  const config = () => loadConfig({ ...fakeGraphEnv(fake, { clientId: ONE_APP.clientId, secret: ONE_APP.secrets[0]! }), GRAPH_RU_PER_MINUTE: String(LIMIT) });
  const shrunkWindow = () => new GraphConnectionPool((settings) => openGraphApp({ ...settings, budget: { windowMs: WINDOW_MS } }));

  beforeAll(async () => {
    fake = await startFakeGraphTenant({
      tenant: { seed: 8, items: 1500, staff: 12, pupils: 0, sites: 0, sharingRootShare: 0.04 },
      // No RateLimit headers (Microsoft sends them best effort): pacing alone must keep the app under.
      ru: { limit: LIMIT, windowMs: WINDOW_MS, rateLimitHeaders: false },
      apps: [ONE_APP],
    });
    fake.api.addGroup({ id: STAFF_GROUP, displayName: 'All staff', memberUserIds: fake.tenant.users.filter((u) => u.role === 'teacher').map((u) => u.id) });
    db = await createTestDb();
    await db.query(`INSERT INTO tenants (tenant_id, school_name) VALUES ($1, 'St Mary''s')`, [fake.tenantId]);
  });
  afterAll(async () => {
    await db.close();
    await fake.close();
  });

  /** A full audit and, for as long as it runs, the AUP audience being read again and again. */
  async function auditWhileReadingAudiences(pools: { aup: GraphConnectionPool; audit: GraphConnectionPool }) {
    const aup = connectAupGraph(config(), pools.aup)!;
    const audit = connectSharingAudit(config(), { pool: pools.audit });
    try {
      let auditDone = false;
      let audienceReads = 0;
      const verifiedDomains = await audit.verifiedDomains();
      const before = fake.meter.totalFor(ONE_APP.clientId);
      const running = runSharingAudit({ db, tenantId: fake.tenantId, mode: 'full', verifiedDomains, roster: [], delta: audit.audit, permissions: audit.audit, content: audit.audit, usage: audit.audit }).finally(() => {
        auditDone = true;
      });
      // Several at once, as the tab's publish and the daily sync can be: enough to spend a budget alone.
      const reading = Array.from({ length: 6 }, async () => {
        while (!auditDone) {
          await aup.directory.membersOfGroups([STAFF_GROUP]);
          audienceReads++;
        }
      });
      const [result] = await Promise.all([running, ...reading]);
      const after = fake.meter.totalFor(ONE_APP.clientId);
      return { result, audienceReads, throttled: after.throttled - before.throttled, ru: after.ru - before.ru };
    } finally {
      aup.close();
      audit.close();
    }
  }

  it('the AUP audiences and the sharing audit on one pool spend from one budget: 0 throttled, each counts only its own RU', async () => {
    const pool = shrunkWindow();
    const { result, audienceReads, throttled, ru } = await auditWhileReadingAudiences({ aup: pool, audit: pool });
    expect(result.run.status).toBe('completed');
    expect(audienceReads).toBeGreaterThan(50);
    // Both kept to one budget paced below the limit: the tenant never throttled the app.
    expect(throttled).toBe(0);
    // More than one window can take: without pacing together, this would have been throttled.
    expect(ru).toBeGreaterThan(LIMIT);
    // The audit's report counts the audit's requests only (one page of members costs 1 RU).
    expect(result.run.stats.resourceUnits).toBe(ru - audienceReads);
    // Both closed: the shared app (token cache, sockets) is released.
    expect(pool.openApps).toBe(0);
  });

  it('with a budget each (the defect this guards against), the same work is throttled', async () => {
    const { result, throttled } = await auditWhileReadingAudiences({ aup: shrunkWindow(), audit: shrunkWindow() });
    // Nothing is lost either way (429s are retried), but the app asked for more than its limit.
    expect(result.run.status).toBe('completed');
    expect(throttled).toBeGreaterThan(0);
  });
});
