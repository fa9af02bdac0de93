import type { Person } from '../domain/concerns/concern';
import type { ConcernRepository } from '../store/concern.repo';
import type { Db } from '../store/db';
import { insertHold, type LegalHold, listHoldsInForce, lockTenantHolds, releaseHold } from '../store/legal-hold.repo';

/** The chronology event types of a concern's own legal hold. */
export const LEGAL_HOLD_EVENT_TYPES = { placed: 'legal-hold-placed', released: 'legal-hold-released' } as const;

export interface LegalHoldDeps {
  db: Db;
  concerns: ConcernRepository;
  now: () => Date;
}

export interface LegalHoldChange {
  tenantId: string;
  /** A concern's reference; undefined for the tenant-wide hold (every concern of the school). */
  reference?: string;
  reason: string;
  actor: Person;
}

export type LegalHoldOutcome =
  | { kind: 'done'; hold: LegalHold }
  | { kind: 'no-such-concern' }
  /** Placing: a hold of that scope is already in force (this is it). */
  | { kind: 'already-held'; hold: LegalHold }
  /** Releasing: no hold of that scope is in force. */
  | { kind: 'not-held' };

/**
 * Places a legal hold. A concern's hold is written in its chronology in the same transaction,
 * under the concern row's lock (which the purge takes too), so a purge either ran before or
 * sees the hold. A tenant-wide hold takes the tenant's hold lock for the same reason.
 */
export async function placeLegalHold(deps: LegalHoldDeps, change: LegalHoldChange): Promise<LegalHoldOutcome> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    if (change.reference === undefined) {
      await lockTenantHolds(tx, change.tenantId, 'change');
      const { tenantWide } = await listHoldsInForce(tx, change.tenantId);
      if (tenantWide) return { kind: 'already-held', hold: tenantWide };
      return { kind: 'done', hold: await insertHold(tx, change.tenantId, undefined, { reason: change.reason, placedBy: change.actor.name, placedAt: now }) };
    }
    const concern = await lockConcern(tx, change.tenantId, change.reference);
    if (!concern) return { kind: 'no-such-concern' };
    const existing = (await listHoldsInForce(tx, change.tenantId)).byConcern.get(concern.concernId);
    if (existing) return { kind: 'already-held', hold: existing };
    const hold = await insertHold(tx, change.tenantId, concern, { reason: change.reason, placedBy: change.actor.name, placedAt: now });
    const dataKey = await deps.concerns.dataKey(tx, change.tenantId, concern.concernId);
    await deps.concerns.appendEvent(tx, change.tenantId, concern.concernId, dataKey, { type: LEGAL_HOLD_EVENT_TYPES.placed, actor: change.actor, occurredAt: now, details: { reason: change.reason } });
    return { kind: 'done', hold };
  });
}

/** Releases a legal hold (the concern's own, or the tenant-wide one): the concern may then be purged when due. */
export async function releaseLegalHold(deps: LegalHoldDeps, change: LegalHoldChange): Promise<LegalHoldOutcome> {
  const now = deps.now();
  const release = { reason: change.reason, releasedBy: change.actor.name, releasedAt: now };
  return deps.db.transaction(async (tx) => {
    if (change.reference === undefined) {
      await lockTenantHolds(tx, change.tenantId, 'change');
      const { tenantWide } = await listHoldsInForce(tx, change.tenantId);
      if (!tenantWide) return { kind: 'not-held' };
      await releaseHold(tx, change.tenantId, tenantWide.holdId, release);
      return { kind: 'done', hold: tenantWide };
    }
    const concern = await lockConcern(tx, change.tenantId, change.reference);
    if (!concern) return { kind: 'no-such-concern' };
    const hold = (await listHoldsInForce(tx, change.tenantId)).byConcern.get(concern.concernId);
    if (!hold) return { kind: 'not-held' };
    await releaseHold(tx, change.tenantId, hold.holdId, release);
    const dataKey = await deps.concerns.dataKey(tx, change.tenantId, concern.concernId);
    await deps.concerns.appendEvent(tx, change.tenantId, concern.concernId, dataKey, { type: LEGAL_HOLD_EVENT_TYPES.released, actor: change.actor, occurredAt: now, details: { reason: change.reason } });
    return { kind: 'done', hold };
  });
}

async function lockConcern(tx: Db, tenantId: string, reference: string): Promise<{ concernId: string; reference: string } | undefined> {
  const [row] = await tx.query<{ concern_id: string; reference: string }>(
    'SELECT concern_id::text AS concern_id, reference FROM concerns WHERE tenant_id = $1 AND reference = $2 FOR UPDATE',
    [tenantId, reference],
  );
  return row && { concernId: row.concern_id, reference: row.reference };
}
