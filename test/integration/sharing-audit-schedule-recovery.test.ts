// How the app's own daily sharing audit (AUDIT_SCHEDULE) recovers, against the fake Entra +
// Graph tenant with the app's clock moved by the test:
// - a run that fails (SharePoint answering 503) is marked failed, with a safe error and its retry
//   time, in the store and the tab's audit view; it is tried again after 30 minutes, not before;
//   when the retry fails too the admins are alerted in Teams (once); the next retry finishes the
//   same run and sends the admins their summary;
// - an app that stops mid-audit stops between drives, leaves the run to resume (not failed,
//   no summary), and the next start resumes at once without reading the finished drives again,
//   ending with the findings an uninterrupted run finds.
import { startFakeGraphTenant, type FakeGraphTenant } from '../fakes/graph-tenant';
import type { Logger } from '../../src/logging';
import type { Db } from '../../src/store/db';
import { listOutbox } from '../../src/store/outbox.repo';
import { listFindingsSeenInRun, type StoredFinding } from '../../src/store/sharing-findings.repo';
import { upsertTenant } from '../../src/store/tenant.repo';
import { SHARING_AUDIT_FAILING_ALERT, SHARING_AUDIT_JOB } from '../../src/jobs/sharing-audit/scheduled-audit';
import { ADMIN_ALERT_KIND } from '../../src/services/admin-alerts';
import { listOpenAdminAlerts } from '../../src/store/alert.repo';
import { SHARING_AUDIT_OUTBOX_KINDS } from '../../src/services/sharing-audit-notices';
import { eventually, PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { auditAsTheCliDoes } from '../support/audit-scene';
import { fakeGraphEnv } from '../support/graph-env';
import { createTestDb } from '../support/test-db';

type LogEntry = { level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields: Record<string, unknown> };

/** A logger that keeps what the app logs (ids and counts only), for assertions and to act on a line. */
function recordingLogger(onEntry: (entry: LogEntry) => void = () => undefined): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level'], bindings: Record<string, unknown>) => (fields: Record<string, unknown>, msg: string) => {
    const entry = { level, msg, fields: { ...bindings, ...fields } };
    entries.push(entry);
    onEntry(entry);
  };
  const make = (bindings: Record<string, unknown>): Logger => ({
    debug: at('debug', bindings),
    info: at('info', bindings),
    warn: at('warn', bindings),
    error: at('error', bindings),
    child: (more) => make({ ...bindings, ...more }),
  });
  return Object.assign(make({}), { entries });
}

const auditRuns = (db: Db) =>
  db.query<{ run_id: string; status: string; resumed: number }>('SELECT run_id, status, resumed FROM audit_runs WHERE tenant_id = $1 ORDER BY started_at', [SCHOOL.tenantId]);
const runFailure = async (db: Db) =>
  (await db.query<{ error: string | null; retry_at: string | null; failed_attempts: number }>('SELECT error, retry_at::text AS retry_at, failed_attempts FROM audit_runs WHERE tenant_id = $1', [SCHOOL.tenantId]))[0];
const adminAlertsQueued = async (db: Db) => (await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.kind === ADMIN_ALERT_KIND).length;
const lastRunOn = async (db: Db) =>
  (await db.query<{ d: string | null }>('SELECT last_run_on::text AS d FROM scheduled_jobs WHERE tenant_id = $1 AND job = $2', [SCHOOL.tenantId, SHARING_AUDIT_JOB]))[0]?.d ?? null;
const summariesQueued = async (db: Db) => (await listOutbox(db, SCHOOL.tenantId)).filter((m) => m.kind === SHARING_AUDIT_OUTBOX_KINDS.summary).length;
/**
 * Runs a scheduler pass of our own at the current clock (the background loop may or may not
 * have run one since the clock moved); true if a run is in progress after it (a due run has
 * been started by it, or by a concurrent pass).
 */
const passStartsARun = async (h: Harness): Promise<boolean> => {
  await h.app.scheduler.tickOnce();
  return h.app.scheduledAudit!.running !== undefined;
};

