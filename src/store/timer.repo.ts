import type { Db } from './db';

export type TimerKind = 'escalate-dsls' | 'escalate-headteacher';

export interface Timer {
  tenantId: string;
  timerId: number;
  kind: TimerKind;
  concernId: string;
  dueAt: Date;
  attempts: number;
}

function toTimer(r: Record<string, unknown>): Timer {
  return {
    tenantId: r.tenant_id as string,
    timerId: Number(r.timer_id),
    kind: r.kind as TimerKind,
    concernId: r.concern_id as string,
    dueAt: new Date(r.due_at as string),
    attempts: Number(r.attempts),
  };
}

/**
 * Arms the first escalation timer of every urgent DSL-team concern nobody has acknowledged,
 * due `minutes` after it was reported. Derived from the committed concerns, so a crash between
 * the report and the timer cannot lose it; the unique key makes arming twice a no-op.
 */
export async function armEscalationTimers(db: Db, minutes: number): Promise<number> {
  const rows = await db.query(
    `INSERT INTO timers (tenant_id, kind, concern_id, due_at)
     SELECT c.tenant_id, 'escalate-dsls', c.concern_id, c.created_at + make_interval(mins => $1::int)
     FROM concerns c
     WHERE c.status = 'new' AND c.urgency = 'urgent' AND c.recipient = 'dsl-team'
       AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.tenant_id = c.tenant_id AND t.concern_id = c.concern_id AND t.kind = 'escalate-dsls')
     ON CONFLICT (tenant_id, kind, concern_id) DO NOTHING
     RETURNING timer_id`,
    [minutes],
  );
  return rows.length;
}

export async function scheduleTimer(tx: Db, t: { tenantId: string; kind: TimerKind; concernId: string; dueAt: Date }): Promise<void> {
  await tx.query(
    `INSERT INTO timers (tenant_id, kind, concern_id, due_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, kind, concern_id) DO NOTHING`,
    [t.tenantId, t.kind, t.concernId, t.dueAt],
  );
}

/** Claims due timers with a lease (a crashed scheduler's claim expires and another pass retries). */
export async function claimDueTimers(db: Db, now: Date, limit: number, leaseMs: number): Promise<Timer[]> {
  const rows = await db.query<Record<string, unknown>>(
    `UPDATE timers SET lease_until = $1::timestamptz + make_interval(secs => $3::double precision / 1000), attempts = attempts + 1
     WHERE timer_id IN (
       SELECT timer_id FROM timers
       WHERE status = 'pending' AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
       ORDER BY due_at, timer_id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [now, limit, leaseMs],
  );
  return rows.map(toTimer).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.timerId - b.timerId);
}

/** Marks a claimed timer fired; false if it was meanwhile cancelled (nothing then happens). */
export async function markTimerFired(tx: Db, timerId: number, now: Date): Promise<boolean> {
  const rows = await tx.query(`UPDATE timers SET status = 'fired', fired_at = $2, lease_until = NULL WHERE timer_id = $1 AND status = 'pending' RETURNING 1`, [timerId, now]);
  return rows.length > 0;
}

export async function markTimerCancelled(tx: Db, timerId: number, now: Date): Promise<void> {
  await tx.query(`UPDATE timers SET status = 'cancelled', cancelled_at = $2, lease_until = NULL WHERE timer_id = $1 AND status = 'pending'`, [timerId, now]);
}

/** Cancels a concern's pending timers (it was acknowledged or closed). */
export async function cancelConcernTimers(tx: Db, tenantId: string, concernId: string, now: Date): Promise<number> {
  const rows = await tx.query(
    `UPDATE timers SET status = 'cancelled', cancelled_at = $3, lease_until = NULL WHERE tenant_id = $1 AND concern_id = $2 AND status = 'pending' RETURNING 1`,
    [tenantId, concernId, now],
  );
  return rows.length;
}

export async function listTimers(db: Db, tenantId: string, concernId: string): Promise<(Timer & { status: string })[]> {
  const rows = await db.query<Record<string, unknown>>('SELECT * FROM timers WHERE tenant_id = $1 AND concern_id = $2 ORDER BY timer_id', [tenantId, concernId]);
  return rows.map((r) => ({ ...toTimer(r), status: r.status as string }));
}
