import type { Db } from '../store/db';
import { listStoredEvents } from '../store/concern.repo';
import { listChronologyHeads } from '../store/concern-key.repo';
import { type ChainVerdict, type ChronologyKeys, verifyChain } from '../domain/concerns/chronology';

export interface ChronologyCheck {
  tenantId: string;
  reference: string;
  verdict: ChainVerdict;
}

/**
 * Recomputes the hash chain of each concern's chronology (one concern by reference, or all)
 * against the count, head hash and keyed seal the concern row records. Keyed links need the
 * chronology keys (derived from the master keys); nothing is decrypted.
 */
export async function verifyChronologies(db: Db, keys: ChronologyKeys, filter: { tenantId?: string; reference?: string } = {}): Promise<ChronologyCheck[]> {
  const heads = await listChronologyHeads(db, filter);
  const checks: ChronologyCheck[] = [];
  for (const head of heads) {
    const events = await listStoredEvents(db, head.tenantId, head.concernId);
    const recorded = { tenantId: head.tenantId, concernId: head.concernId, count: head.eventCount, headHash: head.headHash, sealKeyId: head.headKeyId, sealTag: head.headTag };
    checks.push({ tenantId: head.tenantId, reference: head.reference, verdict: verifyChain(events, recorded, keys) });
  }
  return checks;
}
