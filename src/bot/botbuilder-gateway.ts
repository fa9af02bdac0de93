import { type Activity, type ConversationReference, TurnContext } from 'botbuilder';
import { CARD_CONTENT_TYPE } from '../cards/card-kit';
import type { DslChannel } from '../store/conversation.repo';
import type { JigsawCloudAdapter } from './adapter';
import { DeliveryError, type OutgoingMessage, type PersonTarget, type SentMessage, type TeamsGateway } from '../jobs/teams-gateway';

/** The TeamsGateway port over botbuilder's CloudAdapter (the only place the jobs meet botbuilder). */
export class BotbuilderGateway implements TeamsGateway {
  constructor(
    private readonly adapter: JigsawCloudAdapter,
    private readonly botAppId: string,
  ) {}

  async postToChannel(channel: DslChannel, message: OutgoingMessage): Promise<SentMessage> {
    // The createConversation call createConversationAsync makes, on the connector reused per
    // service URL, and without the turn context that would only have handed back the new id.
    const created = await callTeams(async () =>
      (await this.adapter.connectorFor(this.botAppId, channel.serviceUrl)).conversations.createConversation({
        isGroup: true,
        channelData: { channel: { id: channel.channelId }, tenant: { id: channel.tenantId } },
        activity: toActivity(message) as Activity,
        bot: { id: channel.botId, name: 'Jigsaw' },
        tenantId: channel.tenantId,
        members: [],
      }),
    );
    const conversationId = created.id ?? '';
    // Teams answers with the new thread's id, "<channel id>;messageid=<activity id>".
    const activityId = /;messageid=(.+)$/.exec(conversationId)?.[1] ?? conversationId;
    return { conversationId, activityId, serviceUrl: channel.serviceUrl };
  }

  async sendToPerson(target: PersonTarget, message: OutgoingMessage): Promise<SentMessage> {
    if (target.conversationId) {
      const reference = personalReference(target, target.conversationId);
      let activityId = '';
      await callTeamsInTurn((logic) => this.adapter.continueConversationAsync(this.botAppId, reference, logic), async (context) => {
        activityId = (await context.sendActivity(toActivity(message)))?.id ?? '';
      });
      return { conversationId: target.conversationId, activityId, serviceUrl: target.serviceUrl };
    }
    // Never messaged the bot: open the 1:1 chat (the app must be installed for the user).
    let sent: SentMessage | undefined;
    await callTeamsInTurn(
      (logic) =>
        this.adapter.createConversationAsync(
          this.botAppId,
          'msteams',
          target.serviceUrl,
          '',
          {
            isGroup: false,
            bot: { id: target.botId, name: 'Jigsaw' },
            members: [{ id: target.teamsUserId ?? target.aadObjectId, name: '' }],
            tenantId: target.tenantId,
            channelData: { tenant: { id: target.tenantId } },
          },
          logic,
        ),
      async (context) => {
        const response = await context.sendActivity(toActivity(message));
        sent = { conversationId: context.activity.conversation.id, activityId: response?.id ?? '', serviceUrl: target.serviceUrl };
      },
    );
    if (!sent) throw new DeliveryError('no conversation was created');
    return sent;
  }

  /** Enough of a reference to call the connector on a conversation we posted in before. */
  private referenceTo(sent: SentMessage): Partial<ConversationReference> {
    return {
      channelId: 'msteams',
      serviceUrl: sent.serviceUrl,
      conversation: { id: sent.conversationId, isGroup: sent.conversationId.startsWith('19:'), conversationType: '', name: '' },
      bot: { id: this.botAppId, name: 'Jigsaw' },
    };
  }

  async replyInThread(sent: SentMessage, message: OutgoingMessage): Promise<SentMessage> {
    const reference = this.referenceTo(sent);
    let activityId = '';
    await callTeamsInTurn((logic) => this.adapter.continueConversationAsync(this.botAppId, reference, logic), async (context) => {
      activityId = (await context.sendActivity(toActivity(message)))?.id ?? '';
    });
    return { conversationId: sent.conversationId, activityId, serviceUrl: sent.serviceUrl };
  }

  async updateMessage(sent: SentMessage, message: OutgoingMessage): Promise<void> {
    const reference = this.referenceTo(sent);
    await callTeamsInTurn((logic) => this.adapter.continueConversationAsync(this.botAppId, reference, logic), async (context) => {
      await context.updateActivity({ ...toActivity(message), id: sent.activityId });
    });
  }
}

function personalReference(target: PersonTarget, conversationId: string): Partial<ConversationReference> {
  return {
    channelId: 'msteams',
    serviceUrl: target.serviceUrl,
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', tenantId: target.tenantId, name: '' },
    bot: { id: target.botId, name: 'Jigsaw' },
    user: { id: target.teamsUserId ?? target.aadObjectId, name: '', aadObjectId: target.aadObjectId },
  };
}

export function toActivity(message: OutgoingMessage): Partial<Activity> {
  return {
    type: 'message',
    text: message.text,
    summary: message.summary,
    attachments: message.card ? [{ contentType: CARD_CONTENT_TYPE, content: message.card }] : [],
    // The entities exactly as teamsMention built them: their text is in `text`, escaped the same way.
    entities: (message.mentions ?? []).map((m) => ({ ...m, mentioned: { ...m.mentioned } })),
  };
}

/** Turns botbuilder/HTTP failures into DeliveryErrors carrying the status and Retry-After. */
async function callTeams<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toDeliveryError(err);
  }
}

/**
 * Runs `logic` in the proactive turn `run` opens, keeping its failure: botbuilder hands an error
 * thrown in a turn to the adapter's onTurnError, which logs it and carries on, so a send Teams
 * refused would otherwise look delivered (with no activity id) to the outbox.
 */
async function callTeamsInTurn(run: (logic: (context: TurnContext) => Promise<void>) => Promise<unknown>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
  let failure: { err: unknown } | undefined;
  await callTeams(() =>
    run(async (context) => {
      try {
        await logic(context);
      } catch (err) {
        failure = { err };
      }
    }),
  );
  if (failure) throw toDeliveryError(failure.err);
}

export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as {
    statusCode?: number;
    status?: number;
    message?: string;
    response?: { status?: number; headers?: { get?: (name: string) => string | undefined | null } & Record<string, unknown> };
  };
  const status = e.statusCode ?? e.status ?? e.response?.status;
  const headers = e.response?.headers;
  const rawRetryAfter = headers?.get ? headers.get('retry-after') : (headers?.['retry-after'] as string | undefined);
  return new DeliveryError(e.message ?? 'Teams call failed', typeof status === 'number' ? status : undefined, parseRetryAfter(rawRetryAfter ?? undefined));
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
