import { createHash } from 'node:crypto';

/** The hash before the first event of every concern. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an event's hash covers (the details as stored, i.e. ciphertext). */
export interface HashedEventFields {
  tenantId: string;
  concernId: string;
  seq: number;
  type: string;
  actorAadId: string;
  actorName: string;
  occurredAt: Date;
  detailsSealed: string;
}

export function hashEvent(prevHash: string, event: HashedEventFields): string {
  // A fixed field order (not JSON.stringify of an object) so the hash never depends on key order.
  const canonical = JSON.stringify([
    prevHash,
    event.tenantId,
    event.concernId,
    event.seq,
    event.type,
    event.actorAadId,
    event.actorName,
    event.occurredAt.toISOString(),
    event.detailsSealed,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export interface StoredEvent extends HashedEventFields {
  prevHash: string;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; events: number; headHash: string }
  | { ok: false; brokenAtSeq: number; reason: string };

/**
 * Checks a concern's chronology: consecutive sequence numbers from 1, each event's prev_hash
 * equal to the previous event's hash, each hash recomputed from its fields, and the count and
 * head hash the concern row records (so removing the newest event is detected too).
 */
export function verifyChain(events: readonly StoredEvent[], recorded: { count: number; headHash: string }): ChainVerdict {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const expectedSeq = i + 1;
    if (event.seq !== expectedSeq) return { ok: false, brokenAtSeq: expectedSeq, reason: `event ${expectedSeq} is missing` };
    if (event.prevHash !== prev) return { ok: false, brokenAtSeq: event.seq, reason: `event ${event.seq} does not follow event ${event.seq - 1}` };
    if (hashEvent(prev, event) !== event.hash) return { ok: false, brokenAtSeq: event.seq, reason: `event ${event.seq} was modified after it was written` };
    prev = event.hash;
  }
  if (events.length < recorded.count) return { ok: false, brokenAtSeq: events.length + 1, reason: `event ${events.length + 1} is missing (the concern records ${recorded.count})` };
  if (events.length > recorded.count || prev !== recorded.headHash) {
    return { ok: false, brokenAtSeq: events.length, reason: 'the chronology does not end where the concern record says it does' };
  }
  return { ok: true, events: events.length, headHash: prev };
}
