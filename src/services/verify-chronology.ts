import type { Db } from '../store/db';
import { listStoredEvents } from '../store/concern.repo';
import { listChronologyHeads } from '../store/concern-key.repo';
import { listConcernDeletions, listConcernPurges } from '../store/retention.repo';
import { type ChainVerdict, type ChronologyKeys, verifyChain } from '../domain/concerns/chronology';
import {
  type AnchorVerdict,
  buildCheckpoint,
  type CheckpointEntry,
  type ChronologyCheckpoint,
  compareWithAnchor,
} from '../domain/concerns/chronology-checkpoint';

export interface ChronologyCheck {
  tenantId: string;
  concernId: string;
  reference: string;
  verdict: ChainVerdict;
  /** The stored events' hashes in sequence order: what a checkpoint anchors. */
  hashes: string[];
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
    checks.push({ tenantId: head.tenantId, concernId: head.concernId, reference: head.reference, verdict: verifyChain(events, recorded, keys), hashes: events.map((e) => e.hash) });
  }
  return checks;
}

/** A checkpoint of the chronologies just checked: only when every one of them holds. */
export function checkpointOf(checks: readonly ChronologyCheck[], writtenAt: Date): ChronologyCheckpoint | null {
  const entries: CheckpointEntry[] = [];
  for (const c of checks) {
    if (!c.verdict.ok) return null;
    if (c.hashes.length) entries.push({ tenantId: c.tenantId, concernId: c.concernId, reference: c.reference, events: c.hashes.length, headHash: c.hashes[c.hashes.length - 1] });
  }
  return buildCheckpoint(entries, writtenAt);
}

export interface AnchorCheck {
  entry: CheckpointEntry;
  verdict: AnchorVerdict;
}

/**
 * Compares each anchored chronology (of the checked tenant or concern, when the check was
 * narrowed) with the one stored now. A concern that is gone is looked up in the retention
 * purges' record, then in the deletions by hand.
 */
export async function compareWithCheckpoint(
  db: Db,
  checkpoint: ChronologyCheckpoint,
  checks: readonly ChronologyCheck[],
  filter: { tenantId?: string; reference?: string } = {},
): Promise<AnchorCheck[]> {
  const stored = new Map(checks.map((c) => [`${c.tenantId}/${c.concernId}`, c.hashes]));
  const anchored = checkpoint.concerns.filter((e) => (!filter.tenantId || e.tenantId === filter.tenantId) && (!filter.reference || e.reference === filter.reference));
  const gone = anchored.filter((e) => !stored.has(`${e.tenantId}/${e.concernId}`));
  const purges = await listConcernPurges(db, gone.map((e) => ({ tenantId: e.tenantId, reference: e.reference })));
  const deletions = await listConcernDeletions(db, gone.map((e) => ({ tenantId: e.tenantId, reference: e.reference })));
  return anchored.map((entry) => ({
    entry,
    verdict: compareWithAnchor(entry, stored.get(`${entry.tenantId}/${entry.concernId}`) ?? null, purges.get(`${entry.tenantId}/${entry.reference}`) ?? null, deletions.get(`${entry.tenantId}/${entry.reference}`) ?? null),
  }));
}
