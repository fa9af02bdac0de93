import { type AdaptiveCard, card, heading, notice, text } from './card-kit';

/** An alert to administrators: what is wrong and what to do. Ids only, never narrative. */
export function buildAdminAlertCard(input: { title: string; message: string; reference?: string }): AdaptiveCard {
  return card([
    heading('Jigsaw needs attention', { size: 'Medium' }),
    notice(input.title, input.message, 'attention'),
    ...(input.reference ? [text(`Concern reference: ${input.reference}`, { isSubtle: true })] : []),
  ]);
}

/** Told to the reporter when delivery keeps failing: the concern is safe but not yet seen. */
export function buildNotYetDeliveredCard(reference: string): AdaptiveCard {
  return card([
    heading('Your concern has not reached the DSL team yet', { size: 'Medium' }),
    text(`Concern ${reference} is safely recorded, but Teams has not accepted it yet. Jigsaw keeps trying and an administrator has been alerted.`),
    notice('Please act now', 'Speak to a Designated Safeguarding Lead in person (or by phone) today. If a child is in immediate danger, call 999.', 'attention'),
  ]);
}
