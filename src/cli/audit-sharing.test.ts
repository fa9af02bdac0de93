import { formatSummaryScreen } from './audit-sharing';
import type { SharingAuditReport, SharingAuditReportFinding } from '../jobs/sharing-audit/report-json';

function finding(path: string): SharingAuditReportFinding {
  return {
    id: 'f-1', driveId: 'd-1', itemId: 'i-1', name: path.split('/').pop()!, path, webUrl: null, isFolder: false,
    exposure: { scope: 'anonymous', linkType: 'view', permissionId: 'p-1', viaItemId: 'i-1', expiresAt: null, hasPassword: false },
    exposedDescendants: 0, pupilData: { likely: true, reasons: ['name: class list'] }, severity: 'critical',
    owner: { id: 'u-1', displayName: 'Owner', email: null },
  };
}

const report = (findings: SharingAuditReportFinding[]): SharingAuditReport => ({
  tenantId: 't-1', mode: 'full', startedAt: '2026-11-23T07:00:00.000Z', finishedAt: '2026-11-23T07:01:00.000Z',
  stats: { drives: 1, items: 10, sharingRoots: 1, graphRequests: 3, resourceUnits: 9, throttled: 0, durationMs: 60_000 },
  findings,
});

const facts = { resumed: false, rosterSize: 0, rosterSource: 'none' as const, failures: 0, admins: 1 };

describe('formatSummaryScreen', () => {
  it('lists the most severe findings by path', () => {
    expect(formatSummaryScreen(report([finding('/Year 6/Class list.xlsx')]), facts)).toContain('critical anonymous    f-1  /Year 6/Class list.xlsx\n');
  });

  it("prints a file name's control characters and bidirectional overrides visibly, not as terminal commands", () => {
    // A user names their file; the admin reads the summary on a terminal.
    const screen = formatSummaryScreen(report([finding('/Shared/\x1b]0;owned\x07notes \u202Etxt.exe')]), facts);
    expect(screen).toContain('/Shared/\\u{1B}]0;owned\\u{7}notes \\u{202E}txt.exe\n');
    expect(screen).not.toMatch(/[\x1b\x07\u202e]/);
  });
});
