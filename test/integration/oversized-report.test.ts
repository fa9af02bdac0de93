import { REPORT_VERBS } from '../../src/cards/report-card';
import { messageBytes, REPORT_LIMITS } from '../../src/domain/concerns/validate-report';
import { adaptiveCardProblems, cardText, findInput } from '../support/card-validation';
import { eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { cardOf, channelPosts } from '../support/triage';
import { storeKind } from '../support/test-db';

const L = REPORT_LIMITS;
// Three bytes each in UTF-8, as in Chinese: the widest a character within the form's limits can be.
const zh = (n: number) => '报'.repeat(n);

const BASE = {
  about: 'pupil',
  category: 'online-bullying',
  occurredOn: '2026-11-20',
  occurredTime: '10:30',
  urgency: 'standard',
};

/** The reviewer's report: every free-text answer at its character limit, in Chinese (a 30.6 KB card). */
const CHINESE_AT_THE_FORM_LIMITS = {
  ...BASE,
  pupils: Array.from({ length: 10 }, () => zh(L.pupilNameMax - 2)).join(', '),
  whatHappened: zh(L.whatHappenedMax),
  childWords: zh(L.childWordsMax),
  location: zh(L.locationMax),
  actionTaken: zh(L.actionTakenMax),
};

let submissions = 0;
const submissionId = () => `00000000-0000-4000-8000-${String(++submissions).padStart(12, '0')}`;

async function submit(h: Harness, details: Record<string, string>) {
  return h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...details, submissionId: submissionId() });
}

function referenceOf(res: { body: any }): string {
  const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body?.value))?.[0];
  if (!reference) throw new Error(`no receipt: ${JSON.stringify(res.body).slice(0, 300)}`);
  return reference;
}

const requestsWith = (h: Harness, status: number) => h.fake.requests.filter((r) => r.status === status);
const concernCount = async (h: Harness) => Number((await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM concerns'))[0]!.n);

describe(`a report too large for one Teams message (${storeKind()})`, () => {
  describe('at intake: limited by its size in bytes', () => {
    let h: Harness;
    beforeAll(async () => {
      // Teams' own limit (28 KB) in the fake, as in production.
      h = await startHarness({ connector: { rateLimits: false } });
    });
    afterAll(() => h.stop());

    it('refuses a report in Chinese at the form\'s limits, says what to shorten, keeps every answer, and stores nothing', async () => {
      const before = await concernCount(h);
      const res = await submit(h, CHINESE_AT_THE_FORM_LIMITS);
      expect(res.status).toBe(200);
      const form = res.body.value;
      expect(adaptiveCardProblems(form)).toEqual([]);
      const text = cardText(form);
      expect(text).toContain('Nothing has been sent yet');
      expect(text).toContain('too long for one Teams message');
      expect(text).toMatch(/Shorten them by about \d+% in all/);
      for (const field of ['pupils', 'whatHappened', 'childWords', 'location', 'actionTaken'] as const) {
        expect(findInput(form, field)?.value).toBe(CHINESE_AT_THE_FORM_LIMITS[field]);
      }
      expect(await concernCount(h)).toBe(before);
    });

    it('delivers the largest report it accepts (in Chinese), and an urgent concern reported after it', async () => {
      // Shortened to the limit: what happened takes what the other answers leave.
      const others = { ...CHINESE_AT_THE_FORM_LIMITS, childWords: zh(500), actionTaken: zh(500) };
      const used = ['pupils', 'childWords', 'location', 'actionTaken'].reduce((sum, f) => sum + messageBytes(String(others[f as keyof typeof others])), 0);
      const largest = { ...others, whatHappened: zh(Math.floor((L.narrativeBytesMax - used) / 3)) };
      const big = referenceOf(await submit(h, largest));
      const urgent = referenceOf(await submit(h, { ...BASE, urgency: 'urgent', pupils: 'Zoë Brown', whatHappened: 'Zoë said her stepfather hit her last night.', location: 'Year 5 classroom' }));

      const [post] = await eventuallySome(() => channelPosts(h, big), 10_000, 'the large card');
      expect(cardText(cardOf(post))).toContain(largest.whatHappened);
      await eventuallySome(() => channelPosts(h, urgent), 10_000, 'the urgent card');
      await eventuallySome(() => h.fake.findByText(`URGENT concern ${urgent}`).filter((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id)), 10_000, 'the urgent mention');
      expect(requestsWith(h, 413)).toEqual([]);
    });
  });
});
