import { NUDES_SHARING_INSTRUCTION } from '../domain/concerns/categories';
import type { CategoryId } from '../domain/concerns/categories';
import type { RecipientRole } from '../domain/concerns/concern';
import { describeRecipient } from '../domain/concerns/routing';
import { type AdaptiveCard, card, execute, field, heading, notice, text } from './card-kit';
import { REPORT_VERBS } from './report-card';

export interface ReceiptView {
  reference: string;
  receivedAt: string; // already formatted in the school's time zone
  recipient: RecipientRole;
  category: CategoryId;
  urgent: boolean;
  /** Set when the concern is stored but cannot be delivered yet (missing configuration). */
  held?: 'no-chair' | 'no-headteacher-or-chair' | 'no-dsl-channel';
}

/**
 * The reporter's receipt: reference, time, who it went to (a role, never a name), and what
 * happens next. No pupil names and no narrative: the reporter's chat is not a case file.
 */
export function buildReceiptCard(view: ReceiptView): AdaptiveCard {
  const next = view.urgent
    ? 'It is marked urgent: the DSL team is alerted now, and if nobody picks it up within minutes it is escalated. Stay with the child if they need you, and speak to a DSL in person as well.'
    : 'The DSL team will review it today. You will get a message here when it is picked up and when it is closed (the outcome itself stays confidential).';
  const privately =
    view.recipient === 'dsl-team'
      ? next
      : 'It is confidential: do not discuss it with the adult concerned or with colleagues. You will get a message here when it is picked up and when it is closed.';
  // Held for want of a recipient: nothing has been sent, and the receipt must not say otherwise.
  const sentTo =
    view.held === 'no-chair'
      ? 'Nobody yet: held until a chair of governors is set up in Jigsaw'
      : view.held === 'no-headteacher-or-chair'
        ? 'Nobody yet: held until a headteacher or chair of governors is set up in Jigsaw'
        : describeRecipient(view.recipient);
  const body = [
    heading('Thank you: your concern has been recorded'),
    field('Reference', view.reference),
    field('Received', view.receivedAt),
    field('Sent to', sentTo),
    text(privately, { spacing: 'Medium' }),
  ];
  if (view.held === 'no-chair') {
    body.push(
      notice(
        'Not delivered yet: nobody is set up to receive it',
        'Your concern is safely stored, but the school has not set up a chair of governors in Jigsaw, and a concern about the headteacher never goes to the headteacher. An administrator has been alerted; it goes to the chair of governors, privately, as soon as one is set up. Do not wait for that: today, speak to the chair of governors or contact your Local Authority Designated Officer (LADO) directly.',
        'attention',
      ),
    );
  } else if (view.held === 'no-headteacher-or-chair') {
    body.push(
      notice(
        'Not delivered yet: nobody is set up to receive it',
        'Your concern is safely stored, but the school has not set up who receives concerns about adults in Jigsaw. An administrator has been alerted; it goes to the headteacher (or the chair of governors), privately, as soon as one is set up. Do not wait for that: today, speak to the headteacher in person or contact your Local Authority Designated Officer (LADO) directly.',
        'attention',
      ),
    );
  } else if (view.held === 'no-dsl-channel') {
    body.push(
      notice(
        'Not delivered yet: the DSL channel is not set up',
        'Your concern is safely stored and will be posted as soon as the DSL channel is connected; an administrator has been alerted. Please also tell a DSL in person now.',
        'attention',
      ),
    );
  }
  if (view.category === 'nudes-sharing') body.push(notice('Remember', NUDES_SHARING_INSTRUCTION, 'attention'));
  return card(body, [execute('Report another concern', REPORT_VERBS.start)]);
}
