import type { AdaptiveCard } from './card-kit';

/**
 * Teams refuses a message over 28 KB, measured on the UTF-8 JSON of the activity: an outgoing
 * message gets HTTP 413 (concern-card-delivery.ts then sends the shortened card), and a card in
 * an invoke response (Action.Execute) that big is not shown: the press fails in the client.
 * The one place this limit is written down (test/fakes/teams-connector models it too).
 */
export const TEAMS_MESSAGE_MAX_BYTES = 28 * 1024;

/**
 * What goes around the card in the message Teams measures: the activity (type, ids,
 * channelData, summary: about 430 bytes for a channel post) or the invoke response
 * (`{"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":…}`), counted
 * twice over.
 */
export const CARD_ENVELOPE_BYTES = 1024;

/** The most a card's UTF-8 JSON may weigh and still reach Teams. */
export const CARD_MAX_BYTES = TEAMS_MESSAGE_MAX_BYTES - CARD_ENVELOPE_BYTES;

/** A card's size as Teams counts it: its JSON, in UTF-8 bytes (a Chinese character is three). */
export function cardBytes(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * The longest start of `text` that takes at most `maxBytes` in a Teams message (UTF-8 inside
 * JSON: a Chinese character three bytes, a line break or quote two), never splitting a character.
 */
export function cutToMessageBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(JSON.stringify(text), 'utf8') - 2 <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(JSON.stringify(ch), 'utf8') - 2;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

export function fitsInTeams(card: unknown): boolean {
  return cardBytes(card) <= CARD_MAX_BYTES;
}

/**
 * The first of `renders`, fullest first, whose card fits in a Teams message (`CARD_MAX_BYTES`);
 * the last one when none does, so the last should be small whatever the concern holds. Each card
 * is built only when the one before it was too large. `step` is the index of the card returned
 * (0: the first, as it was asked for).
 */
export function firstThatFits(renders: readonly (() => AdaptiveCard)[]): { card: AdaptiveCard; step: number } {
  if (!renders.length) throw new Error('firstThatFits: nothing to render');
  for (let step = 0; step < renders.length - 1; step++) {
    const card = renders[step]();
    if (fitsInTeams(card)) return { card, step };
  }
  return { card: renders[renders.length - 1](), step: renders.length - 1 };
}
