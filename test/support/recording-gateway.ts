import type { OutgoingMessage, PersonTarget, SentMessage, TeamsGateway } from '../../src/jobs/teams-gateway';
import { cardText } from './card-validation';

/**
 * A Teams gateway for personal messages (AUP cards) that records what would reach Teams; every
 * call succeeds. `take()` hands over what was sent since the last call, leaving out one person
 * (the admin, whose progress cards the AUP tests do not count).
 */
export class RecordingGateway implements TeamsGateway {
  readonly sent: { to: string; text: string; card: unknown }[] = [];
  readonly updated: { activityId: string; text: string }[] = [];
  private n = 0;

  constructor(private readonly leftOut: string) {}

  async postToChannel(): Promise<SentMessage> {
    throw new Error('not used');
  }
  async replyInThread(): Promise<SentMessage> {
    throw new Error('not used');
  }
  async sendToPerson(target: PersonTarget, message: OutgoingMessage): Promise<SentMessage> {
    this.sent.push({ to: target.aadObjectId, text: cardText(message.card), card: message.card });
    return { conversationId: `chat-${target.aadObjectId}`, activityId: String(++this.n), serviceUrl: target.serviceUrl };
  }
  async updateMessage(sent: SentMessage, message: OutgoingMessage): Promise<void> {
    this.updated.push({ activityId: sent.activityId, text: cardText(message.card) });
  }
  take(): { to: string; text: string; card: unknown }[] {
    return this.sent.splice(0).filter((s) => s.to !== this.leftOut);
  }
}
