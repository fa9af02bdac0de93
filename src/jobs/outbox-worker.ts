import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import type { RecipientRole } from '../domain/concerns/concern';
import { abandonOutbox, claimDueOutbox, enqueueOutbox, markOutboxAlerted, markOutboxSent, type OutboxMessage, renewOutboxLease, scheduleOutboxRetry } from '../store/outbox.repo';
import { alertAdmins } from '../services/admin-alerts';
import { releaseHeldAllegations, tenantsWithReleasableAllegations } from '../services/held-allegations';
import { DSL_CHANNEL_TARGET, OUTBOX_KINDS, userTarget } from '../services/report-concern';
import { describeError, type Logger } from '../logging';
import { backoffDelayMs } from './backoff';
import { deliverOutboxMessage, type DeliveryDeps } from './deliveries';
import { deliveryAlertText } from './delivery-alert-text';
import { deliveryFailureReason } from './delivery-failure-reason';
import { DeliveryError } from './teams-gateway';
import type { Counter, MetricsRegistry } from '../metrics';
import { mapWithConcurrency } from './map-with-concurrency';
import { throttlePause, type TeamsSendPacing } from './send-pacing';

/**
 * How many times the claim of a send Teams has not answered is renewed (every half lease) before
 * it is let expire: about six leases in all, six minutes at the default lease.
 */
const MAX_IN_FLIGHT_RENEWALS = 10;

/**
 * How many times Teams may refuse a bulk notice for good (DeliveryError.refusedForGood) before
 * the worker gives up on it. Only bulk notices (sharing-audit summaries and owner digests):
 * anything about a concern is retried for ever. Retried for ever, a refused notice would also
 * hold back every later message to the same person (a conversation's messages go in order).
 */
export const BULK_REFUSALS_BEFORE_ABANDONING = 5;

export interface OutboxWorkerOptions {
  pollMs: number;
  /**
   * After this many failed attempts the admins (and, for a concern's own delivery, its reporter)
   * are told. A 429 is not a failed attempt: Teams throttling the app says nothing of the message.
   */
  alertAfterAttempts: number;
  maxBackoffMs: number;
  baseBackoffMs?: number;
  batchSize?: number;
  /**
   * Messages of a claimed batch sent at once. A batch holds one message per conversation, so
   * each conversation still receives its messages in order.
   */
  concurrency?: number;
  /** How long a claimed message is ours; a crashed worker's claim expires after it. */
  leaseMs?: number;
}

/** What the worker counts (src/metrics.ts); optional so the worker runs without a registry. */
export interface OutboxMetrics {
  deliveries: Counter;
  unknownOutcomeRetries: Counter;
  abandoned: Counter;
}

export function createOutboxMetrics(registry: MetricsRegistry): OutboxMetrics {
  return {
    deliveries: registry.counter('jigsaw_outbox_deliveries_total', 'Outbox delivery attempts by outcome (sent; shortened: a concern card sent without its long answers after Teams refused it as too large; failed)', ['outcome', 'kind']),
    unknownOutcomeRetries: registry.counter(
      'jigsaw_outbox_unknown_outcome_retries_total',
      'Deliveries re-sent after an expired claim: the earlier attempt may have reached Teams, so this is the bound on duplicate posts',
      ['kind'],
    ),
    abandoned: registry.counter(
      'jigsaw_outbox_abandoned_total',
      `Bulk notices (sharing audit) given up after Teams refused them ${BULK_REFUSALS_BEFORE_ABANDONING} times (400, 403, 404, 413); never a concern's delivery`,
      ['kind'],
    ),
  };
}

