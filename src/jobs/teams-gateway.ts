import type { AdaptiveCard } from '../cards/card-kit';
import type { DslChannel } from '../store/conversation.repo';
import type { TeamsMentionEntity } from './teams-text';

/**
 * What the jobs need from Teams, as plain data. `src/bot/` implements it with botbuilder;
 * tests may implement it directly. Swapping the Teams SDK means rewriting that one class.
 */
export interface OutgoingMessage {
  card?: AdaptiveCard;
  /**
   * Text shown with the card, read by Teams as Markdown: a name in it goes through
   * `teamsTextLiteral`, and each mention's `<at>…</at>` is the `text` of its entity.
   */
  text?: string;
  /** Built with `teamsMention`, whose `text` is also in `text` above. */
  mentions?: TeamsMentionEntity[];
  /** Notification preview text (no personal data). */
  summary?: string;
}

export interface SentMessage {
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

export interface PersonTarget {
  tenantId: string;
  aadObjectId: string;
  /** A known 1:1 conversation; without it the gateway creates one. */
  conversationId?: string;
  teamsUserId?: string;
  serviceUrl: string;
  botId: string;
}

export interface TeamsGateway {
  postToChannel(channel: DslChannel, message: OutgoingMessage): Promise<SentMessage>;
  sendToPerson(target: PersonTarget, message: OutgoingMessage): Promise<SentMessage>;
  updateMessage(sent: SentMessage, message: OutgoingMessage): Promise<void>;
  /** Replies in the thread a channel post started (`sent` is that post). */
  replyInThread(sent: SentMessage, message: OutgoingMessage): Promise<SentMessage>;
}

/**
 * A failed delivery, classified. `status` is the HTTP status from Teams (undefined for a
 * network failure); `retryAfterMs` comes from a Retry-After header.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }

  get throttled(): boolean {
    return this.status === 429;
  }

  /**
   * Teams refusing this message for good: the card is invalid or too large (400, 413), or the
   * bot may not post there (403, 404: a person who left or removed the app). Not 401: the bot's
   * credentials refused is every message's failure, and fixing them delivers everything.
   */
  get refusedForGood(): boolean {
    return this.status !== undefined && [400, 403, 404, 413].includes(this.status);
  }

  /** Failures that more retries will not fix without someone changing something (413: a card over 28 KB). */
  get needsAttention(): boolean {
    return this.status !== undefined && [400, 401, 403, 404, 413].includes(this.status);
  }
}
