import type { Db } from '../store/db';
import {
  type AupSend,
  claimDueAupSends,
  countAupSends,
  failedAttempts,
  finishAupSend,
  getAupBroadcast,
  getAupVersion,
  hasPendingAupSends,
  listOpenReplacedAupBroadcasts,
  markAbandonedAupSendsUncertain,
  markAupSendInFlight,
  markAupSendSent,
  scheduleAupSendRetry,
  setAupProgressCard,
  touchAupProgress,
  versionReplacingAupBroadcast,
} from '../store/aup.repo';
import { getTenant } from '../store/tenant.repo';
import { buildAupProgressCard } from '../cards/aup-card';
import { formatLocal } from '../domain/clock';
import type { AupRules } from '../domain/aup/status';
import type { AppInstaller } from '../domain/aup/ports';
import { describeError, type Logger } from '../logging';
import { backoffDelayMs } from './backoff';
import { deliveryFailureReason } from './delivery-failure-reason';
import { type AupDelivery, AupDeliveryCache, planAupDelivery } from './aup-delivery';
import { personTarget } from './person-target';
import { createTeamsSendPacing, type PacingClock, realClock, SlidingWindowLimit, type TeamsSendPacing, throttlePause, type ThrottleGate, type TokenBucket } from './send-pacing';
import { DeliveryError, type SentMessage, type TeamsGateway } from './teams-gateway';

/** Stored with a row whose card could not be prepared: fixed words, never the error's text (which may hold SQL, card content or names). */
export const NOT_PREPARED_REASON = 'Jigsaw could not prepare the card (see the service log)';

/** Stored with a row whose person's app install failed for a reason of Microsoft Graph's, not theirs. */
export const INSTALL_UNAVAILABLE_REASON = 'the app could not be installed for the person yet (Microsoft Graph unavailable); trying again';

/** An install that failed with no answer, a 429 or a 5xx from Graph: worth trying again. */
function isTransientInstallFailure(err: unknown): boolean {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status !== 'number' || status === 429 || status >= 500;
}

export interface AupSenderOptions {
  /** Tenant-wide budget of requests to Teams per second (default 25; Teams allows ~30). */
  sendsPerSecond: number;
  /** At most this many sends per conversation per second (Teams: 7). */
  perConversationPerSecond: number;
  /** Sends in flight at once. */
  concurrency: number;
  /** After this many failed attempts a row is given up as failed (a 429 from Teams is not one). */
  maxAttempts: number;
  pollMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** How long a claim is ours before another sender may take it (not yet sending). */
  claimLeaseMs?: number;
  /** How long a call to Teams may take; after that its outcome is unknown. */
  inFlightLeaseMs?: number;
  /** The admin's progress card is updated at most this often. */
  progressEveryMs?: number;
  /**
   * One sender per store (the default deployment: the service's jobs face). On start it takes
   * over rows a dead predecessor left: claimed-but-unsent rows go back to the queue at once and
   * rows that were being sent become 'uncertain'. With several senders, leave this off: leases decide.
   */
  takeOverOnStart?: boolean;
}

export interface AupSenderDeps {
  db: Db;
  gateway: TeamsGateway;
  logger: Logger;
  rules: AupRules;
  defaultServiceUrl: string;
  botId: string;
  installer?: AppInstaller;
  now?: () => Date;
  clock?: PacingClock;
  random?: () => number;
  /** The process's budget and 429 gate for Teams, shared with the outbox; by default its own. */
  pacing?: TeamsSendPacing;
}

export interface AupSenderStats {
  sent: number;
  updated: number;
  skipped: number;
  failed: number;
  retried: number;
  /** 429s the sender saw (each one Teams answered: botbuilder's own retry is off, src/bot/connector-without-retries.ts). */
  throttled: number;
  pauses: number;
  pausedMs: number;
  installs: number;
  uncertainOnStart: number;
}

