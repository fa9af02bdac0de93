// The gateway's proactive sends run inside a botbuilder turn (continueConversationAsync,
// createConversationAsync), where an error reaches the adapter's onTurnError, which logs it and
// carries on. Teams refusing a send there must still reach the outbox as a failure with its
// status: swallowed, a refused send looked delivered (an empty activity id) or like a network
// failure, so it was marked sent (lost) or never counted as a refusal.
import { createCloudAdapter } from '../../src/bot/adapter';
import { BotbuilderGateway } from '../../src/bot/botbuilder-gateway';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging';
import type { DeliveryError, PersonTarget } from '../../src/jobs/teams-gateway';
import { type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';

describe('BotbuilderGateway: Teams refusing a send inside a proactive turn', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ jigsaw: { runWorker: false }, connector: { rateLimits: false } });
  });
  afterAll(() => h.stop());

  const gateway = () => new BotbuilderGateway(createCloudAdapter(loadConfig({ LOG_LEVEL: 'silent' }), silentLogger), '');
  const target = (conversationId?: string): PersonTarget => ({
    tenantId: SCHOOL.tenantId,
    aadObjectId: PEOPLE.teacher.aadObjectId,
    teamsUserId: PEOPLE.teacher.teamsId,
    serviceUrl: h.fake.serviceUrl,
    botId: SCHOOL.botId,
    conversationId,
  });
  const isWrite = (req: { operation: string }) => req.operation === 'sendToConversation' || req.operation === 'replyToActivity' || req.operation === 'updateActivity';

  it('a refused send to a known chat is a failure with its status, not a delivery', async () => {
    const stop = h.fake.failWhile(isWrite, 403, { code: 'BotNotInConversationRoster' });
    try {
      const sent = gateway().sendToPerson(target(h.personalConversationId(PEOPLE.teacher)), { text: 'refused' });
      await expect(sent).rejects.toMatchObject({ name: 'DeliveryError', status: 403 } satisfies Partial<DeliveryError>);
    } finally {
      stop();
    }
  });

  it('a refused send to a chat it opens is a failure with its status, not a network failure', async () => {
    const stop = h.fake.failWhile(isWrite, 404);
    try {
      await expect(gateway().sendToPerson(target(), { text: 'refused' })).rejects.toMatchObject({ name: 'DeliveryError', status: 404 });
    } finally {
      stop();
    }
  });

  it('a refused reply in a thread and a refused update are failures with their status', async () => {
    const channel = { tenantId: SCHOOL.tenantId, teamId: SCHOOL.team.id, channelId: SCHOOL.dslChannel.id, serviceUrl: h.fake.serviceUrl, botId: SCHOOL.botId, registeredBy: PEOPLE.admin.aadObjectId };
    const posted = await gateway().postToChannel(channel, { text: 'thread' });
    const stop = h.fake.failWhile(isWrite, 429, { retryAfterSeconds: 7 });
    try {
      await expect(gateway().replyInThread(posted, { text: 'reply' })).rejects.toMatchObject({ status: 429, retryAfterMs: 7000 });
      await expect(gateway().updateMessage(posted, { text: 'update' })).rejects.toMatchObject({ status: 429, retryAfterMs: 7000 });
    } finally {
      stop();
    }
  });
});
