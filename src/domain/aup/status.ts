import type { AupStatus } from './types';

/** Settings the rules need, from configuration. */
export interface AupRules {
  /** An acknowledgement lapses this many calendar months after it was given (default 12). */
  validityMonths: number;
  /** Days after the card was sent at which a reminder goes (default 7 and 14). */
  reminderDays: readonly number[];
  /** Days after the card was sent after which the online-safety lead is told who is outstanding (default 21). */
  deadlineDays: number;
}

export const DEFAULT_AUP_RULES: AupRules = { validityMonths: 12, reminderDays: [7, 14], deadlineDays: 21 };

const DAY_MS = 86_400_000;

/** Same day of month `months` later (clamped to the month's end: 31 Jan + 1 month = 28/29 Feb), same time. */
export function addMonths(at: Date, months: number): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()));
}

export function ackExpiresAt(acknowledgedAt: Date, rules: Pick<AupRules, 'validityMonths'>): Date {
  return addMonths(acknowledgedAt, rules.validityMonths);
}

/** One person's facts about one policy (audience), as the store knows them. */
export interface PersonPolicyFacts {
  /** The audience's latest version. */
  latestVersionId: string;
  latestVersionNumber: number;
  /** Acknowledgements this person gave on any version of this policy, any order. */
  acks: readonly { versionId: string; versionNumber: number; acknowledgedAt: Date }[];
  /** Whether the latest version was sent (or queued) to them. */
  askedLatest: boolean;
}

export interface PersonPolicyStatus {
  status: AupStatus;
  /** The acknowledgement that decides the status (the newest), if any. */
  lastAck?: { versionId: string; versionNumber: number; acknowledgedAt: Date; expiresAt: Date };
  /** Why an acknowledgement no longer counts. */
  expiredBecause?: 'time' | 'new-version';
}

/**
 * The register's rule for one person and one policy:
 * - current: they acknowledged the latest version and it has not lapsed;
 * - expired: they acknowledged before, but it lapsed (12 months) or a newer version replaced it;
 * - outstanding: they were asked to acknowledge the latest version and never acknowledged any;
 * - never-asked: none of the above.
 */
export function personPolicyStatus(facts: PersonPolicyFacts, now: Date, rules: Pick<AupRules, 'validityMonths'>): PersonPolicyStatus {
  const newest = [...facts.acks].sort((a, b) => b.versionNumber - a.versionNumber || b.acknowledgedAt.getTime() - a.acknowledgedAt.getTime())[0];
  if (!newest) return { status: facts.askedLatest ? 'outstanding' : 'never-asked' };
  const lastAck = { ...newest, expiresAt: ackExpiresAt(newest.acknowledgedAt, rules) };
  if (newest.versionId !== facts.latestVersionId) return { status: 'expired', lastAck, expiredBecause: 'new-version' };
  if (lastAck.expiresAt.getTime() <= now.getTime()) return { status: 'expired', lastAck, expiredBecause: 'time' };
  return { status: 'current', lastAck };
}

/**
 * Which reminder (1-based index into `reminderDays`) is due for a card sent at `sentAt`, given
 * how many were already sent; undefined when none is due. Reminders never bunch up: after a
 * long outage only the latest due one is sent, and the ones it overtook count as sent.
 */
export function dueReminder(sentAt: Date, now: Date, remindersSent: number, rules: Pick<AupRules, 'reminderDays'>): number | undefined {
  const elapsedDays = (now.getTime() - sentAt.getTime()) / DAY_MS;
  let due: number | undefined;
  rules.reminderDays.forEach((days, i) => {
    if (elapsedDays >= days && i + 1 > remindersSent) due = i + 1;
  });
  return due;
}

/** The moment after which the online-safety lead is told who is outstanding. */
export function deadlineOf(sentAt: Date, rules: Pick<AupRules, 'deadlineDays'>): Date {
  return new Date(sentAt.getTime() + rules.deadlineDays * DAY_MS);
}

/** Anonymous counts for governors: numbers per audience and status, never names. */
export interface AupCounts {
  audience: string;
  versionNumber: number;
  current: number;
  expired: number;
  outstanding: number;
  neverAsked: number;
  total: number;
}

export function countStatuses(audience: string, versionNumber: number, statuses: readonly AupStatus[]): AupCounts {
  const c: AupCounts = { audience, versionNumber, current: 0, expired: 0, outstanding: 0, neverAsked: 0, total: statuses.length };
  for (const s of statuses) {
    if (s === 'current') c.current++;
    else if (s === 'expired') c.expired++;
    else if (s === 'outstanding') c.outstanding++;
    else c.neverAsked++;
  }
  return c;
}
