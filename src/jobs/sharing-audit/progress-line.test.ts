import type { AuditProgress } from './ports';
import { estimateRemainingMs, formatProgressLine } from './progress-line';

const progress = (overrides: Partial<AuditProgress>): AuditProgress => ({
  runId: 'r',
  phase: 'enumerate',
  driveId: 'd',
  drivesDone: 0,
  drivesTotal: 10,
  itemsEnumerated: 0,
  rootsFetched: 0,
  itemsAnalysed: 0,
  graphRequests: 0,
  resourceUnits: 0,
  throttled: 0,
  elapsedMs: 0,
  ...overrides,
});

describe('estimateRemainingMs', () => {
  it.each<[Partial<AuditProgress>, number | null]>([
    [{ drivesDone: 0 }, null],
    [{ drivesDone: 5, elapsedMs: 10_000 }, 10_000],
    [{ drivesDone: 10, elapsedMs: 10_000 }, 0],
    [{ drivesTotal: 0 }, null],
  ])('%j → %s', (p, expected) => expect(estimateRemainingMs(progress(p))).toBe(expected));
});

describe('formatProgressLine', () => {
  it('shows drives, items, RU and ETA', () => {
    expect(formatProgressLine(progress({ drivesDone: 5, elapsedMs: 90_000, itemsEnumerated: 12_345, rootsFetched: 120, resourceUnits: 4_321, throttled: 2 }), 10)).toBe(
      '[#####.....]  drives 5/10  items 12,345  roots 120  RU 4,321  throttled 2  enumerate  elapsed 1m30s  ETA 1m30s',
    );
  });

  it('says the ETA is unknown before the first drive finishes', () => {
    expect(formatProgressLine(progress({}), 4)).toBe('[....]  drives 0/10  items 0  roots 0  RU 0  enumerate  elapsed 0s  ETA …');
  });
});
