import type { GraphApp, GraphSettings } from './create-graph';
import { GraphConnectionPool } from './graph-connection-pool';
import { RuBudget } from './ru-budget';

const SETTINGS: GraphSettings = { tenantId: 'TENANT-1', clientId: 'app-1', clientSecret: 's', authorityHost: 'https://login.example', graphBaseUrl: 'https://graph.example' };

/** A pool whose apps record being opened and closed (no network: nothing is sent here). */
function recordingPool() {
  const opened: string[] = [];
  const closed: string[] = [];
  const pool = new GraphConnectionPool((s): GraphApp => {
    opened.push(s.clientId);
    return {
      credentials: { getAccessToken: async () => 'token', acquisitions: 0 },
      budget: new RuBudget({ ruPerMinute: 1_000 }),
      close: () => closed.push(s.clientId),
    };
  });
  return { pool, opened, closed };
}

describe('GraphConnectionPool', () => {
  it('gives connections of the same app (tenant and client, in any case) one budget and token source', () => {
    const { pool, opened } = recordingPool();
    const a = pool.connect(SETTINGS);
    const b = pool.connect({ ...SETTINGS, tenantId: 'tenant-1', clientId: 'APP-1' });
    expect(opened).toEqual(['app-1']);
    expect(b.budget).toBe(a.budget);
    expect(b.credentials).toBe(a.credentials);
    // Each has edges of its own.
    expect(b.edge).not.toBe(a.edge);
  });

  it('keeps apps apart: another client id or another tenant opens its own', () => {
    const { pool, opened } = recordingPool();
    const a = pool.connect(SETTINGS);
    const rw = pool.connect({ ...SETTINGS, clientId: 'remediation-app' });
    const other = pool.connect({ ...SETTINGS, tenantId: 'tenant-2' });
    expect(opened).toEqual(['app-1', 'remediation-app', 'app-1']);
    expect(rw.budget).not.toBe(a.budget);
    expect(other.budget).not.toBe(a.budget);
    expect(pool.openApps).toBe(3);
  });

  it('closes an app when its last connection closes, once, and opens it afresh after', () => {
    const { pool, opened, closed } = recordingPool();
    const a = pool.connect(SETTINGS);
    const b = pool.connect(SETTINGS);
    a.close();
    a.close(); // a second close of the same connection must not release the other's hold
    expect(closed).toEqual([]);
    b.close();
    expect(closed).toEqual(['app-1']);
    expect(pool.openApps).toBe(0);
    pool.connect(SETTINGS);
    expect(opened).toEqual(['app-1', 'app-1']);
  });

  it("meters each connection's spend apart while the app's budget counts all of it", async () => {
    const { pool } = recordingPool();
    const audit = pool.connect(SETTINGS);
    const aup = pool.connect(SETTINGS);
    await audit.edge.budget.acquire(5);
    await audit.edge.budget.acquire(1);
    aup.interactiveEdge.budget.spendNow(2);
    aup.edge.budget.observe(429, (name) => (name === 'retry-after' ? '0' : null));
    expect(audit.edge.counters()).toMatchObject({ resourceUnits: 6, graphRequests: 2, throttled: 0 });
    expect(aup.interactiveEdge.counters()).toMatchObject({ resourceUnits: 2, graphRequests: 1 });
    expect(aup.edge.counters()).toMatchObject({ resourceUnits: 0, throttled: 1 });
    expect(audit.budget.counters).toMatchObject({ resourceUnits: 8, graphRequests: 3, throttled: 1 });
  });
});
