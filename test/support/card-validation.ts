// The adaptivecards package is ESM without extensions; jest maps this path to its UMD build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards');

/**
 * Parses a card with the official adaptivecards library at version 1.5 and returns every
 * parse and validation message (unknown elements, bad values, duplicate ids, missing choices…).
 */
export function adaptiveCardProblems(card: unknown): string[] {
  const adaptiveCard = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  adaptiveCard.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of adaptiveCard.validateProperties().validationEvents) problems.push(event.message);
  const version = (card as { version?: string }).version;
  if (version !== '1.5') problems.push(`card version is ${version}, Teams bot cards need 1.5`);
  return problems;
}

/** All the text a card would show, for content assertions. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'label', 'placeholder', 'value']) if (typeof n[key] === 'string') out.push(n[key] as string);
      for (const value of Object.values(n)) if (typeof value === 'object') walk(value);
    }
  };
  walk(card);
  return out.join('\n');
}

/** Finds an input element by id anywhere in a card. */
export function findInput(card: unknown, id: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (typeof n.type === 'string' && n.type.startsWith('Input.') && n.id === id) found = n;
      else Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return found;
}

export function findActions(card: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (typeof n.type === 'string' && n.type.startsWith('Action.')) out.push(n);
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  return out;
}
