import type { DeliveryError } from './teams-gateway';

const BY_STATUS: Record<number, string> = {
  400: 'Teams refused the card as invalid',
  401: "Teams refused the bot's credentials",
  403: 'Teams does not let the bot message this person (app not installed or blocked)',
  404: 'Teams does not know this person or chat',
  408: 'Teams did not answer in time',
  412: 'Teams asked to try again',
  413: 'the card is too large for Teams',
  429: 'throttled',
};

/**
 * The reason stored with a send that Teams refused (aup_sends.last_error, shown to admins by
 * `jigsaw aup stuck`; outbox.last_error): the HTTP status and fixed words for it, never the SDK's message, which
 * can echo request content (the card) or headers.
 */
export function deliveryFailureReason(failure: Pick<DeliveryError, 'status'>): string {
  if (failure.status === undefined) return 'network: Teams could not be reached';
  const words = BY_STATUS[failure.status] ?? (failure.status >= 500 ? 'Teams had a server error' : 'Teams refused the call');
  return `${failure.status}: ${words}`;
}
