import { canonicalContent, contentHash } from './content-hash';

describe('content hash', () => {
  const draft = { audience: 'staff' as const, title: 'Staff AUP', body: 'Be safe.', effectiveOn: '2026-12-01' };
  it('is SHA-256 hex of the canonical content', () => {
    expect(contentHash(draft)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalContent(draft)).toBe('staff\u001fStaff AUP\u001fBe safe.\u001f\u001f2026-12-01\u001f\u001f');
  });
  it('changes with any field', () => {
    const base = contentHash(draft);
    expect(contentHash({ ...draft, body: 'Be safe!' })).not.toBe(base);
    expect(contentHash({ ...draft, linkUrl: 'https://x.example' })).not.toBe(base);
    expect(contentHash({ ...draft, summary: 's' })).not.toBe(base);
    expect(contentHash({ ...draft, audience: 'governors' })).not.toBe(base);
  });
  it('does not confuse fields (separator)', () => {
    expect(contentHash({ ...draft, title: 'A', body: 'B' })).not.toBe(contentHash({ ...draft, title: 'AB', body: '' }));
  });
});
