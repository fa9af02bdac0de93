import { createHmac, hkdfSync } from 'node:crypto';
import { inspect } from 'node:util';
import {
  CHRONOLOGY_KEY_INFO,
  ChronologyKeys,
  GENESIS_HASH,
  type HashedEventFields,
  hashEvent,
  keyedHashEvent,
  linkEvent,
  type RecordedHead,
  sealHead,
  type StoredEvent,
  verifyChain,
} from './chronology';

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const keys = (ids: Record<string, Buffer>, active: string) => ChronologyKeys.fromMasterKeys(new Map(Object.entries(ids)), active);
const TENANT = 'tenant-a';
const CONCERN = '9b0f2a44-0000-4000-8000-000000000001';

function fields(seq: number, overrides: Partial<HashedEventFields> = {}): HashedEventFields {
  return {
    tenantId: TENANT,
    concernId: CONCERN,
    seq,
    type: seq === 1 ? 'reported' : 'note-added',
    actorAadId: `actor-${seq}`,
    actorName: seq === 1 ? 'Sam Teacher' : 'Dana Lead',
    occurredAt: new Date(Date.UTC(2026, 10, 20, 9, seq)),
    detailsSealed: `v1.dk.iv${seq}.tag${seq}.ciphertext${seq}`,
    ...overrides,
  };
}

/** What the application writes: `unkeyed` events first (as version 1 did), then keyed ones under `k`. */
function chain(count: number, options: { unkeyed?: number; k?: ChronologyKeys; keyFrom?: (seq: number) => ChronologyKeys } = {}): { events: StoredEvent[]; head: RecordedHead } {
  const events: StoredEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const f = fields(seq);
    if (seq <= (options.unkeyed ?? 0)) {
      const hash = hashEvent(prev, f);
      events.push({ ...f, prevHash: prev, hash, hashVersion: 1, keyId: null });
    } else {
      const k = options.keyFrom?.(seq) ?? options.k ?? keys({ k1: K1 }, 'k1');
      const link = linkEvent(k, prev, f);
      events.push({ ...f, prevHash: prev, hash: link.hash, hashVersion: link.hashVersion, keyId: link.keyId });
    }
    prev = events[events.length - 1].hash;
  }
  const last = options.keyFrom?.(count) ?? options.k ?? keys({ k1: K1 }, 'k1');
  const keyed = count > (options.unkeyed ?? 0);
  const seal = keyed ? sealHead(last, { tenantId: TENANT, concernId: CONCERN, count, headHash: prev }) : undefined;
  return { events, head: { tenantId: TENANT, concernId: CONCERN, count, headHash: prev, sealKeyId: seal?.keyId ?? null, sealTag: seal?.tag ?? null } };
}

/** A database owner without the key: edits, then recomputes every hash from there with plain SHA-256. */
function rehashWithSha256(events: StoredEvent[], head: RecordedHead, fromSeq: number, relabel: 'keep-labels' | 'as-unkeyed'): { events: StoredEvent[]; head: RecordedHead } {
  const out = events.map((e) => ({ ...e }));
  let prev = fromSeq === 1 ? GENESIS_HASH : out[fromSeq - 2].hash;
  for (const e of out.slice(fromSeq - 1)) {
    e.prevHash = prev;
    e.hash = hashEvent(prev, e);
    if (relabel === 'as-unkeyed') Object.assign(e, { hashVersion: 1, keyId: null });
    prev = e.hash;
  }
  return { events: out, head: { ...head, count: out.length, headHash: prev } };
}

