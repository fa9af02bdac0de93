// Proves the Teams connector fake against botbuilder's real client code (CloudAdapter,
// ConnectorClient, TeamsInfo), and pins down how botbuilder reports connector errors, which the
// product's outbox relies on to classify failures.
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationParameters, ConversationReference, TeamsInfo, TurnContext } from 'botbuilder';
import { createTeamsConnectorFake, TeamsConnectorFake } from '../fakes/teams-connector';

const TENANT = '11111111-2222-4333-8444-555555555555';
const TEAM = '19:staffteam0000000000000000000000@thread.tacv2';
const DSL_CHANNEL = '19:dslchannel000000000000000000000@thread.tacv2';
const HIDDEN_CHANNEL = '19:hiddenchannel0000000000000000000@thread.tacv2';
const STANDARD_CHANNEL = '19:announcements0000000000000000000@thread.tacv2';

const users = [
  { aadObjectId: 'aad-alice', name: 'Alice Adams', email: 'alice@school.example' },
  { aadObjectId: 'aad-bob', name: 'Bob Brown', email: 'bob@school.example' },
  { aadObjectId: 'aad-carol', name: 'Carol Cole', email: 'carol@school.example' },
  { aadObjectId: 'aad-nobot', name: 'Dan NoApp', botInstalled: false },
];

async function newFake(extra: Parameters<typeof createTeamsConnectorFake>[0] = {}): Promise<TeamsConnectorFake> {
  return createTeamsConnectorFake({
    tenantId: TENANT,
    users,
    teams: [
      {
        id: TEAM,
        name: 'Staff',
        members: ['aad-alice', 'aad-bob', 'aad-carol'],
        channels: [
          { id: STANDARD_CHANNEL, name: 'Announcements' },
          { id: DSL_CHANNEL, name: 'DSL team', membershipType: 'private', members: ['aad-alice', 'aad-bob'] },
          { id: HIDDEN_CHANNEL, name: 'Other private', membershipType: 'private', members: ['aad-carol'], botAdded: false },
        ],
      },
    ],
    // Small pages so paging is exercised with a three-person roster (Teams' own minimum is 50).
    pageSize: { min: 1 },
    ...extra,
  });
}

// Auth disabled: no app id, so botbuilder sends no token (platform-facts: "auth turns itself off").
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

function refFor(fake: TeamsConnectorFake, conversationId: string): Partial<ConversationReference> {
  return { channelId: 'msteams', serviceUrl: fake.serviceUrl, conversation: { id: conversationId } as ConversationReference['conversation'], bot: { id: '28:bot', name: 'Jigsaw' } };
}

/** Runs `logic` in a proactive turn on `conversationId` and returns its result. */
async function inConversation<T>(fake: TeamsConnectorFake, conversationId: string, logic: (ctx: TurnContext) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await adapter.continueConversationAsync('', refFor(fake, conversationId), async (ctx) => {
    out = await logic(ctx);
  });
  return out as T;
}

async function catchError(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const card = (title: string) => ({
  contentType: 'application/vnd.microsoft.card.adaptive',
  content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: title }] },
});

