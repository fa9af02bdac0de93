import { hostname } from 'node:os';
import { localDateTime } from '../domain/clock';
import { type Audience, isAudience } from '../domain/aup/types';
import { graphFailureKind, graphFailureStatus } from '../graph/graph-errors';
import { describeError, type Logger } from '../logging';
import { alertAdmins } from '../services/admin-alerts';
import { askAudienceNewcomers, describeAudienceSyncFailure, syncAudienceFromGroups } from '../services/aup-audience';
import type { AupGraph } from '../services/aup-graph';
import { recordAudienceSyncFailure } from '../store/aup.repo';
import type { Db } from '../store/db';
import { acquireJobLease, lastJobRunOn, releaseJobLease } from '../store/scheduled-jobs.repo';
import { getTenant } from '../store/tenant.repo';
import type { PeriodicJob } from './scheduler';

export const AUP_AUDIENCE_SYNC_JOB = 'aup-audience-sync';
/** After a run in which an audience could not be read, the whole run is tried again this much later. */
export const AUP_AUDIENCE_SYNC_RETRY_MS = 60 * 60_000;
/** Longer than a run takes (a few requests per thousand people); a crashed holder's lease lapses after it. */
export const AUP_AUDIENCE_SYNC_LEASE_MS = 30 * 60_000;
/** The admins are alerted in Teams once an audience has failed this many runs in a row (the retry failed too). */
export const AUP_AUDIENCE_SYNC_ALERT_AFTER = 2;
export const AUP_AUDIENCE_SYNC_FAILING_ALERT = 'aup-audience-sync-failing';

export interface AupAudienceSyncDeps {
  db: Db;
  /** The school whose Entra groups are read (GRAPH_TENANT_ID). */
  tenantId: string;
  /** AUP_AUDIENCE_GROUPS: audience → group ids. */
  audienceGroups: Readonly<Record<string, readonly string[]>>;
  /** The AUP capability's Graph connection (its patient edge and RU budget). */
  graph: () => AupGraph | undefined;
  /** Used when the tenant row has no time zone. */
  defaultTimeZone: string;
  logger: Logger;
  now: () => Date;
  /** Wakes the AUP sender after cards were queued. */
  onQueued: () => void;
  /** Wakes the outbox worker after an alert to the admins was queued (it also polls). */
  onOutboxChanged?: () => void;
}

export interface AupAudienceSyncRun {
  day: string;
  audiences: { audience: Audience; members?: number; queued?: number; offline?: number; failure?: string }[];
}

/**
 * Keeps AUP audiences with Entra groups (AUP_AUDIENCE_GROUPS) current in the running service:
 * once a school day, one instance takes the lease (scheduled_jobs) and, for each such audience,
 * re-reads its groups within the AUP Graph connection's RU budget, replaces the group members
 * (people who left are asked no more) and queues the current version's card for people who
 * joined and have neither been asked nor agreed (through the same durable queue as a publish,
 * so a second run, a restart or a second instance never sends anyone a second card). An
 * audience that cannot be read is recorded with a safe error (aup_audience_syncs) and the run
 * is tried again after AUP_AUDIENCE_SYNC_RETRY_MS; the admins are alerted once when the retry
 * fails too. Logs carry audiences, counts and kinds of failure, never people.
 */
export class AupAudienceSync implements PeriodicJob {
  private current: Promise<AupAudienceSyncRun | undefined> | undefined;
  private finished: AupAudienceSyncRun | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;
  private readonly holder = `app:${hostname()}:${process.pid}`;

  constructor(private readonly deps: AupAudienceSyncDeps) {}

  /** Starts today's sync in the background if it is due; returns once that is decided. */
  tick(): Promise<void> {
    // Concurrent ticks (the scheduler's loop and a test's pass) share one decision.
    this.checking ??= this.startIfDue().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.checking;
    await this.current;
  }

  /** The run in progress, if any (tests wait on it). */
  get running(): Promise<AupAudienceSyncRun | undefined> | undefined {
    return this.current;
  }

  /** The outcome of the last run that finished: the start-up run may end before anyone waits on it. */
  get lastFinished(): AupAudienceSyncRun | undefined {
    return this.finished;
  }

  private async startIfDue(): Promise<void> {
    if (this.current || this.stopped) return;
    const d = this.deps;
    const now = d.now();
    const tenant = await getTenant(d.db, d.tenantId);
    if (!tenant) return; // not bootstrapped yet: nothing to keep current
    const today = localDateTime(now, tenant.timeZone || d.defaultTimeZone).date;
    if ((await lastJobRunOn(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB)) === today) return;
    const lease = await acquireJobLease(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB, this.holder, now, AUP_AUDIENCE_SYNC_LEASE_MS);
    if (!lease.acquired) return; // another instance is at it, or a failed run waits for its retry time
    if (lease.lastRunOn === today) {
      await releaseJobLease(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB, this.holder, {});
      return;
    }
    this.current = this.run(today)
      .then((outcome) => (this.finished = outcome))
      .finally(() => {
        this.current = undefined;
      });
  }

