import { type Activity, INVOKE_RESPONSE_KEY, TestAdapter } from 'botbuilder';
import { JigsawBot, MESSAGE_RESPONSE_TYPE } from '../../src/bot/jigsaw-bot';
import type { BotFeature } from '../../src/bot/bot-feature';
import { card, literal } from '../../src/cards/card-kit';
import { silentLogger } from '../../src/logging';
import { personalInvoke } from '../support/activities';
import { type Harness, PEOPLE, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

// The bot's last line of defence: a feature's card answer over Teams' 28 KB (which Teams would
// not show, failing the press) is replaced by a message, which leaves the card as it was.
// Triage fits its own answers (triage-oversized-answer.test.ts); this covers any other feature.
describe(`a card action answered with a card too large for Teams (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false }, jigsaw: { runWorker: false } });
  });
  afterAll(() => h.stop());

  async function press(size: number): Promise<{ status: number; body: any }> {
    const feature: BotFeature = { name: 'oversized', verbPrefixes: ['oversized.'], handleInvoke: async () => card([literal('x'.repeat(size))]) };
    const bot = new JigsawBot({ db: h.db, concerns: h.app.concerns, logger: silentLogger, allowedTenantIds: [], now: () => new Date(), onOutboxChanged: () => undefined, features: [feature] });
    const activity = personalInvoke(h.ctx, PEOPLE.teacher, h.personalConversationId(PEOPLE.teacher), 'oversized.press', {});
    let response: { value?: { status: number; body: unknown } } | undefined;
    await new TestAdapter().processActivity({ ...activity, deliveryMode: 'expectReplies' } as Partial<Activity>, async (context) => {
      await bot.run(context);
      response = context.turnState.get(INVOKE_RESPONSE_KEY);
    });
    return { status: response!.value!.status, body: response!.value!.body };
  }

  it('answers a card that fits with the card', async () => {
    const res = await press(20_000);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
  });

  it('answers one over 28 KB with a message that leaves the card unchanged', async () => {
    const res = await press(30_000);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe(MESSAGE_RESPONSE_TYPE);
    expect(String(res.body.value)).toContain('too long to show in Teams, so the card is unchanged');
    expect(Buffer.byteLength(JSON.stringify(res.body))).toBeLessThan(1024);
  });
});
