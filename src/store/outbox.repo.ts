import type { Db } from './db';

/**
 * Claim order: lower first (the column's default is safeguarding). Urgent is below the default,
 * so rows queued before it existed keep their place and no migration was needed.
 */
const OUTBOX_PRIORITY = { urgent: -1, safeguarding: 0, bulk: 1 } as const;

/** A message's claim priority (the `priority` column). */
export const priorityOf = (m: Pick<NewOutboxMessage, 'bulk' | 'urgent'>): number => (m.bulk ? OUTBOX_PRIORITY.bulk : m.urgent ? OUTBOX_PRIORITY.urgent : OUTBOX_PRIORITY.safeguarding);

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'held' | 'abandoned';

export interface OutboxMessage {
  tenantId: string;
  outboxId: number;
  idempotencyKey: string;
  kind: string;
  targetKey: string;
  payload: Record<string, unknown>;
  status: OutboxStatus;
  /** Claims so far, this one included: the fence for outcomes (see OutboxClaim). */
  attempts: number;
  /** Claims that ended in a 429 or were put back unsent because of one: not failures of the message. */
  throttledAttempts: number;
  /** Failed claims Teams refused for good (400, 403, 404, 413): a bulk notice is given up after a few. */
  refusedAttempts: number;
  nextAttemptAt: Date;
  lastError?: string;
  result?: Record<string, unknown>;
  alertedAt?: Date;
  createdAt: Date;
  sentAt?: Date;
  /** A bulk notice (see NewOutboxMessage.bulk). */
  bulk: boolean;
  /** An urgent delivery (see NewOutboxMessage.urgent). */
  urgent: boolean;
  /**
   * Set by `claimDueOutbox` when this claim took over an expired `sending` lease: the previous
   * attempt's outcome is unknown (the process died, or hung, between sending and recording),
   * so Teams may already show the message. See docs/security.md, "Delivery guarantees".
   */
  reclaimed?: boolean;
}

export interface NewOutboxMessage {
  tenantId: string;
  idempotencyKey: string;
  kind: string;
  targetKey: string;
  payload: Record<string, unknown>;
  held?: boolean;
  /**
   * A notice sent in bulk (one per file owner, one per admin): claimed only after every due
   * safeguarding message, so a concern never waits behind a thousand digests.
   */
  bulk?: boolean;
  /**
   * Urgent: an urgent concern's own delivery (its card to the DSL channel and the @mention under
   * it, the headteacher's or chair's copy) or an escalation notice. Claimed before every other
   * due message, so after an outage it goes first, not behind the ordinary backlog.
   */
  urgent?: boolean;
}

function toMessage(r: Record<string, unknown>): OutboxMessage {
  return {
    tenantId: r.tenant_id as string,
    outboxId: Number(r.outbox_id),
    idempotencyKey: r.idempotency_key as string,
    kind: r.kind as string,
    targetKey: r.target_key as string,
    payload: r.payload as Record<string, unknown>,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    throttledAttempts: Number(r.throttled_attempts ?? 0),
    refusedAttempts: Number(r.refused_attempts ?? 0),
    nextAttemptAt: new Date(r.next_attempt_at as string),
    lastError: (r.last_error as string | null) ?? undefined,
    result: (r.result as Record<string, unknown> | null) ?? undefined,
    alertedAt: r.alerted_at ? new Date(r.alerted_at as string) : undefined,
    createdAt: new Date(r.created_at as string),
    sentAt: r.sent_at ? new Date(r.sent_at as string) : undefined,
    bulk: Number(r.priority ?? OUTBOX_PRIORITY.safeguarding) >= OUTBOX_PRIORITY.bulk,
    urgent: Number(r.priority ?? OUTBOX_PRIORITY.safeguarding) <= OUTBOX_PRIORITY.urgent,
    reclaimed: r.claimed_from === undefined ? undefined : r.claimed_from === 'sending',
  };
}

/**
 * The outbox rows of one tenant as a data-modifying CTE body, for a caller that writes them in
 * the same statement as what they deliver (the intake's concern insert): one round trip, and
 * atomic without BEGIN/COMMIT. `tenantParam` is the tenant's parameter; the rows' arrays are
 * appended to `params`; `onlyIf` names a CTE of the statement that must have a row for anything
 * to be written. Same semantics as enqueueOutbox: a repeated key is a no-op.
 */
