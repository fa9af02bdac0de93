import { REPORT_VERBS } from '../../src/cards/report-card';
import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { messageBytes, REPORT_LIMITS } from '../../src/domain/concerns/validate-report';
import { OUTBOX_KINDS } from '../../src/services/report-concern';
import { listOutbox } from '../../src/store/outbox.repo';
import { adaptiveCardProblems, cardText, findInput } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { act, awaitConcernDelivered, cardOf, channelPosts } from '../support/triage';
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

    it('refuses a report just over the limit, says what to shorten, gives the form back with every answer, and stores nothing', async () => {
      const before = await concernCount(h);
      const over = { ...BASE, pupils: 'Jay Patel', whatHappened: zh(L.whatHappenedMax), childWords: zh(100), location: 'Year 4 classroom', actionTaken: 'Spoke to Jay.' };
      const res = await submit(h, over);
      expect(res.status).toBe(200);
      expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
      const form = res.body.value;
      expect(adaptiveCardProblems(form)).toEqual([]);
      const text = cardText(form);
      expect(text).toContain('Nothing has been sent yet');
      expect(text).toContain('too long for one Teams message');
      expect(text).toMatch(/Shorten this answer by about \d+ characters/);
      for (const field of ['pupils', 'whatHappened', 'childWords', 'location', 'actionTaken'] as const) expect(findInput(form, field)?.value).toBe(over[field]);
      expect(Buffer.byteLength(JSON.stringify(res.body))).toBeLessThanOrEqual(28 * 1024);
      expect(await concernCount(h)).toBe(before);
    });

    it("refuses a report in Chinese at the form's limits with a message that leaves the form (and what was typed) on screen, since the form could not come back within 28 KB", async () => {
      const before = await concernCount(h);
      const res = await submit(h, CHINESE_AT_THE_FORM_LIMITS);
      expect(res.status).toBe(200);
      // A message answer: Teams shows it and does not replace the card the answers are typed in.
      expect(res.body.type).toBe('application/vnd.microsoft.activity.message');
      const said = String(res.body.value);
      expect(said).toContain('Nothing has been sent yet');
      expect(said).toContain('too long for one Teams message');
      expect(said).toMatch(/Shorten them by about \d+% in all/);
      expect(said).toContain('Your answers are still in the form');
      expect(said).not.toContain('报');
      expect(Buffer.byteLength(JSON.stringify(res.body))).toBeLessThanOrEqual(28 * 1024);
      expect(await concernCount(h)).toBe(before);

      // "Change the kind of concern" with the same answers: the first card could not carry them back either.
      const back = await h.invoke(PEOPLE.teacher, REPORT_VERBS.changeCategory, { ...CHINESE_AT_THE_FORM_LIMITS, submissionId: submissionId() });
      expect(back.body.type).toBe('application/vnd.microsoft.activity.message');
      expect(String(back.body.value)).toContain('so this card cannot change');
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

  describe('in delivery: a card Teams refuses as too large (413) goes shortened', () => {
    let h: Harness;
    beforeAll(async () => {
      // A stricter Teams than the intake limit allows for: a report that passes intake is refused.
      h = await startHarness({ env: { OUTBOX_MIN_BACKOFF_MS: '20', OUTBOX_MAX_BACKOFF_SECONDS: '1' }, connector: { rateLimits: false, maxActivityBytes: 10 * 1024 } });
    });
    afterAll(() => h.stop());

    it('posts a shortened card that sends the DSLs to the Jigsaw tab, once, and the urgent concern after it is not held up', async () => {
      const narrative = 'He said he was hit at home and showed me a bruise on his arm. '.repeat(60);
      const big = referenceOf(await submit(h, { ...BASE, pupils: 'Jay Patel', whatHappened: narrative.slice(0, L.whatHappenedMax).trim(), childWords: narrative.slice(0, 1500).trim(), location: 'Year 4 classroom', actionTaken: narrative.slice(0, 1500).trim() }));
      const urgent = referenceOf(await submit(h, { ...BASE, urgency: 'urgent', pupils: 'Zoë Brown', whatHappened: 'Zoë said her stepfather hit her last night.', location: 'Year 5 classroom' }));

      const [post] = await eventuallySome(() => channelPosts(h, big), 10_000, 'the shortened card');
      const card = cardOf(post);
      expect(adaptiveCardProblems(card)).toEqual([]);
      const text = cardText(card);
      expect(text).toContain('The full report is in the Jigsaw tab');
      expect(text).toContain(`Open concern ${big} in the Jigsaw tab`);
      expect(text).toContain('Jay Patel');
      expect(text).not.toContain('bruise');
      await eventuallySome(() => channelPosts(h, urgent), 10_000, 'the urgent card');
      await eventuallySome(() => h.fake.findByText(`URGENT concern ${urgent}`).filter((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id)), 10_000, 'the urgent mention');

      // The oversized body went once, and never again; the concern counts as delivered, shortened.
      const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id FROM concerns WHERE reference = $1', [big]);
      await awaitConcernDelivered(h, row!.concern_id);
      expect(requestsWith(h, 413)).toHaveLength(1);
      const channelRow = (await listOutbox(h.db, SCHOOL.tenantId)).find((m) => m.idempotencyKey === `concern:${row!.concern_id}:dsl-channel`);
      expect(channelRow).toMatchObject({ status: 'sent', attempts: 1, result: expect.objectContaining({ shortened: true }) });
      // Delivered: the reporter is not told otherwise, and nobody is alerted.
      expect((await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.kind === OUTBOX_KINDS.reporterNotDelivered)).toEqual([]);
      expect(h.fake.findByText('Jigsaw needs attention')).toEqual([]);

      // Its updates go shortened from the start: no oversized body again.
      await act(h, PEOPLE.dsl1, { concernId: row!.concern_id, activityId: post.activityId }, TRIAGE_VERBS.takeOwnership);
      const updated = await eventually(() => {
        const message = h.fake.activitiesIn(SCHOOL.dslChannel.id).find((m) => m.activityId === post.activityId);
        return message && cardText(cardOf(message)).includes('Acknowledged: took ownership') ? cardOf(message) : undefined;
      }, 10_000, 'the updated channel card');
      expect(cardText(updated)).toContain('The full report is in the Jigsaw tab');
      expect(cardText(updated)).toContain('Dana Lead');
      expect(requestsWith(h, 413)).toHaveLength(1);
    });
  });
});
