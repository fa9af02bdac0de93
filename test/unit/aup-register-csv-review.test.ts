import { registerToCsv, type RegisterEntry } from '../../src/services/aup-register';
import { parseCsv } from '../../src/domain/aup/csv';

const entry = (displayName: string, signedBy?: string): RegisterEntry => ({
  audience: 'pupils-ks1',
  personId: 'ext:MIS-1001',
  displayName,
  status: 'current',
  latestVersionNumber: 1,
  lastAck: { versionNumber: 1, acknowledgedAt: new Date('2026-09-10T12:00:00Z'), expiresAt: new Date('2027-09-10T12:00:00Z'), method: 'paper', ...(signedBy ? { signedBy } : {}) },
  history: [{ versionNumber: 1, acknowledgedAt: new Date('2026-09-10T12:00:00Z'), method: 'paper', contentHash: 'h' }],
});

describe('the register CSV', () => {
  it('starts with a UTF-8 byte order mark, so Excel shows "Zoë Brown" and not "ZoÃ« Brown"', () => {
    const csv = registerToCsv([entry('Zoë Brown', 'Anna Brown')], 'Europe/London');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parseCsv(csv)[1]![2]).toBe('Zoë Brown');
  });

  it.each(['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1'])('a name starting %j cannot run as a formula', (name) => {
    const rows = parseCsv(registerToCsv([entry(name, name)], 'Europe/London'));
    expect(rows[1]![2]).toBe(`'${name}`);
    expect(rows[1]![9]).toBe(`'${name}`);
  });

  it("dates each acknowledgement in the history by the school's calendar day, not UTC's", () => {
    const late: RegisterEntry = {
      ...entry('Sam Teacher'),
      history: [
        { versionNumber: 1, acknowledgedAt: new Date('2026-06-01T23:30:00Z'), method: 'teams', contentHash: 'h' }, // 00:30 on 2 June in London (BST)
        { versionNumber: 2, acknowledgedAt: new Date('2026-12-01T23:30:00Z'), method: 'teams', contentHash: 'h' }, // 23:30 on 1 December (GMT)
      ],
    };
    expect(parseCsv(registerToCsv([late], 'Europe/London'))[1]![11]).toBe('v1 2026-06-02 teams; v2 2026-12-01 teams');
  });
});
