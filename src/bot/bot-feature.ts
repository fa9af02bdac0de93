import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/card-kit';
import type { Person } from '../domain/concerns/concern';
import type { Tenant } from '../store/tenant.repo';

/**
 * A capability the bot routes to (triage, AUPs, audits…). Each feature lives in its own file
 * under src/bot/features/ and is registered in the composition root, so capabilities do not
 * edit each other's code. Identity (`person`) comes from the activity; the tenant from the
 * server's records; `data` is untrusted card data (zod-parse it).
 */
export interface InvokeRequest {
  tenant: Tenant;
  person: Person;
  verb: string;
  data: Record<string, unknown>;
  trigger?: 'manual' | 'automatic';
  conversationType: string;
  conversationId: string;
  /** The id of the message whose card was actioned (Teams sets replyToId on card invokes). */
  messageId?: string;
}

export interface MessageRequest {
  tenant: Tenant;
  person: Person;
  /** The text with bot mentions removed. */
  text: string;
  conversationType: string;
}

export interface BotFeature {
  readonly name: string;
  /** Verbs this feature owns, matched by prefix (e.g. "concern." or "aup."). */
  readonly verbPrefixes: readonly string[];
  /** Returns the card that replaces the actioned card (Universal Actions invoke response). */
  handleInvoke?(request: InvokeRequest, context: TurnContext): Promise<AdaptiveCard>;
  /** Handles a text message; returns true when it answered. Tried before the built-in replies. */
  handleMessage?(request: MessageRequest, context: TurnContext): Promise<boolean>;
}
