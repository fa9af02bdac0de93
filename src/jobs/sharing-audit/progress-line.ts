import type { AuditProgress } from './ports';

/**
 * One line for the CLI's progress bar: drives, items, RU used and an ETA. The ETA is by
 * drives (the only total known up front): fair for a school's many small OneDrives, rough
 * when one large site library dominates.
 */
export function estimateRemainingMs(progress: AuditProgress): number | null {
  if (progress.drivesDone === 0 || progress.drivesTotal === 0) return null;
  const perDrive = progress.elapsedMs / progress.drivesDone;
  return Math.round(perDrive * (progress.drivesTotal - progress.drivesDone));
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatProgressLine(progress: AuditProgress, width = 20): string {
  const ratio = progress.drivesTotal > 0 ? progress.drivesDone / progress.drivesTotal : 0;
  const filled = Math.round(ratio * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const eta = estimateRemainingMs(progress);
  return [
    bar,
    `drives ${progress.drivesDone}/${progress.drivesTotal}`,
    `items ${progress.itemsEnumerated.toLocaleString('en-GB')}`,
    `roots ${progress.rootsFetched.toLocaleString('en-GB')}`,
    `RU ${progress.resourceUnits.toLocaleString('en-GB')}`,
    progress.throttled > 0 ? `throttled ${progress.throttled}` : null,
    `${progress.phase}`,
    `elapsed ${formatDuration(progress.elapsedMs)}`,
    eta === null ? 'ETA …' : `ETA ${formatDuration(eta)}`,
  ]
    .filter((part): part is string => part !== null)
    .join('  ');
}
