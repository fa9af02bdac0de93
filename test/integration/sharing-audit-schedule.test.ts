import { startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import { acquireJobLease, releaseJobLease } from '../../src/store/scheduled-jobs.repo';
import { SHARING_AUDIT_JOB } from '../../src/jobs/sharing-audit/scheduled-audit';
import { SHARING_AUDIT_OUTBOX_KINDS } from '../../src/services/sharing-audit-notices';
import { listOutbox } from '../../src/store/outbox.repo';
import { eventually, SCHOOL, startHarness, type Harness } from '../support/harness';
import { fakeGraphEnv } from '../support/graph-env';

// The app's own daily sharing audit (AUDIT_SCHEDULE=07:00) against the fake Entra + Graph
// tenant, with the app's clock moved by the test: not before the time, once a day, full then
// incremental, the admins' summary queued, and never while someone else holds the lease.
describe('the scheduled sharing audit', () => {
  let graph: FakeGraphTenant;
  let h: Harness;
  let clock = new Date('2026-11-23T06:30:00Z'); // 06:30 in London (GMT in November)

  const runs = () => h.db.query<{ mode: string; status: string }>('SELECT mode, status FROM audit_runs WHERE tenant_id = $1 ORDER BY started_at', [SCHOOL.tenantId]);
  /**
   * Scheduler passes of our own at the current clock (the background loop may or may not have
   * run one since the clock moved), each followed by whatever run it, or a concurrent pass,
   * started: a run that was due has been started and has finished.
   */
  const settle = async () => {
    for (let pass = 0; pass < 2; pass++) {
      await h.app.scheduler.tickOnce();
      await h.app.scheduledAudit!.running;
    }
  };
  const lastRunOn = async () => (await h.db.query<{ d: string | null }>('SELECT last_run_on::text AS d FROM scheduled_jobs WHERE tenant_id = $1 AND job = $2', [SCHOOL.tenantId, SHARING_AUDIT_JOB]))[0]?.d ?? null;

  beforeAll(async () => {
    graph = await startFakeGraphTenant({ tenant: { seed: 7, tenantId: SCHOOL.tenantId, items: 300, staff: 2, pupils: 4, sites: 0, sharingRootShare: 0.05 }, ru: { limit: 100_000 } });
    h = await startHarness({
      now: () => clock,
      env: {
        ...fakeGraphEnv(graph),
        AUDIT_SCHEDULE: '07:00',
        SCHEDULER_POLL_MS: '40',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await graph?.close();
  });

  it('does nothing before the scheduled time', async () => {
    await settle();
    expect(await runs()).toEqual([]);
  });

  it('runs a full audit once the time has come, queues the summary to the admins, and records the day', async () => {
    clock = new Date('2026-11-23T07:05:00Z');
    await eventually(async () => (await lastRunOn()) === '2026-11-23', 30_000, 'the first scheduled run');
    expect(await runs()).toEqual([{ mode: 'full', status: 'completed' }]);
    const summaries = (await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.kind === SHARING_AUDIT_OUTBOX_KINDS.summary);
    expect(summaries.length).toBeGreaterThan(0);
  });

  it('runs once a day, however often the scheduler looks', async () => {
    clock = new Date('2026-11-23T16:00:00Z');
    await settle();
    expect(await runs()).toHaveLength(1);
  });

  it('runs incrementally the next day', async () => {
    clock = new Date('2026-11-24T07:00:00Z');
    await eventually(async () => (await lastRunOn()) === '2026-11-24', 30_000, 'the second scheduled run');
    expect((await runs()).map((r) => `${r.mode} ${r.status}`)).toEqual(['full completed', 'incremental completed']);
  });

  it('waits while another process (the CLI) holds the lease, then runs', async () => {
    const lease = await acquireJobLease(h.db, SCHOOL.tenantId, SHARING_AUDIT_JOB, 'cli:test', new Date('2026-11-25T06:00:00Z'), 24 * 3600_000);
    expect(lease.acquired).toBe(true);
    clock = new Date('2026-11-25T07:30:00Z');
    await settle();
    expect(await runs()).toHaveLength(2);
    expect(await acquireJobLease(h.db, SCHOOL.tenantId, SHARING_AUDIT_JOB, 'cli:other', clock, 60_000)).toMatchObject({ acquired: false, holder: 'cli:test' });
    await releaseJobLease(h.db, SCHOOL.tenantId, SHARING_AUDIT_JOB, 'cli:test', {});
    await eventually(async () => (await lastRunOn()) === '2026-11-25', 30_000, 'the run after the lease was released');
    expect(await runs()).toHaveLength(3);
  });
});