/**
 * The AUP broadcast sender: drains `aup_sends` into Teams personal chats.
 *
 * - Pacing: a tenant-wide token bucket (a new chat costs 2 requests: create + send), at most
 *   N per conversation per second, and a shared gate that a 429 closes for everyone until
 *   Retry-After has passed (rows waiting behind it go back to the queue, not to Teams).
 * - 412, 502, 504, other 5xx and network failures: retried with exponential back-off and jitter.
 * - Idempotence: the primary key allows one row per version, person and purpose; a row is marked
 *   `in_flight` (fenced by its attempt number) just before the call and `sent` just after, so a
 *   crash leaves a row either safely re-sendable (never called) or `uncertain` (never re-sent).
 */
export class AupSender {
  private readonly clock: PacingClock;
  private readonly bucket: TokenBucket;
  private readonly perConversation: SlidingWindowLimit;
  readonly gate: ThrottleGate;
  private readonly active = new Set<number>();
  private stopped = true;
  private killed = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly progressAt = new Map<string, number>();
  private readonly progressPosting = new Map<string, Promise<void>>();
  private readonly cache = new AupDeliveryCache();
  readonly stats: AupSenderStats = { sent: 0, updated: 0, skipped: 0, failed: 0, retried: 0, throttled: 0, pauses: 0, pausedMs: 0, installs: 0, uncertainOnStart: 0 };

