import type { StoredFinding } from '../../store/sharing-findings.repo';
import { summariseReport } from './audit-summary';
import { buildSharingAuditCsv, CSV_COLUMNS, csvCell } from './report-csv';
import { buildSharingAuditReport } from './report-json';

const finding = (overrides: Partial<StoredFinding> = {}): StoredFinding => ({
  id: 'f-1',
  driveId: 'd1',
  itemId: 'i1',
  name: 'SEN register.xlsx',
  path: '/Year 6/SEN register.xlsx',
  webUrl: 'https://x/sen',
  isFolder: false,
  exposure: { scope: 'anonymous', linkType: 'view', permissionId: 'p1', viaItemId: 'y6', expiresAt: null, hasPassword: false },
  exposureReason: 'Anyone link',
  exposedDescendants: 0,
  pupilData: { likely: true, reasons: [{ kind: 'keyword', reason: 'Name mentions SEN register' }, { kind: 'upn', reason: '1 valid UPN' }] },
  severity: 'critical',
  owner: { id: 'u1', displayName: 'Ms Jones', email: 'jones@school.org.uk' },
  status: 'open',
  statusReason: null,
  statusBy: null,
  statusAt: null,
  firstSeenAt: '2026-11-22T06:00:00.000Z',
  lastSeenAt: '2026-11-22T06:00:00.000Z',
  firstSeenRunId: 'r1',
  lastSeenRunId: 'r1',
  ...overrides,
});

describe('csvCell', () => {
  it.each<[string | number | boolean | null, string]>([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+44 20', "'+44 20"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [null, ''],
    [3, '3'],
    [-3, '-3'],
    [true, 'true'],
  ])('%j → %s', (value, expected) => expect(csvCell(value)).toBe(expected));
});

describe('buildSharingAuditCsv', () => {
  it('writes a BOM, the header and one CRLF row per finding', () => {
    const csv = buildSharingAuditCsv([finding(), finding({ id: 'f-2', name: 'Zoë, notes.docx', severity: 'high' })]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toContain('Name mentions SEN register; 1 valid UPN');
    expect(lines[2]).toContain('"Zoë, notes.docx"');
    expect(lines[3]).toBe('');
  });
});

describe('buildSharingAuditReport and summariseReport', () => {
  it('keeps exactly the contract and counts by severity and scope', () => {
    const run = { runId: 'r1', mode: 'full' as const, status: 'completed' as const, startedAt: 'a', finishedAt: 'b', resumed: 0, stats: { drives: 1 }, failures: [], error: null, retryAt: null, failedAttempts: 0 };
    const report = buildSharingAuditReport('t1', run, [finding(), finding({ id: 'f-2', severity: 'medium', exposure: { ...finding().exposure, scope: 'organization' }, pupilData: { likely: false, reasons: [] } })]);
    expect(report.stats).toEqual({ drives: 1, items: 0, sharingRoots: 0, graphRequests: 0, resourceUnits: 0, throttled: 0, durationMs: 0 });
    expect(report.findings[0]).not.toHaveProperty('status');
    expect(report.findings[0]).not.toHaveProperty('exposureReason');
    expect(report.findings[0].pupilData.reasons).toEqual(['Name mentions SEN register', '1 valid UPN']);
    expect(summariseReport(report)).toMatchObject({
      bySeverity: { critical: 1, high: 0, medium: 1, low: 0 },
      byScope: { anonymous: 1, organization: 1, external: 0 },
      pupilDataLikely: 1,
    });
  });
});
