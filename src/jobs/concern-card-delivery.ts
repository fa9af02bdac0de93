import type { AdaptiveCard } from '../cards/card-kit';
import { DeliveryError, type SentMessage } from './teams-gateway';

/** Where a message landed; `shortened` when Teams refused the concern's full card as too large. */
export type DeliveredMessage = SentMessage & { shortened?: true };

/**
 * Sends a concern's card. When Teams refuses it as too large (HTTP 413: over 28 KB), the
 * shortened card (without the long answers, saying where to read them) goes at once instead:
 * the concern is never dropped, and the oversized body is never sent again, so it cannot hold
 * up the conversation's later messages. The result says so, and the card's updates are sent
 * shortened from then on (triage-deliveries.ts).
 */
export async function sendConcernCard(send: (card: AdaptiveCard) => Promise<SentMessage>, full: AdaptiveCard, shortened: () => AdaptiveCard): Promise<DeliveredMessage> {
  try {
    return await send(full);
  } catch (err) {
    if (!(err instanceof DeliveryError && err.status === 413)) throw err;
    return { ...(await send(shortened())), shortened: true };
  }
}

/**
 * Updates a concern's card in place, the same way: shortened at once when it was delivered
 * shortened, and shortened when Teams refuses the full card as too large.
 */
export async function updateConcernCard(update: (card: AdaptiveCard) => Promise<void>, full: () => AdaptiveCard, shortened: () => AdaptiveCard, wasShortened: boolean): Promise<void> {
  if (wasShortened) return update(shortened());
  try {
    await update(full());
  } catch (err) {
    if (!(err instanceof DeliveryError && err.status === 413)) throw err;
    await update(shortened());
  }
}