/** The drive a Graph request was about (`/v1.0/drives/{id}/…`), if any. */
function driveOf(path: string): string | undefined {
  const m = /^\/v1\.0\/drives\/([^/?]+)\//u.exec(path);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

describe('a failed scheduled sharing audit', () => {
  let graph: FakeGraphTenant;
  let h: Harness;
  let idp: TestIdentityProvider;
  const log = recordingLogger();
  let clock = new Date('2026-11-23T06:30:00Z'); // 06:30 in London (GMT in November)

  beforeAll(async () => {
    graph = await startFakeGraphTenant({ tenant: { seed: 7, tenantId: SCHOOL.tenantId, items: 300, staff: 2, pupils: 4, sites: 0, sharingRootShare: 0.05 }, ru: { limit: 100_000 } });
    idp = await startTestIdentityProvider(SCHOOL.tenantId);
    h = await startHarness({
      now: () => clock,
      env: { ...fakeGraphEnv(graph), AUDIT_SCHEDULE: '07:00', SCHEDULER_POLL_MS: '40', ...idp.env },
      jigsaw: { logger: log },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await graph?.close();
    await idp?.stop();
  });

  /** The runs as the tab's admin audit view gets them. */
  const tabRuns = async () => {
    const res = await fetch(`${h.url}/api/tab/admin/sharing`, { headers: { authorization: `Bearer ${await idp.mint(PEOPLE.admin)}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { runs: { status: string; error?: string; retryAt?: string }[] }).runs;
  };
  const failedRunLogs = () => log.entries.filter((e) => e.msg === 'sharing audit: scheduled run failed; it will be tried again').length;

  it('is shown failed (why, and when it is tried again), tried again 30 minutes later, not before; a failed retry alerts the admins once; the next retry completes the run and sends the summary', async () => {
    // SharePoint is down: every drive read answers 503 (Retry-After: 0, so the client's own
    // retries run out at once); the directory still answers.
    graph.injectFailures({ count: Number.POSITIVE_INFINITY, status: 503, retryAfterSeconds: 0, pathIncludes: '/delta' });
    clock = new Date('2026-11-23T07:05:00Z');
    await eventually(() => log.entries.some((e) => e.msg === 'sharing audit: scheduled run failed; it will be tried again'), 30_000, 'the first run to fail');
    await h.app.scheduledAudit!.running;

    // Failed, not completed: marked failed with why and when it is tried again, no summary, the
    // day not recorded, no alert yet (one failure may be a blip).
    expect(await auditRuns(h.db)).toEqual([expect.objectContaining({ status: 'failed', resumed: 0 })]);
    expect(await runFailure(h.db)).toEqual({ error: 'Microsoft Graph could not be reached (503)', retry_at: expect.any(String), failed_attempts: 1 });
    expect(new Date((await runFailure(h.db))!.retry_at!).toISOString()).toBe('2026-11-23T07:35:00.000Z');
    expect(await tabRuns()).toEqual([expect.objectContaining({ status: 'failed', error: 'Microsoft Graph could not be reached (503)', retryAt: '2026-11-23T07:35:00.000Z' })]);
    expect(await summariesQueued(h.db)).toBe(0);
    expect(await adminAlertsQueued(h.db)).toBe(0);
    expect(await lastRunOn(h.db)).toBeNull();

    // The retry waits its 30 minutes: no Graph call before 07:35.
    const requestsAfterFailure = graph.httpRequests();
    for (const time of ['07:06', '07:20', '07:34']) {
      clock = new Date(`2026-11-23T${time}:00Z`);
      expect(await passStartsARun(h)).toBe(false);
    }
    expect(graph.httpRequests()).toBe(requestsAfterFailure);
    expect(await auditRuns(h.db)).toEqual([expect.objectContaining({ status: 'failed', resumed: 0 })]);

    // SharePoint is still down at 07:35: the retry resumes the same run and fails too. The admins
    // are alerted in Teams (one message each), and the tab shows the next retry.
    clock = new Date('2026-11-23T07:35:00Z');
    await eventually(() => failedRunLogs() === 2, 30_000, 'the retry to fail');
    await h.app.scheduledAudit!.running;
    expect(await auditRuns(h.db)).toEqual([expect.objectContaining({ status: 'failed', resumed: 1 })]);
    expect(await runFailure(h.db)).toMatchObject({ failed_attempts: 2 });
    expect(await tabRuns()).toEqual([expect.objectContaining({ status: 'failed', retryAt: '2026-11-23T08:05:00.000Z' })]);
    const alerts = (await listOpenAdminAlerts(h.db, SCHOOL.tenantId)).filter((a) => a.kind === SHARING_AUDIT_FAILING_ALERT);
    expect(alerts).toEqual([expect.objectContaining({ message: expect.stringMatching(/failed 2 times in a row \(last: Microsoft Graph could not be reached \(503\)\)\. Jigsaw tries again at 08:05/) })]);
    expect(await adminAlertsQueued(h.db)).toBeGreaterThan(0);
    const alertsQueued = await adminAlertsQueued(h.db);
    expect(await summariesQueued(h.db)).toBe(0);

    // SharePoint is back; the next retry (08:05, not before) completes the same run.
    graph.api.clearFailures();
    clock = new Date('2026-11-23T08:04:00Z');
    expect(await passStartsARun(h)).toBe(false);
    clock = new Date('2026-11-23T08:05:00Z');
    await eventually(async () => (await lastRunOn(h.db)) === '2026-11-23', 30_000, 'the retry to complete');
    // The retry carried on with the same run (its checkpoints), and the admins got the summary.
    expect(await auditRuns(h.db)).toEqual([expect.objectContaining({ status: 'completed', resumed: 2 })]);
    expect(await runFailure(h.db)).toMatchObject({ error: null, retry_at: null });
    expect(await tabRuns()).toEqual([expect.objectContaining({ status: 'completed' })]);
    expect((await tabRuns())[0]).not.toHaveProperty('error');
    expect(await summariesQueued(h.db)).toBeGreaterThan(0);
    expect(await adminAlertsQueued(h.db)).toBe(alertsQueued);
    expect(graph.httpRequests()).toBeGreaterThan(requestsAfterFailure);

    // Once done for the day, it does not run again.
    const requestsAfterSuccess = graph.httpRequests();
    clock = new Date('2026-11-23T09:00:00Z');
    expect(await passStartsARun(h)).toBe(false);
    expect(graph.httpRequests()).toBe(requestsAfterSuccess);
    expect(await auditRuns(h.db)).toHaveLength(1);
  });
});

describe('an app that stops during the scheduled sharing audit', () => {
  const tenantOptions = { seed: 11, tenantId: SCHOOL.tenantId, items: 900, staff: 4, pupils: 8, sites: 0, sharingRootShare: 0.05 };
  const day = '2026-11-23';
  let clock = new Date(`${day}T06:30:00Z`);
  let graph: FakeGraphTenant;
  let db: Db;
  let env: Record<string, string>;
  let reference: { findings: StoredFinding[]; stats: { drives?: number; items?: number; sharingRoots?: number } };
  let first: Harness | undefined;
  let second: Harness | undefined;
  let stopRequested = false;
  const firstLog = recordingLogger((entry) => {
    // The app is asked to stop as the second drive finishes, while others are in flight.
    if (entry.msg === 'sharing audit: drive done' && firstLog.entries.filter((e) => e.msg === 'sharing audit: drive done').length === 2 && !stopRequested) {
      stopRequested = true;
      void first!.app.scheduledAudit!.stop();
    }
  });
  /** Drives whose delta was read before the stop. */
  let readBeforeStop: Set<string>;
  let logIndexAtRestart = 0;

  const comparable = (findings: StoredFinding[]) =>
    findings
      .map((f) => ({
        driveId: f.driveId,
        itemId: f.itemId,
        severity: f.severity,
        scope: f.exposure.scope,
        linkType: f.exposure.linkType,
        viaItemId: f.exposure.viaItemId,
        permissionId: f.exposure.permissionId,
        exposedDescendants: f.exposedDescendants,
        pupilData: f.pupilData.likely,
        reasons: f.pupilData.reasons.map((r) => r.kind),
      }))
      .sort((a, b) => `${a.driveId}/${a.itemId}`.localeCompare(`${b.driveId}/${b.itemId}`));

  beforeAll(async () => {
    graph = await startFakeGraphTenant({ tenant: tenantOptions, ru: { limit: 100_000 } });
    env = { ...fakeGraphEnv(graph), AUDIT_SCHEDULE: '07:00', SCHEDULER_POLL_MS: '40' };

    // The reference: the same tenant audited in one go, on a store of its own.
    const referenceDb = await createTestDb();
    try {
      await upsertTenant(referenceDb, { tenantId: SCHOOL.tenantId, schoolName: 'Reference', timeZone: 'Europe/London' });
      const result = await auditAsTheCliDoes(referenceDb, env, { now: () => new Date(`${day}T07:05:00Z`) });
      reference = { findings: await listFindingsSeenInRun(referenceDb, SCHOOL.tenantId, result.run.runId), stats: result.run.stats };
    } finally {
      await referenceDb.close();
    }
    expect(reference.findings.length).toBeGreaterThan(0);
    graph.api.log.length = 0;

    db = await createTestDb();
    first = await startHarness({ db, now: () => clock, env, jigsaw: { logger: firstLog } });
  }, 60_000);
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await db?.close();
    await graph?.close();
  });

  it('stops between drives: the run is left to resume, not failed, and nothing says it completed', async () => {
    const drives = new Set(graph.tenant.drives.map((d) => d.id));
    expect(drives.size).toBeGreaterThanOrEqual(8);
    clock = new Date(`${day}T07:05:00Z`);
    await eventually(() => stopRequested, 30_000, 'two drives to be done');
    await first!.stop();
    first = undefined;

    readBeforeStop = new Set(graph.api.log.filter((l) => l.path.includes('/root/delta')).map((l) => driveOf(l.path)!));
    logIndexAtRestart = graph.api.log.length;
    // Some drives were read, and some were never started.
    expect(readBeforeStop.size).toBeGreaterThanOrEqual(2);
    expect(readBeforeStop.size).toBeLessThan(drives.size);

    expect(await auditRuns(db)).toEqual([expect.objectContaining({ status: 'running', resumed: 0 })]);
    expect(await summariesQueued(db)).toBe(0);
    expect(await lastRunOn(db)).toBeNull();
    // A stop is not a failure: logged as stopped, nothing at error level, no retry planned.
    const audit = firstLog.entries.filter((e) => e.fields.component === 'sharing-audit');
    expect(audit.map((e) => e.msg)).toContain('sharing audit: scheduled run stopped (the app is stopping, or its lease passed to another holder); it resumes next time');
    expect(audit.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('resumes at the next start, at once, without reading the finished drives again, and finds what an uninterrupted run finds', async () => {
    // Same time of day: a stopped run is not made to wait like a failed one.
    second = await startHarness({ db, now: () => clock, env, registerChannel: false });
    await eventually(async () => (await lastRunOn(db)) === day, 30_000, 'the resumed run to complete');

    const runs = await auditRuns(db);
    expect(runs).toEqual([expect.objectContaining({ status: 'completed', resumed: 1 })]);
    expect(await summariesQueued(db)).toBeGreaterThan(0);

    // No request about a drive finished before the stop (no delta, no permissions, no content).
    const after = graph.api.log.slice(logIndexAtRestart);
    const touchedAfter = new Set(after.map((l) => driveOf(l.path)).filter((d): d is string => d !== undefined));
    expect([...touchedAfter].filter((d) => readBeforeStop.has(d))).toEqual([]);
    // Every other drive was read by the resumed run.
    const readAfter = new Set(after.filter((l) => l.path.includes('/root/delta')).map((l) => driveOf(l.path)!));
    expect(new Set([...readBeforeStop, ...readAfter])).toEqual(new Set(graph.tenant.drives.map((d) => d.id)));

    // Nothing lost: the same findings and counts as the uninterrupted reference run.
    const [run] = await db.query<{ stats: { drives: number; items: number; sharingRoots: number } }>('SELECT stats FROM audit_runs WHERE run_id = $1', [runs[0]!.run_id]);
    expect({ drives: run!.stats.drives, items: run!.stats.items, sharingRoots: run!.stats.sharingRoots }).toEqual({ drives: reference.stats.drives, items: reference.stats.items, sharingRoots: reference.stats.sharingRoots });
    expect(comparable(await listFindingsSeenInRun(db, SCHOOL.tenantId, runs[0]!.run_id))).toEqual(comparable(reference.findings));
  });
});