describe('Teams connector fake, driven by botbuilder', () => {
  let fake: TeamsConnectorFake;
  beforeEach(async () => {
    fake = await newFake();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('listens on loopback only', () => {
    expect(fake.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('records proactive sends, updates and deletes in a personal chat', async () => {
    const conv = fake.personalConversationId('aad-alice');
    const { id } = (await inConversation(fake, conv, (ctx) => ctx.sendActivity('Hello Alice')))!;
    expect(id).toMatch(/^\d+$/);
    await inConversation(fake, conv, (ctx) => ctx.updateActivity({ id, type: 'message', text: 'Hello again', attachments: [card('v2')] }));
    expect(fake.activitiesIn(conv)).toHaveLength(1);
    expect(fake.activitiesIn(conv)[0].body.text).toBe('Hello again');
    expect(fake.lastCardIn(conv)).toMatchObject({ body: [{ text: 'v2' }] });
    expect(fake.findByText('Hello again').map((m) => m.activityId)).toEqual([id]);
    expect(fake.allSent().map((o) => o.kind)).toEqual(['reply', 'update']); // continueConversation replies to its continuation event's id

    await inConversation(fake, conv, (ctx) => ctx.deleteActivity(id));
    expect(fake.activitiesIn(conv)[0].deleted).toBe(true);
  });

  it('answers 404 for an update of an unknown activity, as a RestError with statusCode and code', async () => {
    const conv = fake.personalConversationId('aad-alice');
    const err = await catchError(inConversation(fake, conv, (ctx) => ctx.updateActivity({ id: '1700000000000', type: 'message', text: 'x' })));
    expect(err.name).toBe('RestError');
    expect(err.statusCode).toBe(404);
    expect(err.response.status).toBe(404);
    expect(err.code).toBe('ActivityNotFoundInConversation');
  });

  it('creates a personal conversation (stable id per user) and refuses users without the app', async () => {
    const params = { isGroup: false, members: [{ id: fake.state.findUser('aad-bob')!.id, name: '' }], tenantId: TENANT, channelData: { tenant: { id: TENANT } } } as ConversationParameters;
    let created = '';
    await adapter.createConversationAsync('', 'msteams', fake.serviceUrl, '', params, async (ctx) => {
      created = ctx.activity.conversation.id;
      await ctx.sendActivity('Welcome Bob');
    });
    expect(created).toBe(fake.personalConversationId('aad-bob'));
    expect(fake.activitiesIn(created).map((m) => m.body.text)).toEqual(['Welcome Bob']);

    fake.state.findUser('aad-bob')!.botInstalled = false; // uninstalled later: posting is refused
    const uninstalled = await catchError(inConversation(fake, created, (ctx) => ctx.sendActivity('still there?')));
    expect(uninstalled.statusCode).toBe(403);

    const noApp = { ...params, members: [{ id: fake.state.findUser('aad-nobot')!.id, name: '' }] } as ConversationParameters;
    const err = await catchError(adapter.createConversationAsync('', 'msteams', fake.serviceUrl, '', noApp, async () => undefined));
    expect(err.statusCode).toBe(403);
  });

  it('creates a conversation in a channel: id is "<channelId>;messageid=<activityId>", and the post can be updated and replied to', async () => {
    let threadId = '';
    const params = { isGroup: true, channelData: { channel: { id: DSL_CHANNEL } }, activity: { type: 'message', text: 'New concern', attachments: [card('v1')] } } as unknown as ConversationParameters;
    await adapter.createConversationAsync('', 'msteams', fake.serviceUrl, '', params, async (ctx) => {
      threadId = ctx.activity.conversation.id;
    });
    // CloudAdapter does not hand the activityId to the callback; it is in the conversation id.
    const m = /^(.*);messageid=(\d+)$/.exec(threadId)!;
    expect(m[1]).toBe(DSL_CHANNEL);
    const rootId = m[2];
    expect(fake.activitiesIn(DSL_CHANNEL).map((x) => x.activityId)).toEqual([rootId]);

    await inConversation(fake, threadId, async (ctx) => {
      await ctx.updateActivity({ id: rootId, type: 'message', attachments: [card('v2')] });
      await ctx.sendActivity('A reply in the thread');
    });
    expect(fake.lastCardIn(threadId)).toMatchObject({ body: [{ text: 'v2' }] });
    const thread = fake.activitiesIn(threadId);
    expect(thread.map((x) => x.threadRootId)).toEqual([rootId, rootId]);
    expect(thread[1].body.text).toBe('A reply in the thread');

    const err = await catchError(
      adapter.createConversationAsync('', 'msteams', fake.serviceUrl, '', { ...params, channelData: { channel: { id: HIDDEN_CHANNEL } } } as ConversationParameters, async () => undefined),
    );
    expect(err.statusCode).toBe(403);
  });

  it('serves paged members, single members, team details and channels to TeamsInfo', async () => {
    await adapter.continueConversationAsync('', refFor(fake, STANDARD_CHANNEL), async (ctx) => {
      ctx.activity.channelData = { team: { id: TEAM } };
      const first = await TeamsInfo.getPagedMembers(ctx, 2);
      expect(first.members).toHaveLength(2);
      expect(first.continuationToken).toBeTruthy();
      const second = await TeamsInfo.getPagedMembers(ctx, 2, first.continuationToken);
      expect(second.continuationToken).toBeUndefined();
      const all = [...first.members, ...second.members];
      expect(all.map((x) => x.name)).toEqual(['Alice Adams', 'Bob Brown', 'Carol Cole']);
      expect(all[0]).toMatchObject({ aadObjectId: 'aad-alice', email: 'alice@school.example', userPrincipalName: 'alice@school.example', tenantId: TENANT, userRole: 'user' });
      expect(all[0].id).toMatch(/^29:/);

      const byAad = await TeamsInfo.getMember(ctx, 'aad-bob');
      expect(byAad.name).toBe('Bob Brown');

      const details = await TeamsInfo.getTeamDetails(ctx);
      expect(details).toMatchObject({ id: TEAM, name: 'Staff', memberCount: 3 });
      const channels = await TeamsInfo.getTeamChannels(ctx);
      expect(channels.map((c) => c.id)).toEqual([TEAM, STANDARD_CHANNEL, DSL_CHANNEL]);
      expect(channels[0].name ?? null).toBeNull(); // General comes back unnamed, as in Teams
    });
    // A private channel has its own roster.
    await adapter.continueConversationAsync('', refFor(fake, DSL_CHANNEL), async (ctx) => {
      const page = await TeamsInfo.getPagedMembers(ctx);
      expect(page.members.map((x) => x.name)).toEqual(['Alice Adams', 'Bob Brown']);
      const err = await catchError(TeamsInfo.getMember(ctx, 'aad-carol'));
      expect(err.statusCode).toBe(404);
    });
  });

  it('surfaces a persistent 429 as RestError with statusCode 429 and the Retry-After header, after botbuilder retried 3 times', async () => {
    const conv = fake.personalConversationId('aad-alice');
    fake.failNext(4, 429, { retryAfterSeconds: 0 });
    const err = await catchError(inConversation(fake, conv, (ctx) => ctx.sendActivity('throttled')));
    expect(err.name).toBe('RestError');
    expect(err.statusCode).toBe(429);
    expect(err.code).toBe('TooManyRequests');
    expect(err.response.status).toBe(429);
    expect(err.response.headers.get('retry-after')).toBe('0');
    expect(err.response.headers.get('Retry-After')).toBe('0'); // HttpHeaders is case-insensitive
    expect(fake.counters().throttled).toBe(4); // 1 try + 3 automatic retries by @azure/core-rest-pipeline
    expect(fake.activitiesIn(conv)).toHaveLength(0);
  });

  it('a 429 without Retry-After is not retried by botbuilder: the caller gets it at once', async () => {
    const conv = fake.personalConversationId('aad-alice');
    fake.failNext(1, 429);
    const err = await catchError(inConversation(fake, conv, (ctx) => ctx.sendActivity('no header')));
    expect(err.statusCode).toBe(429);
    expect(err.response.headers.get('retry-after')).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });

  it('a single 429 is absorbed by botbuilder: it waits Retry-After and retries', async () => {
    const conv = fake.personalConversationId('aad-alice');
    fake.failNext(1, 429, { retryAfterSeconds: 1 });
    const started = Date.now();
    await inConversation(fake, conv, (ctx) => ctx.sendActivity('eventually'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 201]);
    expect(fake.activitiesIn(conv)).toHaveLength(1);
  });

  it('enforces the per-conversation limit: the 8th quick send is answered 429 with Retry-After', async () => {
    const conv = fake.personalConversationId('aad-alice');
    // Raw HTTP first, to see the fake's own answer without botbuilder's retry.
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${fake.serviceUrl}/v3/conversations/${encodeURIComponent(conv)}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: `raw ${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(fake.requests[7]).toMatchObject({ status: 429, outcome: 'rate-limited', limit: 'per-conversation send' });

    // Through botbuilder: the 8th send gets a 429, the SDK waits Retry-After and succeeds.
    fake.resetRateLimits();
    fake.reset();
    await inConversation(fake, conv, async (ctx) => {
      for (let i = 0; i < 8; i++) await ctx.sendActivity(`sdk ${i}`);
    });
    expect(fake.requests.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201, 201, 429, 201]);
    expect(fake.activitiesIn(conv)).toHaveLength(8);
    expect(fake.counters().byConversation[conv]).toEqual({ requests: 9, writes: 8, throttled: 1 });

    // Another conversation has its own budget.
    const other = fake.personalConversationId('aad-bob');
    await inConversation(fake, other, (ctx) => ctx.sendActivity('not throttled'));
    expect(fake.requests.at(-1)!.status).toBe(201);

    // Rate limits can be switched off for tests.
    fake.setRateLimits(false);
    for (let i = 0; i < 20; i++) await inConversation(fake, conv, (ctx) => ctx.sendActivity(`free ${i}`));
    expect(fake.counters().throttled).toBe(1);
  });

  it('applies the per-tenant requests/s limit', async () => {
    fake.setRateLimits({ perTenantPerSecond: 3 });
    const statuses: number[] = [];
    for (const who of ['aad-alice', 'aad-bob', 'aad-carol', 'aad-alice']) {
      const res = await fetch(`${fake.serviceUrl}/v3/conversations/${encodeURIComponent(fake.personalConversationId(who))}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: 'x' }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(fake.requests[3].limit).toBe('per-tenant');
  });

  it('injects 5xx: botbuilder retries it, and "accepted then 500" duplicates the message', async () => {
    const conv = fake.personalConversationId('aad-alice');
    fake.failNext(1, 503);
    await inConversation(fake, conv, (ctx) => ctx.sendActivity('after one 503'));
    expect(fake.requests.map((r) => r.status)).toEqual([503, 201]);

    fake.reset();
    fake.acceptThenFail(1, 500);
    await inConversation(fake, conv, (ctx) => ctx.sendActivity('sent twice'));
    // The SDK never learnt the first send worked, so it sent again: at-least-once delivery.
    expect(fake.findByText('sent twice')).toHaveLength(2);
    expect(fake.requests.map((r) => [r.status, r.outcome])).toEqual([
      [500, 'accepted-then-failed'],
      [201, 'ok'],
    ]);
  });

  it('fails while a predicate or a deadline holds', async () => {
    const conv = fake.personalConversationId('aad-alice');
    const stop = fake.failWhile((req) => req.operation === 'updateActivity', 412);
    const { id } = (await inConversation(fake, conv, (ctx) => ctx.sendActivity('v1')))!;
    const err = await catchError(inConversation(fake, conv, (ctx) => ctx.updateActivity({ id, type: 'message', text: 'v2' })));
    expect(err.statusCode).toBe(412); // not retried by the SDK
    stop();
    await inConversation(fake, conv, (ctx) => ctx.updateActivity({ id, type: 'message', text: 'v2' }));

    fake.failWhile({ until: Date.now() + 300 }, 503, { retryAfterSeconds: 0 });
    const res = await fetch(`${fake.serviceUrl}/v3/conversations/${encodeURIComponent(conv)}/activities`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    await new Promise((r) => setTimeout(r, 350));
    const ok = await fetch(`${fake.serviceUrl}/v3/conversations/${encodeURIComponent(conv)}/activities`, { method: 'POST', body: '{}' });
    expect(ok.status).toBe(201);
  });

  it('goes down (connection refused, or 503) and comes back on the same port', async () => {
    const conv = fake.personalConversationId('aad-alice');
    await fake.down('refuse');
    const refused = await catchError(fetch(`${fake.serviceUrl}/v3/teams/${encodeURIComponent(TEAM)}`));
    expect(refused.cause?.code).toBe('ECONNREFUSED');
    // botbuilder retries refused connections; coming back within its back-off, the send succeeds.
    const pending = inConversation(fake, conv, (ctx) => ctx.sendActivity('survived an outage'));
    await new Promise((r) => setTimeout(r, 200));
    await fake.up();
    await pending;
    expect(fake.findByText('survived an outage')).toHaveLength(1);

    await fake.down('503');
    const res = await fetch(`${fake.serviceUrl}/v3/teams/${encodeURIComponent(TEAM)}`);
    expect(res.status).toBe(503);
    await fake.up();
  });

  it('adds latency', async () => {
    fake.setLatency(150);
    const started = Date.now();
    await fetch(`${fake.serviceUrl}/v3/teams/${encodeURIComponent(TEAM)}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('holds a response after applying it, so a test can cut the client off mid-request', async () => {
    const conv = fake.personalConversationId('aad-alice');
    const hold = fake.hold({ match: (r) => r.operation === 'replyToActivity' });
    const pending = inConversation(fake, conv, (ctx) => ctx.sendActivity('in flight'));
    const [held] = await hold.waitForHeld(1);
    expect(held.applied).toBe(true);
    expect(fake.findByText('in flight')).toHaveLength(1); // Teams has it; the bot does not know yet
    hold.stop();
    held.destroy(); // client sees ECONNRESET; botbuilder retries, so the message lands twice
    await pending;
    expect(fake.findByText('in flight')).toHaveLength(2);
  });

  it('accepts conversation ids in paths whether or not ":", "@" and ";" are percent-encoded', async () => {
    const [root] = (await (
      await fetch(`${fake.serviceUrl}/v3/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ isGroup: true, channelData: { channel: { id: STANDARD_CHANNEL } }, activity: { type: 'message', text: 'root' } }),
      })
    ).json().then((b: any) => [b.activityId as string])) as string[];
    const thread = `${STANDARD_CHANNEL};messageid=${root}`;
    const raw = await fetch(`${fake.serviceUrl}/v3/conversations/${thread}/activities`, { method: 'POST', body: JSON.stringify({ type: 'message', text: 'raw reply' }) });
    expect(raw.status).toBe(201);
    const encoded = await fetch(`${fake.serviceUrl}/v3/conversations/${encodeURIComponent(thread)}/activities/${root}`, {
      method: 'PUT',
      body: JSON.stringify({ type: 'message', text: 'root edited' }),
    });
    expect(encoded.status).toBe(200);
    expect(fake.activitiesIn(thread).map((m) => m.body.text)).toEqual(['root edited', 'raw reply']);
  });

  it('can hold a request before applying it', async () => {
    const conv = fake.personalConversationId('aad-alice');
    const hold = fake.hold({ when: 'before-apply' });
    const pending = inConversation(fake, conv, (ctx) => ctx.sendActivity('not yet'));
    const [held] = await hold.waitForHeld();
    expect(held.applied).toBe(false);
    expect(fake.findByText('not yet')).toHaveLength(0);
    hold.stop();
    held.release();
    await pending;
    expect(fake.findByText('not yet')).toHaveLength(1);
  });

  it('optionally requires a bearer token and records it', async () => {
    const strict = await newFake({ requireBearer: 'token-123' });
    try {
      const conv = strict.personalConversationId('aad-alice');
      const err = await catchError(inConversation(strict, conv, (ctx) => ctx.sendActivity('no token')));
      expect(err.statusCode).toBe(401);
      const res = await fetch(`${strict.serviceUrl}/v3/conversations/${encodeURIComponent(conv)}/activities`, {
        method: 'POST',
        headers: { authorization: 'Bearer token-123', 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: 'with token' }),
      });
      expect(res.status).toBe(201);
      expect(strict.allSent()[0].authorization).toBe('Bearer token-123');
    } finally {
      await strict.stop();
    }
  });
});
