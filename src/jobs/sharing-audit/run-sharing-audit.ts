import { randomUUID } from 'node:crypto';
import { PupilNameIndex } from '../../domain/sharing/pupil-names';
import type { RosterPupil } from '../../domain/sharing/types';
import { describeError, type Logger, silentLogger } from '../../logging';
import type { Db } from '../../store/db';
import { countDriveItems, forgetGoneDrive, getDrive, listDrives as listStoredDrives, listDrivesWithUnresolvedFindings, startDriveScan, upsertDrive } from '../../store/sharing-drives.repo';
import { countFindingsSeenInRun, listFindingsSeenInRun, resolveUnseenFindings, type StoredFinding } from '../../store/sharing-findings.repo';
import {
  createAuditRun,
  findRunningAuditRun,
  finishAuditRun,
  markAuditRunResumed,
  saveAuditRunProgress,
  type AuditMode,
  type AuditRun,
  type AuditStats,
} from '../../store/sharing-runs.repo';
import { analyseDrive } from './analyse-drive';
import { type AuditContext, describeFailure, recordFailure } from './audit-context';
import { enumerateDrive } from './enumerate-drive';
import { fetchRootPermissions } from './fetch-root-permissions';
import { type AuditProgress, type ContentSource, type DriveDeltaSource, type DriveInfo, DriveGone, DriveUnavailable, type GraphUsageMeter, type PermissionSource } from './ports';

export interface SharingAuditOptions {
  db: Db;
  tenantId: string;
  /** `full` re-enumerates every drive; `incremental` continues from stored delta tokens. */
  mode: AuditMode;
  /** The tenant's verified domains: addresses outside them are "external". */
  verifiedDomains: readonly string[];
  /** Pupils from `/education/users` or the admin's CSV; empty disables roster-name evidence. */
  roster: readonly RosterPupil[];
  delta: DriveDeltaSource;
  permissions: PermissionSource;
  content: ContentSource;
  usage?: GraphUsageMeter;
  onProgress?: (progress: AuditProgress) => void;
  now?: () => Date;
  newRunId?: () => string;
  permissionBatchSize?: number;
  analysisPageSize?: number;
  contentConcurrency?: number;
  /**
   * `when-needed` (default): the first 64 KB of an exposed CSV/XLSX/TXT file is read (1 RU)
   * only when its name gives no evidence, since content could then only add reasons, never
   * change whether it is likely pupil data or its severity. `always` reads every such file
   * (richer reasons, more RU on a first run; cached per content version either way).
   */
  contentEvidence?: 'always' | 'when-needed';
  /** Ids, counts and durations only: never names, paths or pupil data. */
  logger?: Logger;
  /** Drives audited at once (Graph latency overlaps; the RU budget still paces the total). Default 4. */
  driveConcurrency?: number;
  /** Stops the run between drives (the app is stopping); it stays resumable from its checkpoints. */
  signal?: AbortSignal;
}

/** The run was asked to stop; what it did is kept and the next run resumes it. */
export class AuditStopped extends Error {
  constructor() {
    super('the sharing audit was stopped; it resumes from its checkpoints next time');
    this.name = 'AuditStopped';
  }
}

export interface SharingAuditResult {
  run: AuditRun;
  /** True when this call picked up an interrupted run instead of starting one. */
  resumedRun: boolean;
  /** How many findings the run saw (read them with `listFindingsSeenInRun`). */
  findingCount: number;
}

/**
 * Runs the audit, then reads back every finding it saw, for a report (the CLI's JSON and CSV).
 * The scheduled audit does not: a trust's run has tens of thousands of findings, and the
 * embedded store would read them on the app's thread for nothing.
 */
export async function runSharingAuditForReport(options: SharingAuditOptions): Promise<SharingAuditResult & { findings: StoredFinding[] }> {
  const result = await runSharingAudit(options);
  return { ...result, findings: await listFindingsSeenInRun(options.db, options.tenantId, result.run.runId) };
}

const ZERO_USAGE = { graphRequests: 0, resourceUnits: 0, throttled: 0 };

