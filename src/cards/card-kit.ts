/**
 * The small vocabulary every card builder uses. Cards are plain JSON (Adaptive Card 1.5, the
 * highest Teams renders for bot cards). User-supplied text only ever goes into `literal()`:
 * a RichTextBlock TextRun, which Adaptive Cards never parse as markdown, so a reporter cannot
 * inject links, mentions or formatting into the DSLs' channel.
 */
export type CardElement = Record<string, unknown>;
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: CardElement[];
  actions?: CardElement[];
  refresh?: CardElement;
  msteams?: Record<string, unknown>;
}

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export function card(body: CardElement[], actions: CardElement[] = [], extra: Partial<AdaptiveCard> = {}): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions.length ? { actions } : {}),
    msteams: { width: 'Full' },
    ...extra,
  };
}

/** Our own wording (never user text): markdown allowed. */
export function text(value: string, options: CardElement = {}): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...options };
}

export function heading(value: string, options: CardElement = {}): CardElement {
  return text(value, { size: 'Large', weight: 'Bolder', style: 'heading', ...options });
}

/** User text, shown literally. Newlines are kept; nothing is interpreted. */
export function literal(value: string, options: CardElement = {}): CardElement {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: value }], ...options };
}

/** A label in our words and a value that may be user text (shown literally). */
export function field(label: string, value: string): CardElement {
  return {
    type: 'Container',
    spacing: 'Small',
    items: [text(label, { weight: 'Bolder', spacing: 'None', isSubtle: true, size: 'Small' }), literal(value, { spacing: 'None' })],
  };
}

/** User text in bold (a name, an admin's title), still shown literally. */
export function strongLiteral(value: string): CardElement {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: value, weight: 'Bolder' }] };
}

/** A message next to a field at fault. It may quote what was typed, so it is shown literally. */
export function errorText(message: string, id?: string): CardElement {
  return { type: 'RichTextBlock', spacing: 'None', ...(id ? { id } : {}), inlines: [{ type: 'TextRun', text: `⚠ ${message}`, color: 'Attention', size: 'Small' }] };
}

export function notice(title: string, body: string, style: 'attention' | 'warning' | 'good' | 'accent' = 'warning'): CardElement {
  return {
    type: 'Container',
    style,
    bleed: false,
    items: [text(title, { weight: 'Bolder' }), text(body, { spacing: 'Small' })],
  };
}

export function execute(title: string, verb: string, data: Record<string, unknown> = {}, options: CardElement = {}): CardElement {
  return { type: 'Action.Execute', title, verb, data: { verb, ...data }, ...options };
}
