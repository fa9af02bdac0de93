import { FOUR_C_TITLES, getCategory } from '../domain/concerns/categories';
import type { Concern } from '../domain/concerns/concern';
import { type AdaptiveCard, card, type CardElement, field, heading, notice, text } from './card-kit';

export interface ConcernCardView {
  concern: Concern;
  /** Formatted in the school's time zone. */
  receivedAt: string;
  occurredAt: string;
  /** `notice` hides pupils and narrative (e.g. the IT manager's copy of a filtering failure). */
  view: 'full' | 'notice';
  /**
   * The full view without the long answers (what happened, the child's words, the action taken),
   * for a concern whose card Teams refused as too large (HTTP 413): where to read them instead,
   * the Jigsaw tab (`tab`: the DSLs, the recipient of a concern about an adult) or, for a copy
   * whose recipient cannot open it there (the DPO), the DSL team (`dsl-team`).
   */
  shortened?: 'tab' | 'dsl-team';
}

/**
 * The concern as its recipients see it in Teams. Every user-supplied string goes through
 * `field()`/`literal()`, never into markdown. Triage actions are added by the triage issue.
 */
export function buildConcernCard(input: ConcernCardView): AdaptiveCard {
  const { concern } = input;
  const category = getCategory(concern.category);
  const urgent = concern.urgency === 'urgent';
  const body: CardElement[] = [];
  if (urgent) body.push(notice('URGENT: immediate risk of harm', 'Acknowledge as soon as you have seen this.', 'attention'));
  body.push(
    heading(`Concern ${concern.reference}`, { size: 'Medium' }),
    field('Category', `${category.title} (${FOUR_C_TITLES[category.fourC]})`),
    field('Urgency', urgent ? 'Urgent' : 'Standard: review today'),
  );
  if (input.view === 'notice') {
    body.push(
      field('When and where', `${input.occurredAt}, ${concern.location}`),
      text('You are told because this concerns your area. The DSL team holds the details and will contact you.', { isSubtle: true }),
    );
    return card(body);
  }
  if (concern.category === 'data-breach' && concern.about !== 'pupil') {
    // Concerns about adults go to their recipient alone, so the DPO (a data breach's other
    // recipient) is not sent this one: the recipient must decide, and the ICO's clock is running.
    body.push(
      notice(
        'Personal data breach: the Data Protection Officer has not been told',
        'Concerns about adults go to you alone, so Jigsaw has not sent this one to the DPO. Tell the DPO yourself, unless they are the adult concerned: a breach that must be reported has to reach the ICO within 72 hours of the school becoming aware of it.',
        'warning',
      ),
    );
  }
  if (concern.about === 'adult' && concern.adultName) body.push(field('Adult concerned', concern.adultName));
  if (concern.about === 'headteacher') body.push(field('Adult concerned', 'The headteacher'));
  if (concern.pupils.length) body.push(field(concern.pupils.length === 1 ? 'Pupil' : 'Pupils', concern.pupils.join(', ')));
  if (input.shortened) {
    body.push(
      notice(
        input.shortened === 'tab' ? 'The full report is in the Jigsaw tab' : 'The full report is with the DSL team',
        input.shortened === 'tab'
          ? `This report is too long for a Teams message, so what happened, the child's own words and the action already taken are not shown here. Open concern ${concern.reference} in the Jigsaw tab and read them before you act.`
          : `This report is too long for a Teams message, so what happened, the child's own words and the action already taken are not shown here. The DSL team can read concern ${concern.reference} in full in the Jigsaw tab: ask them for what you need.`,
        'warning',
      ),
    );
  } else {
    body.push(field('What happened', concern.whatHappened));
    if (concern.childWords) body.push(field("The child's own words", concern.childWords));
  }
  body.push(field('When and where', `${input.occurredAt}, ${concern.location}`));
  if (concern.actionTaken && !input.shortened) body.push(field('Action already taken', concern.actionTaken));
  body.push(field('Reported by', `${concern.reporter.name}, ${input.receivedAt}`));
  body.push(text(`Status: **${describeStatus(concern.status)}**`, { spacing: 'Medium' }));
  return card(body);
}

export function describeStatus(status: Concern['status']): string {
  switch (status) {
    case 'new':
      return 'New: not yet acknowledged';
    case 'acknowledged':
      return 'Acknowledged';
    case 'in-progress':
      return 'In progress';
    case 'closed':
      return 'Closed';
  }
}
