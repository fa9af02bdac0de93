// Proves the end-to-end harness: a tiny botbuilder bot behind the real Microsoft 365 Agents
// Playground, driven through its UI in Debian's Chromium. Personal chat → card → Action.Execute →
// updated card; a card with every input kind; a proactive card posted into the team channel and
// then updated; acting as another user in the channel (who the bot sees, paged members).
// Runs only with JIGSAW_E2E=1 (npm run test:e2e). Screenshots land in test-results/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as restify from 'restify';
import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TeamsInfo,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationParameters,
  type ConversationReference,
} from 'botbuilder';
import { DEMO_SCHOOL, demoChannelMembers, writePlaygroundConfig } from '../../src/demo/playground-config';
import { startPlayground, type RunningPlayground } from '../../src/demo/start-playground';
import { PlaygroundDriver } from './support/playground-driver';

const CARD = 'application/vnd.microsoft.card.adaptive';

type Card = Record<string, unknown>;
const card = (body: unknown[], actions: unknown[] = []): Card => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  actions,
});
const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...extra });

const echoCard = (said: string): Card =>
  card(
    [text(`You said: ${said}`, { weight: 'Bolder' }), { type: 'Input.Text', id: 'reply', label: 'Your reply' }],
    [{ type: 'Action.Execute', title: 'Send', verb: 'echo.submit', data: { said } }],
  );

const formCard = (): Card =>
  card(
    [
      text('All the inputs', { weight: 'Bolder' }),
      { type: 'Input.Text', id: 'summary', label: 'What happened?', isMultiline: true },
      { type: 'Input.Date', id: 'when', label: 'When did it happen?' },
      {
        type: 'Input.ChoiceSet', id: 'category', label: 'Category', style: 'compact',
        choices: [{ title: 'Bullying', value: 'bullying' }, { title: 'Online safety', value: 'online' }],
      },
      {
        type: 'Input.ChoiceSet', id: 'risk', label: 'Risk level', style: 'expanded',
        choices: [{ title: 'Low', value: 'low' }, { title: 'High', value: 'high' }],
      },
      {
        type: 'Input.ChoiceSet', id: 'told', label: 'Who has been told', style: 'expanded', isMultiSelect: true,
        choices: [{ title: 'Parent', value: 'parent' }, { title: 'Police', value: 'police' }, { title: 'Nurse', value: 'nurse' }],
      },
      { type: 'Input.Toggle', id: 'urgent', label: 'Urgent', title: 'Pupil at immediate risk', valueOn: 'yes', valueOff: 'no' },
    ],
    [{ type: 'Action.Execute', title: 'Submit form', verb: 'form.submit' }],
  );

/** The bot under test: echo with a card, Universal Actions, proactive channel post + update. */
class EchoBot extends ActivityHandler {
  readonly received: Partial<Activity>[] = [];