/**
 * Runs (or resumes) a tenant's sharing audit: per drive, delta → tree → permissions of
 * sharing roots → exposure → evidence → findings. Every step checkpoints in the store, so a
 * crash or an error leaves the run `running` and the next call carries on from where it
 * stopped (a drive's phase, its delta cursor, its stale roots). Findings no longer seen on
 * the audited drives are resolved at the end.
 */
export async function runSharingAudit(options: SharingAuditOptions): Promise<SharingAuditResult> {
  const { db, tenantId } = options;
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const meter = options.usage ?? { snapshot: () => ZERO_USAGE };
  const logger = options.logger ?? silentLogger;
  const usageAtStart = meter.snapshot();

  const interrupted = await findRunningAuditRun(db, tenantId);
  const run = interrupted ?? (await createAuditRun(db, tenantId, options.newRunId?.() ?? randomUUID(), options.mode, now()));
  if (interrupted) {
    await markAuditRunResumed(db, tenantId, run.runId);
    logger.info({ runId: run.runId, mode: run.mode }, 'sharing audit: resuming an interrupted run');
  }
  const earlier = run.stats;

  let drivesTotal = 0;
  let drivesDone = 0;
  const usageSoFar = () => {
    const u = meter.snapshot();
    return {
      graphRequests: (earlier.graphRequests ?? 0) + u.graphRequests - usageAtStart.graphRequests,
      resourceUnits: (earlier.resourceUnits ?? 0) + u.resourceUnits - usageAtStart.resourceUnits,
      throttled: (earlier.throttled ?? 0) + u.throttled - usageAtStart.throttled,
    };
  };
  const context: AuditContext = {
    db,
    tenantId,
    runId: run.runId,
    verifiedDomains: options.verifiedDomains.map((d) => d.toLowerCase()),
    roster: options.roster.length > 0 ? new PupilNameIndex(options.roster) : null,
    delta: options.delta,
    permissions: options.permissions,
    content: options.content,
    now,
    failures: [...run.failures],
    counters: { itemsEnumerated: 0, rootsFetched: 0, itemsAnalysed: 0, contentRead: 0 },
    permissionBatchSize: options.permissionBatchSize ?? 100,
    analysisPageSize: options.analysisPageSize ?? 2000,
    contentConcurrency: options.contentConcurrency ?? 4,
    contentEvidence: options.contentEvidence ?? 'when-needed',
    report: (phase, driveId) =>
      options.onProgress?.({
        runId: run.runId,
        phase,
        driveId,
        drivesDone,
        drivesTotal,
        ...context.counters,
        ...usageSoFar(),
        elapsedMs: Date.now() - started,
      }),
  };

  // Per drive, counted once when the drive is done: the stats never rescan the store.
  const driveCounts = new Map<string, { items: number; sharingRoots: number }>();
  const statsSoFar = (): AuditStats => {
    let items = 0;
    let sharingRoots = 0;
    for (const counts of driveCounts.values()) {
      items += counts.items;
      sharingRoots += counts.sharingRoots;
    }
    return { drives: driveCounts.size, items, sharingRoots, ...usageSoFar(), durationMs: (earlier.durationMs ?? 0) + Date.now() - started };
  };

  const auditDrive = async (info: DriveInfo): Promise<void> => {
    if (options.signal?.aborted) throw new AuditStopped();
    await upsertDrive(db, tenantId, info);
    let state = (await getDrive(db, tenantId, info.driveId))!;
    if (state.runId !== run.runId) state = await startDriveScan(db, tenantId, info.driveId, run.runId, run.mode === 'full' || !state.deltaToken);
    try {
      if (state.phase === 'enumerate') {
        await enumerateDrive(context, state);
        state = (await getDrive(db, tenantId, info.driveId))!;
      }
      if (state.phase === 'permissions') {
        await fetchRootPermissions(context, info.driveId);
        state = (await getDrive(db, tenantId, info.driveId))!;
      }
      if (state.phase === 'analyse') await analyseDrive(context, state);
      const counts = await countDriveItems(db, tenantId, info.driveId);
      driveCounts.set(info.driveId, counts);
      logger.info({ runId: run.runId, driveId: info.driveId, ...counts }, 'sharing audit: drive done');
    } catch (err) {
      // A drive that cannot be read (a OneDrive being deprovisioned, a locked site) must not
      // stop the audit of the others. Anything else (an outage, a store failure) stops the
      // run, which stays resumable.
      if (err instanceof DriveGone) {
        const resolved = await forgetGoneDrive(db, tenantId, info.driveId, now());
        logger.info({ runId: run.runId, driveId: info.driveId, resolved }, 'sharing audit: drive no longer exists; its findings are resolved');
      } else if (err instanceof DriveUnavailable) {
        logger.warn({ runId: run.runId, driveId: info.driveId, ...describeError(err) }, 'sharing audit: drive skipped');
        recordFailure(context, { driveId: info.driveId, itemId: null, step: 'drive', error: describeFailure(err) });
      } else throw err;
    }
    drivesDone += 1;
    await saveAuditRunProgress(db, tenantId, run.runId, statsSoFar(), context.failures);
  };

  try {
    context.report('drives', null);
    const drives: DriveInfo[] = [];
    // Incremental: OneDrives already in the store need no lookup (1 RU per user saved).
    const known = run.mode === 'incremental' ? (await listStoredDrives(db, tenantId)).filter((d) => d.deltaToken) : undefined;
    for await (const drive of options.delta.listDrives(known)) drives.push(drive);
    // A drive with findings open that is not listed is read again by its id until Graph says it
    // is gone. A OneDrive whose owner was deleted from Entra drops out of /users, but it and its
    // links live on through OneDrive's retention period. A site library drops out of the site
    // search when the site is set not to appear in search results (or the search index lags),
    // and its links are still there; a deleted site's library answers 404.
    const listed = new Set(drives.map((d) => d.driveId));
    for (const d of await listDrivesWithUnresolvedFindings(db, tenantId)) {
      if (listed.has(d.driveId)) continue;
      // Site libraries only while the admin has sites audited (they need Sites.Read.All).
      if (d.driveType !== 'business' && !options.delta.includesSiteLibraries) continue;
      drives.push({ driveId: d.driveId, driveType: d.driveType, name: d.name, webUrl: d.webUrl, owner: d.owner });
    }
    drivesTotal = drives.length;
    await runPool(drives, options.driveConcurrency ?? 4, auditDrive);
    context.report('finish', null);
    await resolveUnseenFindings(db, tenantId, run.runId, [...driveCounts.keys()], now());
    const finished = await finishAuditRun(db, tenantId, run.runId, { status: 'completed', finishedAt: now(), stats: statsSoFar(), error: null });
    const findingCount = await countFindingsSeenInRun(db, tenantId, run.runId);
    logger.info({ runId: run.runId, mode: run.mode, ...finished.stats, findings: findingCount, failures: context.failures.length }, 'sharing audit: run completed');
    return { run: { ...finished, failures: context.failures }, resumedRun: interrupted !== null, findingCount };
  } catch (err) {
    // Asked to stop (the app is stopping, or the lease was lost) is the normal end of a run cut
    // short, not a fault: info, so a deploy during an audit does not raise an error alert.
    if (err instanceof AuditStopped) logger.info({ runId: run.runId }, 'sharing audit: run stopped between drives; it will resume from its checkpoints');
    else logger.error({ runId: run.runId, ...describeError(err) }, 'sharing audit: run stopped; it will resume from its checkpoints');
    // Left `running` on purpose: the next start resumes from the checkpoints.
    await saveAuditRunProgress(db, tenantId, run.runId, statsSoFar(), context.failures).catch(() => undefined);
    throw err;
  }
}

/**
 * Runs `work` over `items`, `limit` at a time. After a failure no new item starts, the ones
 * in flight finish (so nothing writes after this returns), and the first error is thrown.
 */
async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
