import { buildCheckpoint, compareWithAnchor, parseCheckpoint } from './chronology-checkpoint';

const h = (c: string) => c.repeat(64);
const entry = { tenantId: 't1', concernId: 'c1', reference: 'C-2026-00001', events: 3, headHash: h('c') };

describe('chronology checkpoints', () => {
  const checkpoint = buildCheckpoint([entry, { ...entry, concernId: 'c2', reference: 'C-2026-00002', events: 1, headHash: h('d') }], new Date('2026-11-22T09:00:00Z'));

  it('reads back what it writes, whatever the order of keys in the file', () => {
    const reordered = JSON.stringify({ digest: checkpoint.digest, concerns: checkpoint.concerns.map((c) => Object.fromEntries(Object.entries(c).reverse())), writtenAt: checkpoint.writtenAt, version: 1, format: checkpoint.format });
    expect(parseCheckpoint(reordered)).toEqual({ ok: true, checkpoint, digestMatches: true });
  });

  it('notices any edit to an anchored value', () => {
    for (const edit of [{ events: 2 }, { headHash: h('e') }, { reference: 'C-2026-00009' }, { concernId: 'c9' }, { tenantId: 't9' }]) {
      const edited = { ...checkpoint, concerns: [{ ...checkpoint.concerns[0], ...edit }, checkpoint.concerns[1]] };
      expect(parseCheckpoint(JSON.stringify(edited))).toMatchObject({ ok: true, digestMatches: false });
    }
    expect(parseCheckpoint(JSON.stringify({ ...checkpoint, concerns: checkpoint.concerns.slice(1) }))).toMatchObject({ ok: true, digestMatches: false });
    expect(parseCheckpoint(JSON.stringify({ ...checkpoint, writtenAt: '2026-11-23T09:00:00.000Z' }))).toMatchObject({ ok: true, digestMatches: false });
  });

  it.each([
    ['text that is not JSON', '{', 'it is not JSON'],
    ['JSON that is not a checkpoint', '[]', 'it is not a chronology checkpoint (no "format": "jigsaw-chronology-checkpoint")'],
    ['a later version', JSON.stringify({ ...checkpoint, version: 2 }), 'its version 2 is not one this version reads (1)'],
    ['a date that is not one', JSON.stringify({ ...checkpoint, writtenAt: 'last Tuesday' }), 'its "writtenAt" is not a date'],
    ['a digest that is not one', JSON.stringify({ ...checkpoint, digest: 'abc' }), 'its "digest" is not a SHA-256 hex digest'],
    ['no concerns list', JSON.stringify({ ...checkpoint, concerns: undefined }), 'it has no "concerns" list'],
    ['an anchor of no events', JSON.stringify({ ...checkpoint, concerns: [{ ...entry, events: 0 }] }), 'concern 1 in it is incomplete (tenantId, concernId, reference, events ≥ 1 and headHash are needed)'],
    ['an anchor without a hash', JSON.stringify({ ...checkpoint, concerns: [entry, { ...entry, headHash: 'x' }] }), 'concern 2 in it is incomplete (tenantId, concernId, reference, events ≥ 1 and headHash are needed)'],
  ])('says what is wrong with %s', (_label, text, reason) => {
    expect(parseCheckpoint(text)).toEqual({ ok: false, reason });
  });

  it('compares an anchored chronology with the stored one', () => {
    expect(compareWithAnchor(entry, [h('a'), h('b'), h('c')], null)).toEqual({ kind: 'held', eventsSince: 0 });
    expect(compareWithAnchor(entry, [h('a'), h('b'), h('c'), h('f')], null)).toEqual({ kind: 'held', eventsSince: 1 });
    expect(compareWithAnchor(entry, [h('a'), h('b')], null)).toEqual({ kind: 'shortened', events: 2 });
    expect(compareWithAnchor(entry, [h('a'), h('b'), h('x'), h('c')], null)).toEqual({ kind: 'rewritten' });
    expect(compareWithAnchor(entry, null, null)).toEqual({ kind: 'missing' });
    const when = new Date('2033-01-01T00:00:00Z');
    expect(compareWithAnchor(entry, null, when)).toEqual({ kind: 'purged', purgedAt: when });
    expect(compareWithAnchor(entry, null, null, when)).toEqual({ kind: 'deleted', deletedAt: when });
    // Still there: a tombstone of the reference does not hide a changed chronology.
    expect(compareWithAnchor(entry, [h('a')], null, when)).toEqual({ kind: 'shortened', events: 1 });
  });
});