  constructor(
    private readonly deps: AupSenderDeps,
    private readonly options: AupSenderOptions,
  ) {
    this.clock = deps.clock ?? realClock;
    const pacing = deps.pacing ?? createTeamsSendPacing(options.sendsPerSecond, this.clock);
    this.bucket = pacing.bucket;
    this.perConversation = new SlidingWindowLimit(options.perConversationPerSecond, 1000, this.clock);
    this.gate = pacing.gate;
  }

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date(this.clock.now());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.killed = false;
    this.running = this.loop();
  }

  /** Graceful: no new claims; sends under way finish and are recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    while (this.active.size) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Abrupt, as if the process died: nothing more is written to the store, results of calls
   * under way are dropped. For crash tests and the benchmark.
   */
  kill(): void {
    this.killed = true;
    this.stopped = true;
    this.wake?.();
  }

  /** Look for work now (after a publish or an acknowledgement) instead of at the next poll. */
  poke(): void {
    this.wake?.();
  }

  /** Resolves when nothing is queued or being sent (tests, the benchmark and the CLI). */
  async idle(timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.deps.db.query(`SELECT 1 FROM aup_sends WHERE status IN ('queued', 'claimed', 'in_flight') LIMIT 1`);
      if (!row && this.active.size === 0) return;
      if (Date.now() > deadline) throw new Error('AUP sender did not become idle in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async loop(): Promise<void> {
    if (this.options.takeOverOnStart !== false) await this.takeOver().catch((err) => this.deps.logger.error(describeError(err), 'AUP sender could not take over rows'));
    let sweptAt = this.clock.now();
    while (!this.stopped) {
      let claimed: AupSend[] = [];
      try {
        // A row whose call outlived its lease (a store write failed after the call): uncertain, never re-sent.
        if (this.clock.now() - sweptAt > 60_000) {
          sweptAt = this.clock.now();
          await markAbandonedAupSendsUncertain(this.deps.db, this.now());
        }
        await this.gate.wait();
        const free = this.options.concurrency - this.active.size;
        if (free > 0) claimed = await claimDueAupSends(this.deps.db, this.now(), free, this.options.claimLeaseMs ?? 60_000, [...this.active]);
      } catch (err) {
        this.deps.logger.error(describeError(err), 'AUP sender poll failed');
      }
      if (this.stopped) break;
      for (const row of claimed) {
        this.active.add(row.sendId);
        void this.process(row)
          .catch((err) => this.deps.logger.error({ sendId: row.sendId, ...describeError(err) }, 'AUP send failed unexpectedly'))
          .finally(() => {
            this.active.delete(row.sendId);
            this.wake?.();
          });
      }
      if (claimed.length && this.active.size < this.options.concurrency) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.active.size >= this.options.concurrency ? 1000 : this.options.pollMs);
      });
      this.wake = undefined;
    }
  }

  private async takeOver(): Promise<void> {
    const now = this.now();
    const released = await this.deps.db.query(`UPDATE aup_sends SET status = 'queued', lease_until = NULL WHERE status = 'claimed' RETURNING send_id`);
    await this.deps.db.query(`UPDATE aup_sends SET lease_until = $1 WHERE status = 'in_flight'`, [now]);
    const uncertain = await markAbandonedAupSendsUncertain(this.deps.db, now);
    this.stats.uncertainOnStart += uncertain;
    if (released.length || uncertain) this.deps.logger.warn({ released: released.length, uncertain }, 'AUP sender took over from a stopped sender');
  }

  private async process(row: AupSend): Promise<void> {
    const { db } = this.deps;
    const log = this.deps.logger.child({ sendId: row.sendId, purpose: row.purpose.replace(/:.*/, '') });
    let plan: AupDelivery;
    try {
      plan = await planAupDelivery({ ...this.deps, now: () => this.now(), cache: this.cache }, row);
    } catch (err) {
      if (this.killed) return;
      log.error(describeError(err), 'AUP card could not be prepared');
      await this.notPrepared(row, log);
      return;
    }
    if (this.killed) return;
    if (plan.kind === 'skip') {
      await finishAupSend(db, row.sendId, 'skipped', plan.reason);
      this.stats.skipped++;
      // A skip can be a broadcast's last row: the admin's progress card must still say it finished.
      await this.maybeUpdateProgress(row.tenantId, row.versionId).catch((err) => log.warn(describeError(err), 'AUP progress card not updated'));
      return;
    }
    const conversationKey = plan.kind === 'update' ? plan.sent.conversationId : (plan.target.conversationId ?? `new:${plan.target.aadObjectId}`);
    // A new 1:1 chat is two requests (create conversation, then send).
    await this.bucket.acquire(plan.kind === 'send' && !plan.target.conversationId ? 2 : 1);
    await this.perConversation.acquire(conversationKey);
    if (this.killed) return;
    if (this.gate.remainingMs() > 0) {
      // Throttled while we waited for a token: back to the queue until the pause ends.
      await scheduleAupSendRetry(db, row, new Date(this.gate.until()), 'paused: Teams throttled the app', { throttled: true });
      return;
    }
    if (!(await markAupSendInFlight(db, row.sendId, row.attempts, this.now(), this.options.inFlightLeaseMs ?? 300_000))) return;
    if (this.gate.remainingMs() > 0) {
      // A 429 arrived while we were writing: nothing was sent yet, so the row can safely wait.
      if (!this.killed) await scheduleAupSendRetry(db, row, new Date(this.gate.until()), 'paused: Teams throttled the app', { throttled: true });
      return;
    }
    let delivered: SentMessage | undefined;
    try {
      if (plan.kind === 'update') {
        await this.deps.gateway.updateMessage(plan.sent, plan.message);
        delivered = plan.sent;
      } else {
        delivered = await this.deps.gateway.sendToPerson(plan.target, plan.message);
      }
    } catch (err) {
      if (this.killed) return;
      await this.failed(row, plan, err, log);
    }
    if (this.killed) return;
    if (delivered) await this.recordDelivered(row, plan.kind, delivered, log);
    if (!this.killed) await this.maybeUpdateProgress(row.tenantId, row.versionId).catch((err) => log.warn(describeError(err), 'AUP progress card not updated'));
  }

  /**
   * The card could not be prepared (the store failed reading the person's chat, or rendering
   * threw for this row): tried again with back-off, then failed like a card Teams refused, so it
   * is listed by `jigsaw aup stuck` and can be sent again with `jigsaw aup retry` once fixed.
   */
  private async notPrepared(row: AupSend, log: Logger): Promise<void> {
    const failures = failedAttempts(row);
    if (failures >= this.options.maxAttempts) {
      await finishAupSend(this.deps.db, row.sendId, 'failed', NOT_PREPARED_REASON);
      this.stats.failed++;
      log.warn({ attempts: row.attempts, failures }, 'AUP card could not be prepared; given up as failed');
      // A failure can be a broadcast's last row: the admin's progress card must still say it finished.
      await this.maybeUpdateProgress(row.tenantId, row.versionId).catch((err) => log.warn(describeError(err), 'AUP progress card not updated'));
      return;
    }
    const delay = backoffDelayMs(failures, { baseMs: this.options.baseBackoffMs, maxMs: this.options.maxBackoffMs, random: this.deps.random });
    await scheduleAupSendRetry(this.deps.db, row, new Date(this.now().getTime() + delay), NOT_PREPARED_REASON);
    this.stats.retried++;
  }

  /**
   * Teams has the card: record it. A store failure here is not a failed send (retrying it would
   * be a second card): the row stays in flight, and the sweep or the next start marks it uncertain.
   */
  private async recordDelivered(row: AupSend, kind: 'send' | 'update', delivered: SentMessage, log: Logger): Promise<void> {
    try {
      await markAupSendSent(this.deps.db, row.sendId, delivered, this.now());
    } catch (err) {
      log.error(describeError(err), 'AUP card reached Teams but could not be recorded; it will be marked uncertain, not sent again');
      return;
    }
    if (kind === 'update') this.stats.updated++;
    else this.stats.sent++;
  }

  private async failed(row: AupSend, plan: Exclude<AupDelivery, { kind: 'skip' }>, err: unknown, log: Logger): Promise<void> {
    const { db } = this.deps;
    const failure = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : 'send failed');
    const now = this.now();
    if (failure.throttled) {
      this.stats.throttled++;
      // Honoured up to a maximum: a day-long Retry-After would hold up the outbox's concerns too (shared gate).
      const { pauseMs, capped } = throttlePause(failure.retryAfterMs);
      this.gate.pause(pauseMs);
      this.stats.pauses = this.gate.pauses;
      this.stats.pausedMs = this.gate.pausedMs;
      // Teams throttling the app is not a failure of this card: it does not use up an attempt.
      await scheduleAupSendRetry(db, row, new Date(now.getTime() + pauseMs), `429: throttled`, { throttled: true });
      log.warn({ retryAfterMs: failure.retryAfterMs, pauseMs, capped }, 'Teams throttled the AUP broadcast; every sender pauses');
      return;
    }
    // The app is not installed for this person: install it through Graph once, then retry.
    if (failure.status === 403 && plan.kind === 'send' && !plan.target.conversationId && this.deps.installer && !(row.lastError ?? '').startsWith('app installed')) {
      try {
        await this.deps.installer.installForUser(row.aadObjectId!);
        this.stats.installs++;
        await scheduleAupSendRetry(db, row, now, 'app installed for the person; sending again');
        return;
      } catch (installErr) {
        log.warn(describeError(installErr), 'could not install the app for an AUP recipient');
        // Graph down or throttling (after its client's own retries) says nothing of the person:
        // try again later as a failed attempt; the next 403 installs again (a 409 counts as installed).
        if (isTransientInstallFailure(installErr) && failedAttempts(row) < this.options.maxAttempts) {
          const delay = backoffDelayMs(failedAttempts(row), { baseMs: this.options.baseBackoffMs, maxMs: this.options.maxBackoffMs, random: this.deps.random });
          await scheduleAupSendRetry(db, row, new Date(now.getTime() + delay), INSTALL_UNAVAILABLE_REASON);
          this.stats.retried++;
          return;
        }
      }
    }
    const failures = failedAttempts(row);
    if (failure.needsAttention || failures >= this.options.maxAttempts) {
      await finishAupSend(db, row.sendId, 'failed', deliveryFailureReason(failure));
      this.stats.failed++;
      log.warn({ status: failure.status, attempts: row.attempts, failures }, 'AUP card could not be delivered');
      return;
    }
    const delay = backoffDelayMs(failures, { baseMs: this.options.baseBackoffMs, maxMs: this.options.maxBackoffMs, retryAfterMs: failure.retryAfterMs, random: this.deps.random });
    await scheduleAupSendRetry(db, row, new Date(now.getTime() + delay), deliveryFailureReason(failure));
    this.stats.retried++;
    log.info({ status: failure.status, retryInMs: delay }, 'AUP send failed; will retry');
  }

  /** Posts the admin's progress card once per broadcast, then updates it every few seconds and at the end. */
  private async maybeUpdateProgress(tenantId: string, versionId: string): Promise<void> {
    const last = this.progressAt.get(versionId) ?? 0;
    // Only the last send in flight can be the end of a broadcast: skip the store read otherwise.
    if (this.clock.now() - last < (this.options.progressEveryMs ?? 3000) && this.active.size > 1) return;
    const pending = await hasPendingAupSends(this.deps.db, tenantId, versionId);
    if (pending && this.clock.now() - last < (this.options.progressEveryMs ?? 3000)) return;
    this.progressAt.set(versionId, this.clock.now());
    await this.postProgress(tenantId, versionId, !pending);
    await this.closeReplacedBroadcasts(tenantId, versionId);
  }

  /** One card update at a time per broadcast, in order. */
  private async postProgress(tenantId: string, versionId: string, done: boolean): Promise<void> {
    const previous = this.progressPosting.get(versionId) ?? Promise.resolve();
    const next = previous.then(() => this.updateProgress(tenantId, versionId, done));
    this.progressPosting.set(versionId, next.catch(() => undefined));
    await next;
  }

  /**
   * Publishing this version skipped the unsent cards of the versions it replaced, so their
   * senders may never come back to their progress cards: each one with nothing left in flight
   * ends here, saying it was replaced, with its final counts. One with a card still in flight is
   * closed by that card's own update, or by a later update of this broadcast.
   */
  private async closeReplacedBroadcasts(tenantId: string, versionId: string): Promise<void> {
    for (const replaced of await listOpenReplacedAupBroadcasts(this.deps.db, tenantId, versionId)) {
      if (await hasPendingAupSends(this.deps.db, tenantId, replaced)) continue;
      await this.postProgress(tenantId, replaced, true);
    }
  }

  private async updateProgress(tenantId: string, versionId: string, done: boolean): Promise<void> {
    const { db, gateway } = this.deps;
    const broadcast = await getAupBroadcast(db, tenantId, versionId);
    const version = await getAupVersion(db, tenantId, versionId);
    if (!broadcast || !version || (broadcast.completedAt && done)) return;
    const counts = await countAupSends(db, tenantId, versionId);
    // Said only once the counts are final (a card of the replaced version may still be in flight).
    const replacedBy = done ? await versionReplacingAupBroadcast(db, tenantId, versionId) : undefined;
    if (replacedBy !== undefined && !broadcast.progress) {
      // Replaced before its first card went: no card to close, and a new one would only be noise.
      await touchAupProgress(db, tenantId, versionId, this.now(), true);
      return;
    }
    const tz = (await getTenant(db, tenantId))?.timeZone ?? 'Europe/London';
    const message = {
      card: buildAupProgressCard({ versionId, title: version.title, audience: version.audience, versionNumber: version.versionNumber, ...counts, updatedAt: formatLocal(this.now(), tz), done, ...(replacedBy !== undefined ? { replacedBy } : {}) }),
      summary: 'AUP broadcast progress',
    };
    await this.bucket.acquire(1);
    if (broadcast.progress) {
      await this.perConversation.acquire(broadcast.progress.conversationId);
      await gateway.updateMessage(broadcast.progress, message);
    } else if (/^[0-9a-f-]{36}$/i.test(broadcast.startedBy)) {
      const target = await personTarget(this.deps, tenantId, broadcast.startedBy);
      const sent = await gateway.sendToPerson(target, message);
      await setAupProgressCard(db, tenantId, versionId, sent, this.now());
    }
    await touchAupProgress(db, tenantId, versionId, this.now(), done);
  }
}