/**
 * Delivers the outbox to Teams. At-least-once with an idempotency key per message: a message
 * is marked sent (with the posted activity id) only after Teams accepted it, and never sent
 * again after that. Failures are retried forever with back-off (nothing about a concern is ever
 * dropped; a bulk notice Teams keeps refusing for good is given up, BULK_REFUSALS_BEFORE_ABANDONING); a 429
 * pauses every send until Retry-After has passed (at most MAX_THROTTLE_PAUSE_MS).
 *
 * With shared pacing (the composition root's, which the AUP broadcast uses too) every send is
 * counted in the process's budget for Teams: a safeguarding message takes its share at once, a
 * bulk notice waits its turn; a 429 that either sender receives pauses both.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private pausedUntil = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly deps: DeliveryDeps & { db: Db; concerns: ConcernRepository; logger: Logger; now?: () => Date; random?: () => number; metrics?: OutboxMetrics; pacing?: TeamsSendPacing },
    private readonly options: OutboxWorkerOptions,
  ) {}

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  /** Asks the worker to look for work now (after a commit) instead of at the next poll. */
  poke(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let processed = 0;
      try {
        processed = await this.drainOnce();
      } catch (err) {
        this.deps.logger.error(describeError(err), 'outbox poll failed');
      }
      if (this.stopped) break;
      if (processed > 0 && this.pauseRemainingMs() === 0) continue;
      const wait = Math.max(this.options.pollMs, this.pauseRemainingMs());
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, wait);
      });
      this.wake = undefined;
    }
  }

  /** How long every send is paused for, after a 429 (this worker's, or the shared gate's). */
  private pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now().getTime(), this.deps.pacing?.gate.remainingMs() ?? 0);
  }

  /** Claims and delivers one batch; returns how many messages it attempted. */
  async drainOnce(): Promise<number> {
    await this.releaseHeldAllegations();
    if (this.pauseRemainingMs() > 0) return 0;
    const batch = await claimDueOutbox(this.deps.db, this.now(), this.options.batchSize ?? 10, this.options.leaseMs ?? 60_000);
    // The claim returns safeguarding messages first: they start first.
    await mapWithConcurrency(batch, this.options.concurrency ?? 1, async (message) => {
      if (await this.mayStartSending(message)) return this.deliverWithin(message);
      // A 429 pauses the rest of the batch: messages not yet started go back, their claims released.
      await scheduleOutboxRetry(this.deps.db, message, new Date(this.now().getTime() + this.pauseRemainingMs()), 'paused: throttled', { throttled: true });
    });
    return batch.length;
  }

  /**
   * Concerns about adults held because nobody could receive them, once someone can: a role
   * given in the tab or by configuration releases them in its own transaction, and this catches
   * any held while that role was being given (or given some other way). Not a send: no pause.
   */
  private async releaseHeldAllegations(): Promise<void> {
    try {
      for (const tenantId of await tenantsWithReleasableAllegations(this.deps.db)) {
        const released = await releaseHeldAllegations({ db: this.deps.db, concerns: this.deps.concerns, now: () => this.now() }, tenantId);
        if (released) this.deps.logger.info({ tenantId, released }, 'held concerns about adults released to their recipient');
      }
    } catch (err) {
      this.deps.logger.error(describeError(err), 'could not release held concerns about adults');
    }
  }

  private async mayStartSending(message: OutboxMessage): Promise<boolean> {
    if (this.pauseRemainingMs() > 0) return false;
    const bucket = this.deps.pacing?.bucket;
    if (bucket && message.bulk) await bucket.acquire();
    else bucket?.take();
    return this.pauseRemainingMs() === 0;
  }

  /**
   * Delivers one message without letting a request Teams never answers hold up the worker (a
   * stalled connection has no timeout in botbuilder's client). While the request is in flight its claim is
   * renewed, so no other worker sends the message again meanwhile, up to
   * MAX_IN_FLIGHT_RENEWALS times; after one lease the worker moves on to other conversations
   * (this conversation's later messages wait behind the claimed one). A request still
   * unanswered after the last renewal lets the claim expire: the message is then re-sent as a
   * possible repeat, and the late answer, if any, is not recorded (the claim is fenced).
   */
  private async deliverWithin(message: OutboxMessage): Promise<void> {
    const leaseMs = this.options.leaseMs ?? 60_000;
    let renewals = 0;
    const renew = setInterval(() => {
      if (++renewals > MAX_IN_FLIGHT_RENEWALS) return clearInterval(renew);
      renewOutboxLease(this.deps.db, message, new Date(this.now().getTime() + leaseMs)).catch((err) =>
        this.deps.logger.error({ outboxId: message.outboxId, ...describeError(err) }, 'could not renew an outbox claim'),
      );
    }, Math.max(1, Math.floor(leaseMs / 2)));
    renew.unref();
    const sending = this.deliver(message).finally(() => clearInterval(renew));
    let timer: NodeJS.Timeout | undefined;
    const movedOn = new Promise<'moved-on'>((resolve) => {
      timer = setTimeout(() => resolve('moved-on'), leaseMs);
    });
    const outcome = await Promise.race([sending, movedOn]).finally(() => clearTimeout(timer));
    if (outcome === 'moved-on') {
      this.deps.logger.warn({ outboxId: message.outboxId, kind: message.kind, tenantId: message.tenantId }, 'Teams has not answered an outbox send within its lease; the worker moves on while it waits');
      sending.catch(() => undefined);
    }
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const log = this.deps.logger.child({ outboxId: message.outboxId, kind: message.kind, attempt: message.attempts });
    if (message.reclaimed) {
      // The previous attempt's outcome is unknown: this send may duplicate a post (counted).
      this.deps.metrics?.unknownOutcomeRetries.inc({ kind: message.kind });
      log.warn({ tenantId: message.tenantId }, 'outbox message re-sent after an expired claim; Teams may already have the earlier attempt');
    }
    let sent: Awaited<ReturnType<typeof deliverOutboxMessage>>;
    try {
      sent = await deliverOutboxMessage(this.deps, message);
    } catch (err) {
      await this.failed(message, err, log);
      return;
    }
    // Teams has the message now: a failure to record it must not be taken for a failed send (a
    // retry would post it again with no word that it may repeat). Unrecorded, the claim stays
    // until its lease expires, and the message is re-sent then as a possible repeat (counted).
    let recorded: boolean;
    try {
      // Remembered so that updates of this message keep saying it may repeat an earlier one.
      recorded = await markOutboxSent(this.deps.db, message, { ...sent, ...(message.reclaimed ? { possibleRepeat: true } : {}) }, this.now());
    } catch (err) {
      log.error({ tenantId: message.tenantId, ...describeError(err) }, 'outbox message delivered but not recorded; it will be re-sent as a possible repeat when its claim expires');
      return;
    }
    this.deps.metrics?.deliveries.inc({ outcome: sent.shortened ? 'shortened' : 'sent', kind: message.kind });
    if (!recorded) {
      // The claim expired while Teams was answering, and another attempt has taken it over.
      log.warn({ tenantId: message.tenantId }, 'outbox message delivered after its claim expired; another attempt took it over, so Teams may show it twice');
    } else if (sent.shortened) {
      // Delivered, so nobody is alerted: the card says the full report is in the Jigsaw tab.
      log.warn({ tenantId: message.tenantId }, 'concern card too large for Teams (413): delivered shortened, without its long answers');
    } else log.info({ tenantId: message.tenantId }, 'outbox message delivered');
  }

  private async failed(message: OutboxMessage, err: unknown, log: Logger): Promise<void> {
    this.deps.metrics?.deliveries.inc({ outcome: 'failed', kind: message.kind });
    const failure = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : 'delivery failed');
    // A Retry-After is honoured up to a maximum: a day-long one must not hold up every concern for a day.
    const retryAfter = failure.throttled || failure.retryAfterMs !== undefined ? throttlePause(failure.retryAfterMs) : undefined;
    if (retryAfter?.capped) log.warn({ status: failure.status, retryAfterMs: failure.retryAfterMs, pauseMs: retryAfter.pauseMs }, 'Teams asked for a longer pause than Jigsaw honours; pausing for the maximum instead');
    if (failure.throttled && retryAfter) {
      this.pausedUntil = Math.max(this.pausedUntil, this.now().getTime() + retryAfter.pauseMs);
      this.deps.pacing?.gate.pause(retryAfter.pauseMs);
      // Teams throttling the app is not a failure of this message: it is tried again once the
      // pause is over, with no growth of its back-off and no step towards the admins' alert.
      const rescheduled = await scheduleOutboxRetry(this.deps.db, message, new Date(this.now().getTime() + retryAfter.pauseMs), deliveryFailureReason(failure), { throttled: true });
      if (rescheduled) log.warn({ status: failure.status, retryInMs: retryAfter.pauseMs }, 'Teams throttled an outbox delivery; it is sent again after the pause');
      else log.warn({ status: failure.status }, 'outbox delivery throttled after its claim expired; left to the attempt that took it over');
      return;
    }
    // The claims that failed, this one included (claims ended by throttling are not failures).
    const failures = message.attempts - message.throttledAttempts;
    const refusals = message.refusedAttempts + (failure.refusedForGood ? 1 : 0);
    if (message.bulk && failure.refusedForGood && refusals >= BULK_REFUSALS_BEFORE_ABANDONING) {
      if (!(await abandonOutbox(this.deps.db, message, deliveryFailureReason(failure)))) {
        log.warn({ status: failure.status, ...describeError(err) }, 'outbox delivery failed after its claim expired; left to the attempt that took it over');
        return;
      }
      this.deps.metrics?.abandoned.inc({ kind: message.kind });
      // The admins were told at the first refusal (a refusal needs attention) that it would be given up.
      log.warn({ status: failure.status, refusals }, 'Teams keeps refusing a bulk notice; it is given up');
      return;
    }
    const delay = backoffDelayMs(failures, {
      baseMs: this.options.baseBackoffMs ?? 1000,
      maxMs: this.options.maxBackoffMs,
      retryAfterMs: retryAfter?.pauseMs,
      random: this.deps.random,
    });
    // The status and fixed words only: the SDK's message can echo the card or the response body.
    const rescheduled = await scheduleOutboxRetry(this.deps.db, message, new Date(this.now().getTime() + delay), deliveryFailureReason(failure), { refused: failure.refusedForGood });
    if (!rescheduled) {
      // Another attempt took the message over after this one's claim expired: its outcome stands.
      log.warn({ status: failure.status, ...describeError(err) }, 'outbox delivery failed after its claim expired; left to the attempt that took it over');
      return;
    }
    log.warn({ status: failure.status, retryInMs: delay, ...describeError(err) }, 'outbox delivery failed; will retry');
    if (!message.alertedAt && (failures >= this.options.alertAfterAttempts || failure.needsAttention)) {
      await this.raiseDeliveryAlert(message, failure, failures).catch((alertErr) => log.error(describeError(alertErr), 'could not raise delivery alert'));
    }
  }

  /**
   * Tells the admins that a delivery is not getting through, and a concern's reporter when it
   * is the concern's own delivery (the DSL channel's card, or the headteacher's or chair's copy
   * of a concern about an adult) that fails: a secondary copy (the DPO's, the IT manager's)
   * failing leaves the concern with its recipient, so the reporter is not told otherwise.
   */
  private async raiseDeliveryAlert(message: OutboxMessage, failure: DeliveryError, failures: number): Promise<void> {
    const { db } = this.deps;
    await db.transaction(async (tx) => {
      const concernId = typeof message.payload.concernId === 'string' ? message.payload.concernId : undefined;
      const isConcern = message.kind === OUTBOX_KINDS.concernToChannel || message.kind === OUTBOX_KINDS.concernToPerson;
      const concern = concernId && isConcern ? await this.deps.concerns.get(tx, message.tenantId, concernId) : undefined;
      const tellReporter = concern !== undefined && isPrimaryDelivery(message, concern.recipient);
      await alertAdmins(
        tx,
        message.tenantId,
        'delivery-failing',
        deliveryAlertText(failure, failures, message.targetKey === DSL_CHANNEL_TARGET, message.bulk && failure.refusedForGood ? BULK_REFUSALS_BEFORE_ABANDONING : undefined),
        concern?.reference,
      );
      if (concern && tellReporter) {
        await enqueueOutbox(tx, {
          tenantId: message.tenantId,
          idempotencyKey: `concern:${concern.concernId}:reporter-not-delivered`,
          kind: OUTBOX_KINDS.reporterNotDelivered,
          targetKey: userTarget(concern.reporter.aadObjectId),
          // The notice names the recipient it has not reached (and whom to speak to instead).
          payload: { reference: concern.reference, aadObjectId: concern.reporter.aadObjectId, recipient: concern.recipient },
        });
      }
      await markOutboxAlerted(tx, message.outboxId, this.now());
    });
  }
}

/** The delivery that takes a concern to its recipient: the DSL channel's card, or the recipient's own copy. */
function isPrimaryDelivery(message: OutboxMessage, recipient: RecipientRole): boolean {
  if (message.kind === OUTBOX_KINDS.concernToChannel) return recipient === 'dsl-team';
  return message.kind === OUTBOX_KINDS.concernToPerson && recipient !== 'dsl-team' && message.payload.role === recipient && message.payload.view === 'full';
}