  constructor(private readonly adapter: CloudAdapter) {
    super();
    this.onMessage(async (context, next) => {
      this.received.push(context.activity);
      // Channel messages arrive as "<at>Jigsaw</at> text"; drop the mention.
      const said = TurnContext.removeRecipientMention(context.activity).trim();
      if (said === 'post') await this.postToChannel(context);
      else if (said === 'form') await context.sendActivity({ attachments: [{ contentType: CARD, content: formCard() }] });
      else if (said === 'whoami') {
        // TeamsInfo.getPagedMembers/getMember in a team answer for the whole team (they use
        // channelData.team.id); a channel's own roster is asked for by its conversation id.
        const channelId = (context.activity.channelData as { channel?: { id: string } }).channel?.id ?? context.activity.conversation.id;
        const members = await TeamsInfo.getPagedTeamMembers(context, channelId, 50);
        const from = context.activity.from;
        const isMember = await TeamsInfo.getTeamMember(context, channelId, from.id).then(() => 'yes', () => 'no');
        await context.sendActivity(`You are ${from.name} (${from.aadObjectId}); ${members.members.length} members; member: ${isMember}`);
      } else await context.sendActivity({ attachments: [{ contentType: CARD, content: echoCard(said) }] });
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    this.received.push(context.activity);
    const data = invokeValue.action.data as Record<string, unknown>;
    const updated =
      invokeValue.action.verb === 'echo.submit'
        ? card([text(`Thanks, ${context.activity.from.name}: ${String(data.reply)}`, { weight: 'Bolder' })])
        : card([text('Form received'), text(JSON.stringify(data))]);
    return { statusCode: 200, type: CARD, value: updated };
  }

  /** Posts a card into the Safeguarding channel the way the product will (createConversation), then updates it. */
  private async postToChannel(context: TurnContext): Promise<void> {
    const serviceUrl = context.activity.serviceUrl;
    const params = {
      isGroup: true,
      channelData: { channel: { id: DEMO_SCHOOL.team.safeguarding.id } },
      activity: { type: 'message', attachments: [{ contentType: CARD, content: card([text('Proactive card')]) }] },
    } as unknown as ConversationParameters;
    let postConversationId = '';
    // Empty app id: auth is off locally, as with the Playground.
    await this.adapter.createConversationAsync('', 'msteams', serviceUrl, '', params, async (ctx) => {
      postConversationId = ctx.activity.conversation.id;
    });
    // CloudAdapter does not pass the new activity id on; Teams and the Playground put it in the
    // conversation id ("<channel>;messageid=<id>").
    const activityId = postConversationId.split(';messageid=')[1];
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl,
      conversation: { id: postConversationId, isGroup: true, conversationType: 'channel', name: '' },
    };
    await this.adapter.continueConversationAsync('', reference, async (ctx) => {
      await ctx.updateActivity({
        id: activityId,
        type: 'message',
        attachments: [{ contentType: CARD, content: card([text('Proactive card (updated)', { weight: 'Bolder' })]) }],
      });
    });
    await context.sendActivity(`Posted to ${DEMO_SCHOOL.team.safeguarding.name}`);
  }
}

async function startBot(): Promise<{ endpoint: string; bot: EchoBot; stop(): Promise<void> }> {
  // No app id / password: botbuilder skips inbound auth, which is what the Playground needs.
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  adapter.onTurnError = async (context, error) => {
    console.error('bot turn error', error);
    await context.sendActivity(`bot error: ${(error as Error).message}`);
  };
  const bot = new EchoBot(adapter);
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/api/messages`,
    bot,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('Microsoft 365 Agents Playground harness', () => {
  let workDir: string;
  let bot: Awaited<ReturnType<typeof startBot>>;
  let playground: RunningPlayground;
  let ui: PlaygroundDriver;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'jigsaw-e2e-'));
    bot = await startBot();
    const configPath = join(workDir, '.m365agentsplayground.yml');
    writePlaygroundConfig(configPath, DEMO_SCHOOL);
    // The Safeguarding channel's roster is the DSLs only (Dana, Priya), as a private channel's would be.
    playground = await startPlayground({ botEndpoint: bot.endpoint, configPath, channelMembers: demoChannelMembers() });
    ui = await PlaygroundDriver.open(playground);
  }, 90_000);

  afterAll(async () => {
    await ui?.close();
    await playground?.stop();
    await bot?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('personal chat: text → card → Action.Execute → updated card', async () => {
    await ui.openPersonalChat();
    await ui.sendText('hello playground');
    const echo = await ui.waitForCard('You said: hello playground');
    await ui.fillCard({ reply: 'typed by the test' }, echo);
    await ui.screenshot('smoke-1-card-filled');
    await ui.clickCardAction('Send', echo);
    await ui.waitForCard('Thanks, Sam Teacher: typed by the test');
    expect(await ui.latestCardText()).toContain('typed by the test');
    await ui.screenshot('smoke-2-card-updated');

    const message = bot.bot.received.find((a) => a.type === 'message');
    expect(message?.from).toMatchObject({ id: DEMO_SCHOOL.users.samTeacher.id, aadObjectId: DEMO_SCHOOL.users.samTeacher.aadObjectId });
    expect(message?.conversation).toMatchObject({ id: DEMO_SCHOOL.personalChatId, conversationType: 'personal', tenantId: DEMO_SCHOOL.tenantId });
    expect(message?.serviceUrl).toBe(playground.serviceUrl);
  }, 60_000);

  it('fills every kind of card input by id or label', async () => {
    await ui.sendText('form');
    const form = await ui.waitForCard('All the inputs');
    await ui.fillCard(
      {
        summary: 'Said something worrying at break',
        when: '2026-11-20',
        category: 'Online safety', // compact ChoiceSet, by choice title
        'Risk level': 'high', // expanded ChoiceSet by label, by choice value
        told: ['parent', 'Police'], // expanded multi-select
        urgent: true, // Toggle
      },
      form,
    );
    await ui.screenshot('smoke-3-form-filled');
    await ui.clickCardAction('Submit form', form);
    const result = await ui.waitForCard('Form received');
    const shown = await result.innerText();
    expect(shown).toContain('"summary":"Said something worrying at break"');
    expect(shown).toContain('"when":"2026-11-20"');
    expect(shown).toContain('"category":"online"');
    expect(shown).toContain('"risk":"high"');
    expect(shown).toMatch(/"told":"(parent,police|police,parent)"/);
    expect(shown).toContain('"urgent":"yes"');
  }, 60_000);

  it('proactive card into the team channel, then updated', async () => {
    await ui.openPersonalChat();
    await ui.sendText('post');
    await ui.waitForBotMessage('Posted to Safeguarding');
    await ui.openChannel(DEMO_SCHOOL.team.safeguarding.name);
    await ui.waitForCard('Proactive card (updated)');
    expect(await ui.latestCardText()).toBe('Proactive card (updated)');
    await ui.screenshot('smoke-4-channel-proactive');

    // A reply in that post's thread reaches the bot (with a mention), and its answer lands in the thread.
    await ui.replyToPost('Proactive card (updated)', 'in the thread');
    await ui.waitForCard('You said: in the thread');
    const reply = bot.bot.received.filter((a) => a.type === 'message').pop();
    expect(reply?.conversation?.id).toMatch(/;messageid=\d+$/);
  }, 60_000);

  it('acts as a DSL and a non-DSL user in the channel (mention, paged members, roster)', async () => {
    await ui.openChannel(DEMO_SCHOOL.team.safeguarding.name);
    await ui.actAs('Dana Lead');
    await ui.sendText('whoami');
    await ui.waitForBotMessage(`You are Dana Lead (${DEMO_SCHOOL.users.danaLead.aadObjectId}); 2 members; member: yes`);
    await ui.actAs(undefined);
    await ui.sendText('whoami');
    await ui.waitForBotMessage(`You are Sam Teacher (${DEMO_SCHOOL.users.samTeacher.aadObjectId}); 2 members; member: no`);
    // General has no roster: the whole team.
    await ui.openChannel('General');
    await ui.sendText('whoami');
    await ui.waitForBotMessage('6 members; member: yes');
    await ui.openChannel(DEMO_SCHOOL.team.safeguarding.name);
    await ui.screenshot('smoke-5-channel-act-as');

    // The group chat also needs a mention, and takes actAs too.
    await ui.openGroupChat(DEMO_SCHOOL.groupChat.name);
    await ui.actAs('Priya Deputy');
    await ui.sendText('hi group');
    await ui.waitForCard('You said: hi group');
    await ui.actAs(undefined);
    const fromPriya = bot.bot.received.find((a) => a.from?.id === DEMO_SCHOOL.users.priyaDeputy.id);
    expect(fromPriya?.conversation).toMatchObject({ id: DEMO_SCHOOL.groupChat.id, conversationType: 'groupChat', isGroup: true });

    const fromDana = bot.bot.received.find((a) => a.from?.id === DEMO_SCHOOL.users.danaLead.id);
    expect(fromDana?.conversation?.id).toMatch(new RegExp(`^${DEMO_SCHOOL.team.safeguarding.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};messageid=\\d+$`));
    expect(fromDana?.channelData).toMatchObject({
      tenant: { id: DEMO_SCHOOL.tenantId },
      team: { id: DEMO_SCHOOL.team.id },
      channel: { id: DEMO_SCHOOL.team.safeguarding.id },
    });
  }, 60_000);
});
