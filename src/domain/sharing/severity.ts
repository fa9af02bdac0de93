import type { ExposureScope, Severity } from './types';

/** A link that expires within this many days is already on its way out. */
export const EXPIRES_SOON_DAYS = 30;

const ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface SeverityInput {
  scope: ExposureScope;
  pupilDataLikely: boolean;
  expiresAt: string | null;
  hasPassword: boolean;
}

/** A password, or an expiry within 30 days, limits the damage: severity drops one step (once). */
export function isMitigated(exposure: { expiresAt: string | null; hasPassword: boolean }, now: Date): boolean {
  if (exposure.hasPassword) return true;
  if (exposure.expiresAt === null) return false;
  return Date.parse(exposure.expiresAt) - now.getTime() <= EXPIRES_SOON_DAYS * 86_400_000;
}

/**
 * critical = Anyone link + pupil data; high = Anyone link, or organisation/external + pupil
 * data; medium = organisation/external without evidence; one step lower when mitigated.
 * Low is what a mitigated medium becomes: still worth listing.
 */
export function assessSeverity(input: SeverityInput, now: Date): Severity {
  const base: Severity =
    input.scope === 'anonymous' ? (input.pupilDataLikely ? 'critical' : 'high') : input.pupilDataLikely ? 'high' : 'medium';
  if (!isMitigated(input, now)) return base;
  return ORDER[Math.max(0, ORDER.indexOf(base) - 1)];
}

export function severityRank(severity: Severity): number {
  return ORDER.indexOf(severity);
}
