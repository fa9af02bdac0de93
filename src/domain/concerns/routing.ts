import type { CategoryId } from './categories';
import type { ConcernAbout, RecipientRole, Urgency } from './concern';

/** The people and places a tenant has configured; absent ones are simply undefined. */
export interface RoutingDirectory {
  dslChannelRegistered: boolean;
  headteacherAadId?: string;
  chairAadId?: string;
  dpoAadId?: string;
  itManagerAadId?: string;
}

export type PrivateRole = 'headteacher' | 'chair' | 'dpo' | 'it-manager';

/**
 * `full` shows the concern as the DSLs see it; `notice` is for people who must know that
 * something happened (IT for a filtering failure) but not which pupils were involved.
 */
export type Delivery =
  | { to: 'dsl-channel'; mentionAllDsls: boolean }
  | { to: 'person'; role: PrivateRole; aadObjectId: string; view: 'full' | 'notice' };

export type RoutingProblem =
  | 'no-dsl-channel' // held in the outbox until an admin runs `setup` in the DSL channel
  | 'no-headteacher-or-chair'
  | 'no-chair'
  | 'no-dpo'
  | 'no-it-manager';

export interface RoutingDecision {
  recipient: RecipientRole;
  deliveries: Delivery[];
  problems: RoutingProblem[];
}

export interface RoutableConcern {
  about: ConcernAbout;
  category: CategoryId;
  urgency: Urgency;
}

/**
 * Where a concern goes. Allegations about adults never reach the DSL channel (a DSL may be
 * the subject, or a friend of the subject); allegations about the headteacher never reach
 * the headteacher. The first delivery is always the primary recipient.
 */
export function routeConcern(concern: RoutableConcern, directory: RoutingDirectory): RoutingDecision {
  if (concern.about === 'headteacher') {
    if (!directory.chairAadId) return { recipient: 'chair', deliveries: [], problems: ['no-chair'] };
    return {
      recipient: 'chair',
      deliveries: [{ to: 'person', role: 'chair', aadObjectId: directory.chairAadId, view: 'full' }],
      problems: [],
    };
  }

  if (concern.about === 'adult') {
    if (directory.headteacherAadId) {
      return {
        recipient: 'headteacher',
        deliveries: [{ to: 'person', role: 'headteacher', aadObjectId: directory.headteacherAadId, view: 'full' }],
        problems: [],
      };
    }
    // With no headteacher configured the chair is the only other person entitled to it.
    if (directory.chairAadId) {
      return {
        recipient: 'chair',
        deliveries: [{ to: 'person', role: 'chair', aadObjectId: directory.chairAadId, view: 'full' }],
        problems: [],
      };
    }
    return { recipient: 'headteacher', deliveries: [], problems: ['no-headteacher-or-chair'] };
  }

  const deliveries: Delivery[] = [{ to: 'dsl-channel', mentionAllDsls: concern.urgency === 'urgent' }];
  const problems: RoutingProblem[] = directory.dslChannelRegistered ? [] : ['no-dsl-channel'];

  if (concern.category === 'data-breach') {
    if (directory.dpoAadId) deliveries.push({ to: 'person', role: 'dpo', aadObjectId: directory.dpoAadId, view: 'full' });
    else problems.push('no-dpo');
  }
  if (concern.category === 'filtering-failure') {
    if (directory.itManagerAadId) {
      deliveries.push({ to: 'person', role: 'it-manager', aadObjectId: directory.itManagerAadId, view: 'notice' });
    } else problems.push('no-it-manager');
  }
  return { recipient: 'dsl-team', deliveries, problems };
}

/** How the receipt names the recipient: a role, never a person's or a pupil's name. */
export function describeRecipient(recipient: RecipientRole): string {
  switch (recipient) {
    case 'dsl-team':
      return 'the Designated Safeguarding Lead (DSL) team';
    case 'headteacher':
      return 'the headteacher, privately';
    case 'chair':
      return 'the chair of governors, privately';
  }
}