  private async run(day: string): Promise<AupAudienceSyncRun | undefined> {
    const d = this.deps;
    const result: AupAudienceSyncRun = { day, audiences: [] };
    try {
      const graph = d.graph();
      let interrupted = false;
      for (const [audience, groupIds] of Object.entries(d.audienceGroups)) {
        if (!isAudience(audience) || !groupIds.length) continue;
        if (this.stopped) {
          interrupted = true;
          break;
        }
        result.audiences.push(await this.syncOne(graph, audience, groupIds));
      }
      const failed = result.audiences.filter((a) => a.failure).length;
      const queued = result.audiences.reduce((n, a) => n + (a.queued ?? 0), 0);
      if (queued) d.onQueued();
      if (interrupted) {
        // The app is stopping: free the lease so the next start runs the sync at once.
        await releaseJobLease(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB, this.holder, {});
      } else if (failed) {
        await releaseJobLease(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB, this.holder, { retryAfter: new Date(d.now().getTime() + AUP_AUDIENCE_SYNC_RETRY_MS) });
      } else {
        await releaseJobLease(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB, this.holder, { ranOn: day });
      }
      const summary = result.audiences.map((a) => ({ audience: a.audience, members: a.members, queued: a.queued, failed: Boolean(a.failure) }));
      if (failed) d.logger.warn({ tenantId: d.tenantId, day, audiences: summary, queued, failed }, 'AUP audience sync: some audiences could not be read; the run is tried again later');
      else d.logger.info({ tenantId: d.tenantId, day, audiences: summary, queued }, 'AUP audience sync completed');
      return result;
    } catch (err) {
      // The store itself failed: nothing more to record; free the lease for a later tick.
      await releaseJobLease(d.db, d.tenantId, AUP_AUDIENCE_SYNC_JOB, this.holder, { retryAfter: new Date(d.now().getTime() + AUP_AUDIENCE_SYNC_RETRY_MS) }).catch(() => undefined);
      d.logger.error({ tenantId: d.tenantId, ...describeError(err) }, 'AUP audience sync failed');
      return undefined;
    }
  }

  private async syncOne(graph: AupGraph | undefined, audience: Audience, groupIds: readonly string[]): Promise<AupAudienceSyncRun['audiences'][number]> {
    const d = this.deps;
    let members: number;
    try {
      if (!graph) throw new GraphNotConfigured();
      members = await syncAudienceFromGroups({ db: d.db, now: d.now, directory: graph.directory }, { tenantId: d.tenantId, audience, groupIds });
    } catch (err) {
      const error = err instanceof GraphNotConfigured ? err.message : describeAudienceSyncFailure(err);
      const failedAttempts = await recordAudienceSyncFailure(d.db, d.tenantId, audience, { at: d.now(), error });
      d.logger.warn({ tenantId: d.tenantId, audience, failure: err instanceof GraphNotConfigured ? 'not-configured' : graphFailureKind(err), status: graphFailureStatus(err), failedAttempts }, 'AUP audience sync: the groups could not be read');
      if (failedAttempts === AUP_AUDIENCE_SYNC_ALERT_AFTER) await this.alert(audience, error, failedAttempts);
      return { audience, failure: error };
    }
    const { queued, offline } = await askAudienceNewcomers({ db: d.db, now: d.now }, { tenantId: d.tenantId, audience });
    return { audience, members, queued, offline };
  }

  /** Once per failing stretch (at the second failed run in a row), not at every retry. */
  private async alert(audience: Audience, error: string, failedAttempts: number): Promise<void> {
    const d = this.deps;
    await alertAdmins(
      d.db,
      d.tenantId,
      AUP_AUDIENCE_SYNC_FAILING_ALERT,
      `Jigsaw could not read the Entra groups of the "${audience}" Acceptable Use Policy audience ${failedAttempts} times in a row (last: ${error}). It keeps trying every ${Math.round(AUP_AUDIENCE_SYNC_RETRY_MS / 60_000)} minutes; until it succeeds, people who joined those groups are not asked to agree and people who left are still counted. If it keeps failing, IT should check AUP_AUDIENCE_GROUPS and Jigsaw's Microsoft Graph connection (docs/aup.md, docs/permissions.md).`,
      audience,
    );
    d.onOutboxChanged?.();
  }
}

class GraphNotConfigured extends Error {
  constructor() {
    super('Microsoft Graph is not configured (GRAPH_CLIENT_ID…): IT should connect it or take the audience out of AUP_AUDIENCE_GROUPS');
    this.name = 'GraphNotConfigured';
  }
}
