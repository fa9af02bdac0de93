import { randomUUID } from 'node:crypto';

/** Inbound Teams activities, shaped as Teams sends them, for driving the bot over HTTP. */
export interface TestUser {
  aadObjectId: string;
  name: string;
  teamsId: string;
}

export interface ActivityContext {
  serviceUrl: string;
  tenantId: string;
  botId: string;
}

export function personalMessage(ctx: ActivityContext, user: TestUser, conversationId: string, text: string): Record<string, unknown> {
  return {
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl: ctx.serviceUrl,
    channelId: 'msteams',
    from: { id: user.teamsId, name: user.name, aadObjectId: user.aadObjectId },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: ctx.tenantId },
    recipient: { id: ctx.botId, name: 'Jigsaw' },
    text,
    channelData: { tenant: { id: ctx.tenantId } },
  };
}

export function personalInvoke(ctx: ActivityContext, user: TestUser, conversationId: string, verb: string, data: Record<string, unknown>): Record<string, unknown> {
  return {
    ...personalMessage(ctx, user, conversationId, ''),
    type: 'invoke',
    name: 'adaptiveCard/action',
    text: undefined,
    value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
  };
}

export function channelMessage(ctx: ActivityContext, user: TestUser, team: { id: string }, channel: { id: string; name: string }, text: string): Record<string, unknown> {
  return {
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl: ctx.serviceUrl,
    channelId: 'msteams',
    from: { id: user.teamsId, name: user.name, aadObjectId: user.aadObjectId },
    conversation: { id: `${channel.id};messageid=${Date.now()}`, conversationType: 'channel', isGroup: true, tenantId: ctx.tenantId },
    recipient: { id: ctx.botId, name: 'Jigsaw' },
    text,
    entities: [{ type: 'mention', text: '<at>Jigsaw</at>', mentioned: { id: ctx.botId, name: 'Jigsaw' } }],
    channelData: { team: { id: team.id }, channel: { id: channel.id, name: channel.name }, tenant: { id: ctx.tenantId } },
  };
}

/**
 * An `adaptiveCard/action` invoke from a card in a channel, as Teams sends it: the conversation
 * is the card's thread (`<channelId>;messageid=<rootId>`), `replyToId` the card's activity id,
 * and channelData names the team and channel.
 */
export function channelInvoke(
  ctx: ActivityContext,
  user: TestUser,
  where: { team: { id: string }; channel: { id: string; name: string }; rootId: string; replyToId?: string },
  verb: string,
  data: Record<string, unknown>,
  trigger: 'manual' | 'automatic' = 'manual',
): Record<string, unknown> {
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl: ctx.serviceUrl,
    channelId: 'msteams',
    from: { id: user.teamsId, name: user.name, aadObjectId: user.aadObjectId },
    conversation: { id: `${where.channel.id};messageid=${where.rootId}`, conversationType: 'channel', isGroup: true, tenantId: ctx.tenantId },
    recipient: { id: ctx.botId, name: 'Jigsaw' },
    replyToId: where.replyToId ?? where.rootId,
    value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger },
    channelData: { team: { id: where.team.id }, channel: { id: where.channel.id, name: where.channel.name }, tenant: { id: ctx.tenantId } },
  };
}
