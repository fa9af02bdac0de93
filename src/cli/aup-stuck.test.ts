import { formatStuckLine } from './aup-stuck';

describe('formatStuckLine', () => {
  const stuck = {
    sendId: 1, personId: 'aad-1', purpose: 'ask/r1', status: 'failed' as const, at: new Date('2026-11-23T09:30:00Z'),
    reason: '502: Teams had a server error', acknowledged: false, inAudience: true,
  };

  it('names the person, the card and the reason', () => {
    expect(formatStuckLine({ ...stuck, displayName: 'Rita Refused' }, 'Europe/London')).toMatch(/^ {2}failed +.+ {2}Rita Refused \(aad-1\) {2}first card, reminder 1: 502: Teams had a server error\n$/);
  });

  it('shows control characters in a display name from Entra visibly, so the name cannot rewrite the terminal', () => {
    const line = formatStuckLine({ ...stuck, displayName: 'Rita\x1b[1A\x1b[2KAll sent' }, 'Europe/London');
    expect(line).toContain('Rita\\u{1B}[1A\\u{1B}[2KAll sent (aad-1)');
    expect(line.slice(0, -1)).not.toMatch(/[\x00-\x1f]/);
  });
});
