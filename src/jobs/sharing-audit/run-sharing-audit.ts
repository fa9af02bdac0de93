import { randomUUID } from 'node:crypto';
import { PupilNameIndex } from '../../domain/sharing/pupil-names';
import type { RosterPupil } from '../../domain/sharing/types';
import type { Db } from '../../store/db';
import { countDriveItems, getDrive, startDriveScan, upsertDrive } from '../../store/sharing-drives.repo';
import { listFindingsSeenInRun, resolveUnseenFindings, type StoredFinding } from '../../store/sharing-findings.repo';
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
import { type AuditProgress, type ContentSource, type DriveDeltaSource, DriveUnavailable, type GraphUsageMeter, type PermissionSource } from './ports';

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
}

export interface SharingAuditResult {
  run: AuditRun;
  /** True when this call picked up an interrupted run instead of starting one. */
  resumedRun: boolean;
  findings: StoredFinding[];
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
  const usageAtStart = meter.snapshot();

  const interrupted = await findRunningAuditRun(db, tenantId);
  const run = interrupted ?? (await createAuditRun(db, tenantId, options.newRunId?.() ?? randomUUID(), options.mode, now()));
  if (interrupted) await markAuditRunResumed(db, tenantId, run.runId);
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

  const statsSoFar = async (): Promise<AuditStats> => {
    let items = 0;
    let sharingRoots = 0;
    for (const driveId of auditedDrives) {
      const counts = await countDriveItems(db, tenantId, driveId);
      items += counts.items;
      sharingRoots += counts.sharingRoots;
    }
    return { drives: auditedDrives.length, items, sharingRoots, ...usageSoFar(), durationMs: (earlier.durationMs ?? 0) + Date.now() - started };
  };

  const auditedDrives: string[] = [];
  try {
    context.report('drives', null);
    const drives = [];
    for await (const drive of options.delta.listDrives()) drives.push(drive);
    drivesTotal = drives.length;
    for (const info of drives) {
      await upsertDrive(db, tenantId, info);
      let state = (await getDrive(db, tenantId, info.driveId))!;
      if (state.runId !== run.runId) state = await startDriveScan(db, tenantId, info.driveId, run.runId, run.mode === 'full' || !state.deltaToken);
      auditedDrives.push(info.driveId);
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
      } catch (err) {
        // A drive that cannot be read (a OneDrive being deprovisioned, a locked site) must not
        // stop the audit of the others. Anything else (an outage, a store failure) stops the
        // run, which stays resumable.
        if (!(err instanceof DriveUnavailable)) throw err;
        recordFailure(context, { driveId: info.driveId, itemId: null, step: 'drive', error: describeFailure(err) });
        auditedDrives.pop();
      }
      drivesDone += 1;
      await saveAuditRunProgress(db, tenantId, run.runId, await statsSoFar(), context.failures);
    }
    context.report('finish', null);
    await resolveUnseenFindings(db, tenantId, run.runId, auditedDrives, now());
    const finished = await finishAuditRun(db, tenantId, run.runId, { status: 'completed', finishedAt: now(), stats: await statsSoFar(), error: null });
    const findings = await listFindingsSeenInRun(db, tenantId, run.runId);
    return { run: { ...finished, failures: context.failures }, resumedRun: interrupted !== null, findings };
  } catch (err) {
    // Left `running` on purpose: the next start resumes from the checkpoints.
    await saveAuditRunProgress(db, tenantId, run.runId, await statsSoFar().catch(() => earlier), context.failures).catch(() => undefined);
    throw err;
  }
}
