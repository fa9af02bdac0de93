import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The hash before the first event of every concern. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * How an event's link was computed. Version 1: plain SHA-256 of the fields (what Jigsaw wrote
 * before keyed chronology; anyone with database access can recompute it). Version 2: HMAC-SHA-256
 * under a key derived from a master key, named by the event. Stored events keep their version:
 * the chronology is append-only, so version 1 events are never rewritten.
 */
export const UNKEYED_HASH_VERSION = 1;
export const KEYED_HASH_VERSION = 2;

/**
 * The HKDF `info` label of the chronology key: the key that signs chronology links is derived
 * from a master key and is never the key that wraps data keys. A new scheme is a new label.
 */
export const CHRONOLOGY_KEY_INFO = 'jigsaw/chronology/hmac-sha256/v2';

/** HKDF-SHA-256 of a master key (no salt: the master keys are uniformly random) for chronology links. */
export function deriveChronologyKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), CHRONOLOGY_KEY_INFO, 32));
}

/**
 * The chronology keys, derived from the configured master keys, by master key id. The keys are
 * held in a private field: they do not show in logs, `util.inspect` or JSON (which give the ids).
 */
export class ChronologyKeys {
  readonly #keys: ReadonlyMap<string, Buffer>;

  private constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    if (!keys.has(activeKeyId)) throw new Error(`active master key ${activeKeyId} is not configured`);
    this.#keys = keys;
  }

  static fromMasterKeys(masterKeys: ReadonlyMap<string, Buffer>, activeKeyId: string): ChronologyKeys {
    return new ChronologyKeys(new Map([...masterKeys].map(([id, key]) => [id, deriveChronologyKey(key)])), activeKeyId);
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** HMAC-SHA-256 (hex) of `message` under the chronology key of `keyId`. */
  mac(keyId: string, message: string): string {
    const key = this.#keys.get(keyId);
    if (!key) throw new Error(`key ${keyId} is not configured`);
    return createHmac('sha256', key).update(message, 'utf8').digest('hex');
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }
}

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

// A fixed field order (not JSON.stringify of an object) so the hash never depends on key order.
const eventFields = (event: HashedEventFields) => [
  event.tenantId,
  event.concernId,
  event.seq,
  event.type,
  event.actorAadId,
  event.actorName,
  event.occurredAt.toISOString(),
  event.detailsSealed,
];

/** Version 1 (unkeyed): verifies events written before keyed chronology. New events are keyed. */
export function hashEvent(prevHash: string, event: HashedEventFields): string {
  const canonical = JSON.stringify([prevHash, ...eventFields(event)]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Version 2 (keyed): binds the version and the key id too, so neither can be changed. */
export function keyedHashEvent(keys: ChronologyKeys, keyId: string, prevHash: string, event: HashedEventFields): string {
  return keys.mac(keyId, JSON.stringify(['jigsaw.chronology.event.v2', keyId, prevHash, ...eventFields(event)]));
}

export interface ChainLink {
  hash: string;
  hashVersion: typeof KEYED_HASH_VERSION;
  keyId: string;
}

/** The link of a new event: keyed, under the active master key's chronology key. */
export function linkEvent(keys: ChronologyKeys, prevHash: string, event: HashedEventFields): ChainLink {
  return { hash: keyedHashEvent(keys, keys.activeKeyId, prevHash, event), hashVersion: KEYED_HASH_VERSION, keyId: keys.activeKeyId };
}

/** Where a concern's chronology ends, as its concern row records it. */
export interface ChronologyHead {
  tenantId: string;
  concernId: string;
  count: number;
  headHash: string;
}

/**
 * A keyed tag over the concern row's count and head hash. Event links alone cannot show that the
 * newest events were removed (the rest still link); the seal can, unless the key is known.
 */
export interface HeadSeal {
  keyId: string;
  tag: string;
}

const headMessage = (keyId: string, head: ChronologyHead) => JSON.stringify(['jigsaw.chronology.head.v2', keyId, head.tenantId, head.concernId, head.count, head.headHash]);

export function sealHead(keys: ChronologyKeys, head: ChronologyHead): HeadSeal {
  return { keyId: keys.activeKeyId, tag: keys.mac(keys.activeKeyId, headMessage(keys.activeKeyId, head)) };
}

export interface StoredEvent extends HashedEventFields {
  prevHash: string;
  hash: string;
  /** 1 (unkeyed) or 2 (keyed). */
  hashVersion: number;
  /** The master key id of a keyed link; null for an unkeyed one. */
  keyId: string | null;
}

/** The concern row's record of its chronology: count, head hash and (once keyed) its seal. */
export interface RecordedHead extends ChronologyHead {
  sealKeyId: string | null;
  sealTag: string | null;
}

export type ChainVerdict =
  /** Every link holds. `unkeyedEvents` are the older version 1 events at the start of the chain. */
  | { ok: true; events: number; headHash: string; unkeyedEvents: number }
  /** A link does not hold: the chronology was changed, or events were removed or re-ordered. */
  | { ok: false; kind: 'broken'; brokenAtSeq: number; reason: string }
  /** No link was found broken, but some could not be checked (a key is not configured). */
  | { ok: false; kind: 'unverifiable'; missingKeyIds: string[]; reason: string };

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** "1–3", "1–2, 5" */
function seqRanges(seqs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length; i++) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j++;
    parts.push(j === i ? `${seqs[i]}` : `${seqs[i]}–${seqs[j]}`);
    i = j;
  }
  return parts.join(', ');
}

