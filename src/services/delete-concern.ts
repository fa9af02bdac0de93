import { createHash } from 'node:crypto';
import type { Db } from '../store/db';
import { holdInForce, type LegalHold, lockTenantHolds } from '../store/legal-hold.repo';
import { allowPurgeInTransaction, deleteConcern, recordConcernDeletion } from '../store/retention.repo';

/**
 * Deleting one concern about an adult by hand, in two steps: a preview with a confirmation code,
 * then the deletion with that code. The retention purge never deletes these (KCSIE's period
 * needs the person's age), but some must go sooner: a malicious allegation is removed from the
 * person's records. Only a closed concern about an adult, not on legal hold, qualifies; the
 * concern goes as a purge takes it (chronology, pupils, data key) and a tombstone stays.
 */
export interface DeletionRequest {
  tenantId: string;
  reference: string;
  reason: string;
  /** Who decided it, as given (`--by`). */
  by: string;
}

export interface DeletionPreview {
  reference: string;
  about: string;
  status: string;
  recordedAt: Date;
  events: number;
  /** Names this concern as it is now, and this reason and decider: a change since needs a new preview. */
  code: string;
}

export type DeletionCheck =
  | { kind: 'ready'; preview: DeletionPreview; concernId: string }
  | { kind: 'no-such-concern' }
  | { kind: 'about-a-pupil' }
  | { kind: 'not-closed'; status: string }
  | { kind: 'on-legal-hold'; hold: LegalHold };

export type DeletionOutcome = Exclude<DeletionCheck, { kind: 'ready' }> | { kind: 'code-mismatch' } | { kind: 'deleted'; preview: DeletionPreview; counts: Record<string, number> };

async function check(db: Db, request: DeletionRequest, lock: boolean): Promise<DeletionCheck> {
  const [row] = await db.query<{ concern_id: string; about: string; status: string; created_at: string | Date; event_count: number; head_hash: string }>(
    `SELECT concern_id::text AS concern_id, about, status, created_at, event_count, head_hash FROM concerns WHERE tenant_id = $1 AND reference = $2${lock ? ' FOR UPDATE' : ''}`,
    [request.tenantId, request.reference],
  );
  if (!row) return { kind: 'no-such-concern' };
  if (row.about === 'pupil') return { kind: 'about-a-pupil' };
  if (row.status !== 'closed') return { kind: 'not-closed', status: row.status };
  const hold = await holdInForce(db, request.tenantId, row.concern_id);
  if (hold) return { kind: 'on-legal-hold', hold };
  const code = createHash('sha256')
    .update(JSON.stringify([request.tenantId, row.concern_id, request.reference, Number(row.event_count), row.head_hash, request.reason, request.by]))
    .digest('hex')
    .slice(0, 12);
  return {
    kind: 'ready',
    concernId: row.concern_id,
    preview: { reference: request.reference, about: row.about, status: row.status, recordedAt: new Date(row.created_at), events: Number(row.event_count), code },
  };
}

/** Step one: what would be deleted, and the code that confirms it. Changes nothing. */
export function previewConcernDeletion(db: Db, request: DeletionRequest): Promise<DeletionCheck> {
  return check(db, request, false);
}

/** Step two: deletes the concern if it is still exactly what the preview with `code` showed. */
export function deleteConcernByHand(db: Db, request: DeletionRequest, code: string, now: Date): Promise<DeletionOutcome> {
  return db.transaction(async (tx) => {
    // The purge's locks (deleteConcern), in its order: the tenant's hold lock, then the row's.
    await lockTenantHolds(tx, request.tenantId, 'purge');
    const checked = await check(tx, request, true);
    if (checked.kind !== 'ready') return checked;
    if (checked.preview.code !== code) return { kind: 'code-mismatch' };
    await allowPurgeInTransaction(tx);
    const counts = await deleteConcern(tx, request.tenantId, checked.concernId, undefined);
    if (!counts.concerns) return { kind: 'code-mismatch' };
    await recordConcernDeletion(tx, { tenantId: request.tenantId, reference: request.reference, about: checked.preview.about, reason: request.reason, deletedBy: request.by, deletedAt: now, counts });
    return { kind: 'deleted', preview: checked.preview, counts };
  });
}