export function outboxInsertCte(tenantParam: string, messages: readonly NewOutboxMessage[], params: unknown[], onlyIf?: string): string {
  const first = params.length + 1;
  params.push(
    messages.map((m) => m.idempotencyKey),
    messages.map((m) => m.kind),
    messages.map((m) => m.targetKey),
    messages.map((m) => JSON.stringify(m.payload)),
    messages.map((m) => (m.held ? 'held' : 'pending')),
    messages.map(priorityOf),
  );
  const [key, kind, target, payload, status] = [0, 1, 2, 3, 4].map((i) => `$${first + i}::text[]`);
  const priority = `$${first + 5}::smallint[]`;
  return `INSERT INTO outbox (tenant_id, idempotency_key, kind, target_key, payload, status, priority)
         SELECT ${tenantParam}, o.idempotency_key, o.kind, o.target_key, o.payload::jsonb, o.status, o.priority
         FROM unnest(${key}, ${kind}, ${target}, ${payload}, ${status}, ${priority}) WITH ORDINALITY AS o(idempotency_key, kind, target_key, payload, status, priority, position)${onlyIf ? ` CROSS JOIN ${onlyIf}` : ''}
         ORDER BY o.position
         ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`;
}

/** Rows per statement when queueing many (the embedded store runs each on the app's thread). */
const OUTBOX_ROWS_PER_STATEMENT = 1_000;

/** Enqueues many deliveries of one tenant in a few statements; a repeated key is a no-op. */
export async function enqueueOutboxMany(db: Db, tenantId: string, messages: readonly NewOutboxMessage[]): Promise<void> {
  if (messages.some((m) => m.tenantId !== tenantId)) throw new Error('enqueueOutboxMany: every message must be for the given tenant');
  for (let i = 0; i < messages.length; i += OUTBOX_ROWS_PER_STATEMENT) {
    const params: unknown[] = [tenantId];
    await db.query(outboxInsertCte('$1', messages.slice(i, i + OUTBOX_ROWS_PER_STATEMENT), params), params);
  }
}

/** Enqueues a delivery; enqueueing the same idempotency key again is a no-op. */
export async function enqueueOutbox(db: Db, m: NewOutboxMessage): Promise<void> {
  await enqueueOutboxMany(db, m.tenantId, [m]);
}

/**
 * Claims due messages for sending: at most one per conversation (the oldest undelivered one,
 * so each conversation receives its messages in order), urgent messages first, then the other
 * safeguarding messages, then bulk notices, and oldest first within each, skipping rows another worker holds. Returned in that order.
 * A row left in `sending` by a crashed worker is claimable again once its lease expires.
 */
export async function claimDueOutbox(db: Db, now: Date, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
  // One statement is its own transaction (the row locks last until it ends): no BEGIN/COMMIT
  // round trips on the worker's hottest path.
  const rows = await db.query<Record<string, unknown>>(
    `WITH heads AS (
       SELECT DISTINCT ON (tenant_id, target_key) outbox_id, tenant_id, target_key, status, priority, next_attempt_at, lease_until
       FROM outbox
       WHERE status IN ('pending', 'sending', 'held')
       ORDER BY tenant_id, target_key, outbox_id
     ), due AS (
       SELECT outbox_id, status AS claimed_from FROM heads
       WHERE (status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1)
          OR (status = 'held' AND target_key = 'dsl-channel' AND EXISTS (SELECT 1 FROM dsl_channels d WHERE d.tenant_id = heads.tenant_id))
       ORDER BY priority, next_attempt_at, outbox_id
       LIMIT $2
     )
     UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, lease_until = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
     FROM due WHERE o.outbox_id = due.outbox_id
       AND o.outbox_id IN (
         -- Rechecked on the row as it is when locked: a worker whose claim committed after this
         -- statement's snapshot has moved it on, and it must not be claimed twice.
         SELECT outbox_id FROM outbox
         WHERE outbox_id = due.outbox_id AND status = due.claimed_from
           AND (status <> 'pending' OR next_attempt_at <= $1) AND (status <> 'sending' OR lease_until <= $1)
         FOR UPDATE SKIP LOCKED)
     RETURNING o.*, due.claimed_from`,
    [now, limit, leaseMs],
  );
  // In sending order: urgent first, then safeguarding, then bulk, each as queued.
  return rows.map(toMessage).sort((a, b) => priorityOf(a) - priorityOf(b) || a.outboxId - b.outboxId);
}

/**
 * The claim a worker holds on a message: its id and the attempt number the claim gave it. A claim
 * taken over after its lease expired (another worker, or this one after a hang) has a higher
 * attempt number, so the first worker's late outcome no longer applies: without this fence, a
 * send that failed after the row was re-claimed and sent put it back to pending, and it was
 * posted again; a late success overwrote the activity id its updates go to.
 */
export type OutboxClaim = Pick<OutboxMessage, 'outboxId' | 'attempts'>;

