import { createHash } from 'node:crypto';

/**
 * An anchor for the chronologies kept outside the database. The chain and its keyed seal show a
 * change made without the master key; they cannot show a chronology rewritten entirely as an
 * older unkeyed one with its seal removed, a restore to an earlier state, or a concern deleted
 * with its events. A checkpoint records where each chronology ended (event count and that
 * event's hash); kept elsewhere, with its digest written down (governors' minutes, say), it
 * shows later whether every anchored event is still there, unchanged.
 *
 * It holds references and hashes only: no names, no narrative.
 */
export const CHECKPOINT_FORMAT = 'jigsaw-chronology-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointEntry {
  tenantId: string;
  concernId: string;
  reference: string;
  /** Events in the chronology when the checkpoint was written. */
  events: number;
  /** The hash of the last of them (event `events`). */
  headHash: string;
}

export interface ChronologyCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  writtenAt: string;
  concerns: CheckpointEntry[];
  /** SHA-256 of the rest of the file (`checkpointDigest`): the short value to keep elsewhere. */
  digest: string;
}

/** SHA-256 over the checkpoint's content in a fixed order, so key order in the file does not matter. */
export function checkpointDigest(checkpoint: Omit<ChronologyCheckpoint, 'digest'>): string {
  const canonical = JSON.stringify([
    checkpoint.format,
    checkpoint.version,
    checkpoint.writtenAt,
    checkpoint.concerns.map((c) => [c.tenantId, c.concernId, c.reference, c.events, c.headHash]),
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function buildCheckpoint(entries: readonly CheckpointEntry[], writtenAt: Date): ChronologyCheckpoint {
  const body = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, writtenAt: writtenAt.toISOString(), concerns: entries.map((e) => ({ ...e })) } satisfies Omit<ChronologyCheckpoint, 'digest'>;
  return { ...body, digest: checkpointDigest(body) };
}

export type ParsedCheckpoint = { ok: true; checkpoint: ChronologyCheckpoint; digestMatches: boolean } | { ok: false; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads a checkpoint file's text; says what is wrong with one that is not a checkpoint. */
export function parseCheckpoint(text: string): ParsedCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'it is not JSON' };
  }
  const v = value as Partial<ChronologyCheckpoint> | null;
  if (!v || typeof v !== 'object' || v.format !== CHECKPOINT_FORMAT) return { ok: false, reason: `it is not a chronology checkpoint (no "format": "${CHECKPOINT_FORMAT}")` };
  if (v.version !== CHECKPOINT_VERSION) return { ok: false, reason: `its version ${String(v.version)} is not one this version reads (${CHECKPOINT_VERSION})` };
  if (typeof v.writtenAt !== 'string' || Number.isNaN(Date.parse(v.writtenAt))) return { ok: false, reason: 'its "writtenAt" is not a date' };
  if (typeof v.digest !== 'string' || !HEX64.test(v.digest)) return { ok: false, reason: 'its "digest" is not a SHA-256 hex digest' };
  if (!Array.isArray(v.concerns)) return { ok: false, reason: 'it has no "concerns" list' };
  const concerns: CheckpointEntry[] = [];
  for (const [i, c] of (v.concerns as unknown[]).entries()) {
    const e = c as Partial<CheckpointEntry> | null;
    const valid =
      e &&
      typeof e.tenantId === 'string' &&
      typeof e.concernId === 'string' &&
      typeof e.reference === 'string' &&
      Number.isInteger(e.events) &&
      (e.events as number) >= 1 &&
      typeof e.headHash === 'string' &&
      HEX64.test(e.headHash);
    if (!valid) return { ok: false, reason: `concern ${i + 1} in it is incomplete (tenantId, concernId, reference, events ≥ 1 and headHash are needed)` };
    concerns.push({ tenantId: e.tenantId!, concernId: e.concernId!, reference: e.reference!, events: e.events!, headHash: e.headHash! });
  }
  const checkpoint: ChronologyCheckpoint = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, writtenAt: v.writtenAt, concerns, digest: v.digest };
  return { ok: true, checkpoint, digestMatches: checkpointDigest(checkpoint) === v.digest };
}

/** What became of one anchored chronology. */
export type AnchorVerdict =
  /** Every anchored event is still there and unchanged (events may have been added since). */
  | { kind: 'held'; eventsSince: number }
  /** Fewer events than were anchored: the newest were removed (or an earlier state restored). */
  | { kind: 'shortened'; events: number }
  /** The anchored event is not the one there now: the chronology was rewritten. */
  | { kind: 'rewritten' }
  /** The concern is gone and the retention purge recorded deleting it. */
  | { kind: 'purged'; purgedAt: Date }
  /** The concern is gone and its deletion by hand is recorded (concern_deletions). */
  | { kind: 'deleted'; deletedAt: Date }
  /** The concern is gone and nothing records a retention purge or a deletion. */
  | { kind: 'missing' };

/**
 * Compares an anchored chronology with the one stored now (its event hashes in sequence order,
 * or null when the concern is gone). Because each hash covers the one before it, the anchored
 * event's hash being unchanged means every event up to it is unchanged too.
 */
export function compareWithAnchor(entry: CheckpointEntry, storedHashes: readonly string[] | null, purgedAt: Date | null, deletedAt: Date | null = null): AnchorVerdict {
  if (storedHashes === null) return purgedAt ? { kind: 'purged', purgedAt } : deletedAt ? { kind: 'deleted', deletedAt } : { kind: 'missing' };
  if (storedHashes.length < entry.events) return { kind: 'shortened', events: storedHashes.length };
  if (storedHashes[entry.events - 1] !== entry.headHash) return { kind: 'rewritten' };
  return { kind: 'held', eventsSince: storedHashes.length - entry.events };
}