describe('keyed chronology links', () => {
  it('derive their key from the master key with HKDF and a versioned label, never using the master key itself', () => {
    const k = keys({ k1: K1 }, 'k1');
    const f = fields(1);
    const keyed = keyedHashEvent(k, 'k1', GENESIS_HASH, f);
    expect(keyed).toMatch(/^[0-9a-f]{64}$/);
    expect(keyed).not.toBe(hashEvent(GENESIS_HASH, f));
    expect(keyedHashEvent(k, 'k1', GENESIS_HASH, f)).toBe(keyed);
    expect(keyedHashEvent(keys({ k1: K2 }, 'k1'), 'k1', GENESIS_HASH, f)).not.toBe(keyed);
    expect(CHRONOLOGY_KEY_INFO).toMatch(/chronology.*v2/);

    // Recomputed independently: HMAC-SHA-256 under HKDF-SHA-256(master key, info = the label).
    const derived = Buffer.from(hkdfSync('sha256', K1, Buffer.alloc(0), CHRONOLOGY_KEY_INFO, 32));
    const message = JSON.stringify(['jigsaw.chronology.event.v2', 'k1', GENESIS_HASH, TENANT, CONCERN, 1, f.type, f.actorAadId, f.actorName, f.occurredAt.toISOString(), f.detailsSealed]);
    expect(keyed).toBe(createHmac('sha256', derived).update(message, 'utf8').digest('hex'));
    expect(keyed).not.toBe(createHmac('sha256', K1).update(message, 'utf8').digest('hex'));
  });

  it('new links use the active key and record its id and the hash version', () => {
    const k = keys({ k1: K1, k2: K2 }, 'k2');
    expect(linkEvent(k, GENESIS_HASH, fields(1))).toEqual({ hash: keyedHashEvent(k, 'k2', GENESIS_HASH, fields(1)), hashVersion: 2, keyId: 'k2' });
    expect(sealHead(k, { tenantId: TENANT, concernId: CONCERN, count: 1, headHash: 'a'.repeat(64) }).keyId).toBe('k2');
    expect(() => keyedHashEvent(k, 'k9', GENESIS_HASH, fields(1))).toThrow('key k9 is not configured');
  });

  it('keep the key material out of logs and serialisation', () => {
    const k = keys({ k1: K1 }, 'k1');
    const derived = Buffer.from(hkdfSync('sha256', K1, Buffer.alloc(0), CHRONOLOGY_KEY_INFO, 32));
    for (const text of [JSON.stringify(k), JSON.stringify({ k }), inspect(k, { showHidden: true, depth: 5 }), String(k)]) {
      for (const secret of [K1, derived]) {
        expect(text).not.toContain(secret.toString('hex'));
        expect(text).not.toContain(secret.toString('base64'));
      }
      expect(text).not.toContain('<Buffer');
    }
    expect(JSON.parse(JSON.stringify(k))).toEqual({ activeKeyId: 'k1', keyIds: ['k1'] });
  });
});

