import type { Db } from './db';

/** Where a message landed in Teams (the outbox row's `result`). */
export interface SentMessage {
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

export interface SentDelivery {
  outboxId: number;
  kind: string;
  targetKey: string;
  payload: Record<string, unknown>;
  sent: SentMessage;
  /** Sent again after an interrupted attempt: Teams may hold an earlier copy (outbox-worker.ts). */
  possibleRepeat: boolean;
  /** Sent as the shortened card: Teams refused the full one as too large (concern-card-delivery.ts). */
  shortened: boolean;
  /** Replaced by "Concern not available": its holder lost access (triage-deliveries.ts). */
  withdrawn: boolean;
}

/**
 * Messages already delivered for a concern, of the given kinds, with where they landed
 * (`result`), so a card can be updated in place.
 */
export async function listSentDeliveries(db: Db, tenantId: string, concernId: string, kinds: readonly string[]): Promise<SentDelivery[]> {
  const rows = await db.query<{ outbox_id: string | number; kind: string; target_key: string; payload: Record<string, unknown>; result: Record<string, unknown> | null }>(
    `SELECT outbox_id, kind, target_key, payload, result FROM outbox
     WHERE tenant_id = $1 AND status = 'sent' AND payload->>'concernId' = $2 AND kind = ANY($3::text[])
     ORDER BY outbox_id`,
    [tenantId, concernId, [...kinds]],
  );
  const out: SentDelivery[] = [];
  for (const r of rows) {
    const result = r.result ?? {};
    if (typeof result.activityId !== 'string' || typeof result.conversationId !== 'string' || typeof result.serviceUrl !== 'string' || !result.activityId) continue;
    out.push({
      outboxId: Number(r.outbox_id),
      kind: r.kind,
      targetKey: r.target_key,
      payload: r.payload,
      sent: { activityId: result.activityId, conversationId: result.conversationId, serviceUrl: result.serviceUrl },
      possibleRepeat: result.possibleRepeat === true,
      shortened: result.shortened === true,
      withdrawn: result.withdrawn === true,
    });
  }
  return out;
}

/**
 * Records on a delivered message whether its card has been replaced by "Concern not available"
 * (its holder lost access), so later updates do not replace it again, or whether it shows the
 * concern again (the holder was given access back).
 */
export async function markDeliveryWithdrawn(db: Db, outboxId: number, withdrawn: boolean): Promise<void> {
  await db.query(`UPDATE outbox SET result = result || jsonb_build_object('withdrawn', $2::boolean) WHERE outbox_id = $1 AND status = 'sent'`, [outboxId, withdrawn]);
}

/** Whether a newer card update for the concern is still waiting (this one can then be skipped). */
export async function hasNewerPendingUpdate(db: Db, tenantId: string, concernId: string, kind: string, outboxId: number): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM outbox WHERE tenant_id = $1 AND kind = $2 AND outbox_id > $4 AND status IN ('pending', 'sending') AND payload->>'concernId' = $3 LIMIT 1`,
    [tenantId, kind, concernId, outboxId],
  );
  return rows.length > 0;
}

/** Where the first delivery of a kind for a concern went (its target key), if any. */
export async function findDeliveryTarget(db: Db, tenantId: string, concernId: string, kind: string): Promise<string | undefined> {
  const [row] = await db.query<{ target_key: string }>(
    `SELECT target_key FROM outbox WHERE tenant_id = $1 AND kind = $2 AND payload->>'concernId' = $3 ORDER BY outbox_id LIMIT 1`,
    [tenantId, kind, concernId],
  );
  return row?.target_key;
}