/** Records a delivery; false when the claim is no longer ours (nothing written). */
export async function markOutboxSent(db: Db, claim: OutboxClaim, result: Record<string, unknown>, now: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE outbox SET status = 'sent', result = $2, sent_at = $3, lease_until = NULL, last_error = NULL
     WHERE outbox_id = $1 AND status = 'sending' AND attempts = $4 RETURNING outbox_id`,
    [claim.outboxId, JSON.stringify(result), now, claim.attempts],
  );
  return rows.length > 0;
}

/**
 * Puts a claimed message back to be tried again; false when the claim is no longer ours (nothing
 * written). `throttled`: the claim ended because Teams is throttling the app, which is not a
 * failure of the message (it does not count towards its back-off or its alert). `refused`:
 * Teams refused it for good (counted in `refused_attempts`).
 */
export async function scheduleOutboxRetry(
  db: Db,
  claim: OutboxClaim,
  nextAttemptAt: Date,
  error: string,
  options: { throttled?: boolean; refused?: boolean } = {},
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE outbox SET status = 'pending', next_attempt_at = $2, last_error = $3, lease_until = NULL,
       throttled_attempts = throttled_attempts + CASE WHEN $5::boolean THEN 1 ELSE 0 END,
       refused_attempts = refused_attempts + CASE WHEN $6::boolean THEN 1 ELSE 0 END
     WHERE outbox_id = $1 AND status = 'sending' AND attempts = $4 RETURNING outbox_id`,
    [claim.outboxId, nextAttemptAt, error.slice(0, 500), claim.attempts, options.throttled === true, options.refused === true],
  );
  return rows.length > 0;
}

/**
 * Gives up on a claimed bulk notice Teams keeps refusing for good (never a safeguarding
 * message: those are retried for ever); false when the claim is no longer ours.
 */
export async function abandonOutbox(db: Db, claim: OutboxClaim, error: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE outbox SET status = 'abandoned', last_error = $2, lease_until = NULL, refused_attempts = refused_attempts + 1
     WHERE outbox_id = $1 AND status = 'sending' AND attempts = $3 AND priority >= $4 RETURNING outbox_id`,
    [claim.outboxId, error.slice(0, 500), claim.attempts, OUTBOX_PRIORITY.bulk],
  );
  return rows.length > 0;
}

/** Extends a claim still being worked on (a send Teams has not answered yet); false when it is no longer ours. */
export async function renewOutboxLease(db: Db, claim: OutboxClaim, leaseUntil: Date): Promise<boolean> {
  const rows = await db.query(`UPDATE outbox SET lease_until = $2 WHERE outbox_id = $1 AND status = 'sending' AND attempts = $3 RETURNING outbox_id`, [
    claim.outboxId,
    leaseUntil,
    claim.attempts,
  ]);
  return rows.length > 0;
}

export async function markOutboxAlerted(db: Db, outboxId: number, now: Date): Promise<void> {
  await db.query('UPDATE outbox SET alerted_at = $2 WHERE outbox_id = $1', [outboxId, now]);
}

/** Releases messages that were waiting for configuration (e.g. the DSL channel to be registered). */
export async function releaseHeldOutbox(db: Db, tenantId: string, targetKey: string): Promise<number> {
  const rows = await db.query(
    `UPDATE outbox SET status = 'pending', next_attempt_at = date_trunc('milliseconds', now()) WHERE tenant_id = $1 AND target_key = $2 AND status = 'held' RETURNING outbox_id`,
    [tenantId, targetKey],
  );
  return rows.length;
}

export async function getOutboxByKey(db: Db, tenantId: string, idempotencyKey: string): Promise<OutboxMessage | undefined> {
  const [row] = await db.query<Record<string, unknown>>('SELECT * FROM outbox WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, idempotencyKey]);
  return row ? toMessage(row) : undefined;
}

export async function listOutbox(db: Db, tenantId: string): Promise<OutboxMessage[]> {
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM outbox WHERE tenant_id = $1 ORDER BY outbox_id', [tenantId]);
  return rows.map(toMessage);
}

/** Undelivered messages (pending or being sent) and held ones, for metrics. */
export async function countUndeliveredOutbox(db: Db): Promise<{ pending: number; held: number }> {
  const [row] = await db.query<{ pending: number; held: number }>(
    `SELECT count(*) FILTER (WHERE status IN ('pending', 'sending'))::int AS pending, count(*) FILTER (WHERE status = 'held')::int AS held FROM outbox`,
  );
  return { pending: Number(row?.pending ?? 0), held: Number(row?.held ?? 0) };
}

/** Seconds the oldest undelivered message has waited (for /readyz and metrics). */
export async function outboxLagSeconds(db: Db, now: Date): Promise<number> {
  const [row] = await db.query<{ oldest: string | Date | null }>(`SELECT min(created_at) AS oldest FROM outbox WHERE status IN ('pending', 'sending')`);
  if (!row?.oldest) return 0;
  return Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000);
}