describe('verifyChain', () => {
  const k1 = keys({ k1: K1 }, 'k1');

  it('accepts a fully keyed chain and says so', () => {
    const { events, head } = chain(4, { k: k1 });
    expect(verifyChain(events, head, k1)).toEqual({ ok: true, events: 4, headHash: head.headHash, unkeyedEvents: 0 });
  });

  it.each([
    ['the actor name', { actorName: 'Someone Else' }],
    ['the actor id', { actorAadId: 'actor-x' }],
    ['the type', { type: 'closed' }],
    ['the time', { occurredAt: new Date(Date.UTC(2026, 10, 1)) }],
    ['the sealed details', { detailsSealed: 'v1.dk.other.other.other' }],
  ])('fails a chain whose event had %s edited and every hash recomputed with SHA-256', (_what, edit) => {
    const { events, head } = chain(4, { k: k1 });
    Object.assign(events[1], edit);
    const forged = rehashWithSha256(events, head, 2, 'keep-labels');
    expect(verifyChain(forged.events, forged.head, k1)).toEqual({ ok: false, kind: 'broken', brokenAtSeq: 2, reason: 'event 2 was modified after it was written' });
  });

  it('fails a keyed chain whose edited tail was relabelled as unkeyed, whether or not the seal is removed', () => {
    const { events, head } = chain(4, { k: k1 });
    events[2].actorName = 'Someone Else';
    const forged = rehashWithSha256(events, head, 3, 'as-unkeyed');
    expect(verifyChain(forged.events, forged.head, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 3, reason: expect.stringContaining('unkeyed event after a keyed one') });
    expect(verifyChain(forged.events, { ...forged.head, sealKeyId: null, sealTag: null }, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 3 });
  });

  it('fails a keyed chain rewritten from its first event as unkeyed while the keyed seal stays', () => {
    const { events, head } = chain(3, { k: k1 });
    events[0].actorName = 'Someone Else';
    const forged = rehashWithSha256(events, head, 1, 'as-unkeyed');
    expect(verifyChain(forged.events, forged.head, k1)).toMatchObject({ ok: false, kind: 'broken', reason: expect.stringContaining('keyed seal') });
  });

  it('reports a chain rewritten entirely as unkeyed with its seal removed as unkeyed, never as keyed (the documented limit)', () => {
    const { events, head } = chain(3, { k: k1 });
    events[0].actorName = 'Someone Else';
    const forged = rehashWithSha256(events, head, 1, 'as-unkeyed');
    expect(verifyChain(forged.events, { ...forged.head, sealKeyId: null, sealTag: null }, k1)).toEqual({ ok: true, events: 3, headHash: forged.head.headHash, unkeyedEvents: 3 });
  });

  it('fails when the last event is deleted and the concern row\'s count and head are fixed without the key', () => {
    const { events, head } = chain(4, { k: k1 });
    const truncated = events.slice(0, 3);
    const fixed = { ...head, count: 3, headHash: truncated[2].hash };
    expect(verifyChain(truncated, fixed, k1)).toEqual({
      ok: false,
      kind: 'broken',
      brokenAtSeq: 4,
      reason: "the concern record's count or last hash does not match its keyed seal (events after event 3 were removed, or the record was edited)",
    });
    // A seal computed the way an attacker without the key could (plain SHA-256) fails the same way.
    expect(verifyChain(truncated, { ...fixed, sealTag: hashEvent(GENESIS_HASH, truncated[2]) }, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 4 });
    expect(verifyChain(truncated, { ...fixed, sealKeyId: null, sealTag: null }, k1)).toMatchObject({
      ok: false,
      kind: 'broken',
      reason: "the concern record's keyed seal is missing, but its chronology has keyed events",
    });
    // Without fixing the row, the missing event is named as before.
    expect(verifyChain(truncated, head, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 4, reason: 'event 4 is missing (the concern records 4)' });
  });

  it('fails when every event is deleted and the concern row is reset to an empty chronology with no seal', () => {
    const empty = { tenantId: TENANT, concernId: CONCERN, count: 0, headHash: GENESIS_HASH, sealKeyId: null, sealTag: null };
    expect(verifyChain([], empty, k1)).toEqual({
      ok: false,
      kind: 'broken',
      brokenAtSeq: 1,
      reason: 'event 1 is missing: the chronology is empty, but every concern is recorded with its report as event 1',
    });
    // Even with a seal over the empty head made with the key, an empty chronology is not a valid one.
    const seal = sealHead(k1, empty);
    expect(verifyChain([], { ...empty, sealKeyId: seal.keyId, sealTag: seal.tag }, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 1 });
  });

  it('accepts the row of an earlier state the concern really had (a restored copy): the documented limit', () => {
    const before = chain(3, { k: k1 });
    const after = chain(4, { k: k1 });
    expect(verifyChain(after.events.slice(0, 3), before.head, k1)).toMatchObject({ ok: true, events: 3 });
  });

  it('accepts a chain that switches from unkeyed to keyed at any event, counting the older unkeyed events', () => {
    for (const unkeyed of [0, 1, 2, 3, 4]) {
      const { events, head } = chain(4, { unkeyed, k: k1 });
      expect(verifyChain(events, head, k1)).toEqual({ ok: true, events: 4, headHash: head.headHash, unkeyedEvents: unkeyed });
    }
  });

  it('an unkeyed chain verifies without any key; its SHA-256 rewrite cannot be detected, but is never called keyed', () => {
    const none = keys({ other: K2 }, 'other');
    const { events, head } = chain(3, { unkeyed: 3 });
    expect(verifyChain(events, head, none)).toMatchObject({ ok: true, unkeyedEvents: 3 });
    events[1].actorName = 'Someone Else';
    const forged = rehashWithSha256(events, head, 2, 'keep-labels');
    expect(verifyChain(forged.events, forged.head, none)).toMatchObject({ ok: true, unkeyedEvents: 3 });
  });

  it('protects the unkeyed events before a keyed one: rewriting them fails at the first keyed event', () => {
    const { events, head } = chain(4, { unkeyed: 2, k: k1 });
    events[0].actorName = 'Someone Else';
    const forged = rehashWithSha256(events, head, 1, 'keep-labels');
    // Events 1–2 re-hash as unkeyed; event 3 is "rehashed" too but its label says keyed.
    expect(verifyChain(forged.events, forged.head, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 3 });
    const tailKept = rehashWithSha256(events, head, 1, 'keep-labels');
    tailKept.events[2] = { ...events[2], prevHash: tailKept.events[1].hash };
    expect(verifyChain(tailKept.events.slice(0, 3), { ...head, count: 3, headHash: events[2].hash }, k1)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 3 });
  });

  it('reports events whose key is not configured as unverifiable, never as modified and never as a pass', () => {
    const { events, head } = chain(3, { k: k1 });
    const onlyK2 = keys({ k2: K2 }, 'k2');
    expect(verifyChain(events, head, onlyK2)).toEqual({
      ok: false,
      kind: 'unverifiable',
      missingKeyIds: ['k1'],
      reason: "events 1–3 and the concern record's seal cannot be verified: key k1 is not configured",
    });
    // A definite break elsewhere still wins: it needs no key to see.
    expect(verifyChain(events.slice(0, 2), head, onlyK2)).toMatchObject({ ok: false, kind: 'broken', reason: 'event 3 is missing (the concern records 3)' });
  });

  it('after a rotation, verifies each event with its own key, and names the retired key when it is gone', () => {
    const before = keys({ k1: K1 }, 'k1');
    const after = keys({ k1: K1, k2: K2 }, 'k2');
    const { events, head } = chain(4, { keyFrom: (seq) => (seq <= 2 ? before : after) });
    expect(events.map((e) => e.keyId)).toEqual(['k1', 'k1', 'k2', 'k2']);
    expect(head.sealKeyId).toBe('k2');
    expect(verifyChain(events, head, after)).toMatchObject({ ok: true, events: 4, unkeyedEvents: 0 });
    expect(verifyChain(events, head, keys({ k2: K2 }, 'k2'))).toEqual({
      ok: false,
      kind: 'unverifiable',
      missingKeyIds: ['k1'],
      reason: 'events 1–2 cannot be verified: key k1 is not configured',
    });
    // The seal alone under a retired key.
    const sealedByK1 = { ...head, ...(({ keyId, tag }) => ({ sealKeyId: keyId, sealTag: tag }))(sealHead(before, head)) };
    expect(verifyChain(events, sealedByK1, keys({ k2: K2, k3: K1 }, 'k2'))).toMatchObject({ ok: false, kind: 'unverifiable', missingKeyIds: ['k1'] });
    expect(verifyChain(events.slice(0, 2), { ...head, count: 2, headHash: events[1].hash, sealKeyId: 'k1', sealTag: sealHead(before, { ...head, count: 2, headHash: events[1].hash }).tag }, keys({ k2: K2 }, 'k2'))).toEqual({
      ok: false,
      kind: 'unverifiable',
      missingKeyIds: ['k1'],
      reason: "events 1–2 and the concern record's seal cannot be verified: key k1 is not configured",
    });
  });

  it('does not accept a keyed link relabelled with another configured key', () => {
    const both = keys({ k1: K1, k2: K2 }, 'k1');
    const { events, head } = chain(2, { k: both });
    events[1].keyId = 'k2';
    expect(verifyChain(events, head, both)).toMatchObject({ ok: false, kind: 'broken', brokenAtSeq: 2, reason: 'event 2 was modified after it was written' });
  });

  it('fails a hash version it does not know: an edited event relabelled so that nothing checks it must not pass for a missing key', () => {
    const { events, head } = chain(3, { k: k1 });
    events[2].actorName = 'Somebody Else';
    events[2].hashVersion = 3;
    expect(verifyChain(events, head, k1)).toMatchObject({
      ok: false,
      kind: 'broken',
      brokenAtSeq: 3,
      reason: 'event 3 has hash version 3, which this version of Jigsaw does not know: if a newer version wrote it, verify with that version; if none did, it was relabelled to hide a change',
    });
  });
});