/**
 * Checks a concern's chronology: consecutive sequence numbers from 1, each event's prev_hash
 * equal to the previous event's hash, each hash recomputed from its fields (SHA-256 for version
 * 1, the keyed HMAC for version 2), and the count and head hash the concern row records (so
 * removing the newest event is detected too), with the row's keyed seal. A chain may switch from
 * version 1 to 2 once, never back: an unkeyed event after a keyed one was written without the key.
 * A chain with keyed events must have a seal. An empty chain is broken: every concern is stored
 * with its report as event 1. A link or seal under a key that is not configured
 * cannot be checked: that is reported as unverifiable, unless a link that can be checked is broken.
 */
export function verifyChain(events: readonly StoredEvent[], recorded: RecordedHead, keys: ChronologyKeys): ChainVerdict {
  let prev = GENESIS_HASH;
  let keyed = false;
  let unkeyedEvents = 0;
  const missing = new Map<string, number[]>();
  const broken = (brokenAtSeq: number, reason: string): ChainVerdict => ({ ok: false, kind: 'broken', brokenAtSeq, reason });
  // Every concern is stored with its first event (the report) in the same statement: a concern
  // with none had its whole chronology removed, with the row's count, head and seal reset to match.
  if (events.length === 0) return broken(1, 'event 1 is missing: the chronology is empty, but every concern is recorded with its report as event 1');
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const expectedSeq = i + 1;
    if (event.seq !== expectedSeq) return broken(expectedSeq, `event ${expectedSeq} is missing`);
    if (event.prevHash !== prev) return broken(event.seq, `event ${event.seq} does not follow event ${event.seq - 1}`);
    if (event.hashVersion === UNKEYED_HASH_VERSION) {
      if (keyed) return broken(event.seq, `event ${event.seq} was rewritten without the key (an unkeyed event after a keyed one)`);
      if (!sameHex(hashEvent(prev, event), event.hash)) return broken(event.seq, `event ${event.seq} was modified after it was written`);
      unkeyedEvents++;
    } else if (event.hashVersion === KEYED_HASH_VERSION) {
      keyed = true;
      if (!event.keyId) return broken(event.seq, `event ${event.seq} is keyed but names no key`);
      if (!keys.has(event.keyId)) missing.set(event.keyId, [...(missing.get(event.keyId) ?? []), event.seq]);
      else if (!sameHex(keyedHashEvent(keys, event.keyId, prev, event), event.hash)) return broken(event.seq, `event ${event.seq} was modified after it was written`);
    } else {
      // A newer Jigsaw's link, or an edited event relabelled so that nothing checks it: this
      // verifier cannot tell which, so it fails safe rather than look like a missing key.
      return broken(
        event.seq,
        `event ${event.seq} has hash version ${event.hashVersion}, which this version of Jigsaw does not know: if a newer version wrote it, verify with that version; if none did, it was relabelled to hide a change`,
      );
    }
    prev = event.hash;
  }
  if (events.length < recorded.count) return broken(events.length + 1, `event ${events.length + 1} is missing (the concern records ${recorded.count})`);
  if (events.length > recorded.count || prev !== recorded.headHash) {
    return broken(events.length, 'the chronology does not end where the concern record says it does');
  }
  let sealMissingKey: string | undefined;
  if (recorded.sealKeyId !== null || recorded.sealTag !== null) {
    if (!recorded.sealKeyId || !recorded.sealTag) return broken(events.length + 1, "the concern record's keyed seal is incomplete");
    if (!keys.has(recorded.sealKeyId)) sealMissingKey = recorded.sealKeyId;
    else if (!sameHex(keys.mac(recorded.sealKeyId, headMessage(recorded.sealKeyId, recorded)), recorded.sealTag)) {
      return broken(
        events.length + 1,
        `the concern record's count or last hash does not match its keyed seal (events after event ${events.length} were removed, or the record was edited)`,
      );
    }
  } else if (keyed) {
    return broken(events.length + 1, "the concern record's keyed seal is missing, but its chronology has keyed events");
  }
  if (missing.size || sealMissingKey) {
    const keyIds = [...new Set([...missing.keys(), ...(sealMissingKey ? [sealMissingKey] : [])])];
    const reasons = keyIds.map((keyId) => {
      const seqs = missing.get(keyId) ?? [];
      const what = [seqs.length ? `${seqs.length === 1 ? 'event' : 'events'} ${seqRanges(seqs)}` : '', keyId === sealMissingKey ? "the concern record's seal" : '']
        .filter(Boolean)
        .join(' and ');
      return `${what} cannot be verified: key ${keyId} is not configured`;
    });
    return { ok: false, kind: 'unverifiable', missingKeyIds: keyIds, reason: reasons.join('; ') };
  }
  return { ok: true, events: events.length, headHash: prev, unkeyedEvents };
}
