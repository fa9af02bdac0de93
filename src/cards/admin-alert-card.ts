import type { RecipientRole } from '../domain/concerns/concern';
import { type AdaptiveCard, card, heading, notice, text } from './card-kit';

/** An alert to administrators: what is wrong and what to do. Ids only, never narrative. */
export function buildAdminAlertCard(input: { title: string; message: string; reference?: string }): AdaptiveCard {
  return card([
    heading('Jigsaw needs attention', { size: 'Medium' }),
    notice(input.title, input.message, 'attention'),
    ...(input.reference ? [text(`Concern reference: ${input.reference}`, { isSubtle: true })] : []),
  ]);
}

/**
 * Whom the reporter is told a concern has not reached, and whom to speak to instead: the
 * concern's own recipient. A concern about an adult never points to the DSL team (a DSL may be
 * the adult concerned), and one about the headteacher never to the headteacher.
 */
const NOT_YET_DELIVERED: Record<RecipientRole | 'unknown', { who: string; act: string }> = {
  'dsl-team': {
    who: 'the DSL team',
    act: 'Speak to a Designated Safeguarding Lead in person (or by phone) today. If a child is in immediate danger, call 999.',
  },
  headteacher: {
    who: 'the headteacher',
    act: 'Speak to the headteacher in person (or by phone) today, or contact your Local Authority Designated Officer (LADO) directly. Do not discuss it with the adult concerned or with colleagues. If a child is in immediate danger, call 999.',
  },
  chair: {
    who: 'the chair of governors',
    act: 'Contact the chair of governors in person (or by phone) today, or your Local Authority Designated Officer (LADO) directly. Do not discuss it with the adult concerned or with colleagues. If a child is in immediate danger, call 999.',
  },
  // A notice queued before it named its recipient: nobody is named who might be the adult concerned.
  unknown: {
    who: 'the person it is for',
    act: 'Tell someone in person (or by phone) today: for a concern about a pupil, a Designated Safeguarding Lead; for a concern about an adult, the headteacher (the chair of governors if it is about the headteacher) or your Local Authority Designated Officer (LADO). If a child is in immediate danger, call 999.',
  },
};

/** The words of the not-yet-delivered notice's heading (also its notification preview). */
export function notYetDeliveredHeading(recipient: RecipientRole | undefined): string {
  return `Your concern has not reached ${NOT_YET_DELIVERED[recipient ?? 'unknown'].who} yet`;
}

/**
 * Told to the reporter when the concern's own delivery (the DSL channel's card, or the
 * headteacher's or chair's copy) keeps failing: the concern is safe but not yet seen.
 */
export function buildNotYetDeliveredCard(reference: string, recipient: RecipientRole | undefined): AdaptiveCard {
  return card([
    heading(notYetDeliveredHeading(recipient), { size: 'Medium' }),
    text(`Concern ${reference} is safely recorded, but Teams has not accepted it yet. Jigsaw keeps trying and an administrator has been alerted.`),
    notice('Please act now', NOT_YET_DELIVERED[recipient ?? 'unknown'].act, 'attention'),
  ]);
}
