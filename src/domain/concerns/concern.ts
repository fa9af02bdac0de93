import type { CategoryId } from './categories';

/** Who a concern is about decides where it may go (see routing.ts). */
export type ConcernAbout = 'pupil' | 'adult' | 'headteacher';
export type Urgency = 'urgent' | 'standard';
export const CONCERN_ABOUT: readonly ConcernAbout[] = ['pupil', 'adult', 'headteacher'];

/** A concern as the reporter gave it, after validation. Identity is added from the activity. */
export interface ConcernReport {
  pupils: string[];
  about: ConcernAbout;
  adultName?: string;
  category: CategoryId;
  whatHappened: string;
  childWords?: string;
  occurredOn: string; // YYYY-MM-DD
  occurredTime?: string; // HH:MM
  location: string;
  actionTaken?: string;
  urgency: Urgency;
}

export interface Person {
  aadObjectId: string;
  name: string;
}

export type ConcernStatus = 'new' | 'acknowledged' | 'in-progress' | 'closed';

export interface Concern extends ConcernReport {
  tenantId: string;
  concernId: string;
  reference: string;
  reporter: Person;
  recipient: RecipientRole;
  status: ConcernStatus;
  createdAt: Date;
}

/** Who receives the concern card. */
export const RECIPIENT_ROLES = ['dsl-team', 'headteacher', 'chair'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

export function formatReference(year: number, serial: number): string {
  return `C-${year}-${String(serial).padStart(5, '0')}`;
}
