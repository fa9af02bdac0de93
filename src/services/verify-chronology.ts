import type { Db } from '../store/db';
import { listStoredEvents } from '../store/concern.repo';
import { listChronologyHeads } from '../store/concern-key.repo';
import { type ChainVerdict, verifyChain } from '../domain/concerns/chronology';

export interface ChronologyCheck {
  tenantId: string;
  reference: string;
  verdict: ChainVerdict;
}

/**
 * Recomputes the hash chain of each concern's chronology (one concern by reference, or all)
 * against the count and head hash the concern row records. Works on ciphertext: no key needed.
 */
export async function verifyChronologies(db: Db, filter: { tenantId?: string; reference?: string } = {}): Promise<ChronologyCheck[]> {
  const heads = await listChronologyHeads(db, filter);
  const checks: ChronologyCheck[] = [];
  for (const head of heads) {
    const events = await listStoredEvents(db, head.tenantId, head.concernId);
    checks.push({ tenantId: head.tenantId, reference: head.reference, verdict: verifyChain(events, { count: head.eventCount, headHash: head.headHash }) });
  }
  return checks;
}
