import { REPORT_VERBS } from '../../src/cards/report-card';
import { listOutbox } from '../../src/store/outbox.repo';
import { adaptiveCardProblems, cardText, findActions, findInput } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

const DETAILS = {
  pupils: 'Amelia Okonkwo (6B)',
  whatHappened: 'Amelia showed me messages in a class group chat calling her names and telling her to leave.',
  childWords: 'They said nobody wants me there.',
  occurredOn: '2026-11-20',
  occurredTime: '10:30',
  location: 'Year 6 classroom, about a WhatsApp group',
  actionTaken: 'Reassured her; said I must pass it on.',
  urgency: 'standard',
};

/** Messages in the DSL channel about this concern (its card, an urgent mention), not pattern alerts listing it. */
function aboutInDslChannel(h: Harness, reference: string) {
  return h.fake.findByText(reference).filter((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id) && !JSON.stringify(m.body).includes('Pattern:'));
}

function cardOf(message: { body: Record<string, unknown> }): unknown {
  return (message.body.attachments as { content: unknown }[])[0].content;
}

function submissionIdOf(card: unknown): string {
  const action = findActions(card).find((a) => (a as { verb?: string }).verb === REPORT_VERBS.submit || (a as { verb?: string }).verb === REPORT_VERBS.chooseCategory);
  return String((action?.data as { submissionId?: string }).submissionId);
}

describe(`report journey over HTTP (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    // Teams rate limits are exercised in outbox-delivery.test.ts; here they would only slow the journey down.
    h = await startHarness({ connector: { rateLimits: false } });
  });
  afterAll(() => h.stop());

  it('answers a greeting with the report card and "help" with the DSL team', async () => {
    await h.say(PEOPLE.teacher, 'hello');
    const start = await eventually(() => h.fake.lastCardIn(h.personalConversationId(PEOPLE.teacher)), 5000, 'start card');
    expect(adaptiveCardProblems(start)).toEqual([]);
    expect(findInput(start, 'category')).toBeDefined();

    await h.say(PEOPLE.teacher, 'help');
    const help = await eventually(() => {
      const card = h.fake.lastCardIn(h.personalConversationId(PEOPLE.teacher));
      return card && cardText(card).includes('Dana Lead') ? card : undefined;
    }, 5000, 'help card');
    expect(cardText(help)).toContain('Priya Deputy');
    expect(adaptiveCardProblems(help)).toEqual([]);
  });

  it.each(['I am worried about Jay, he said his uncle hits him', 'Worried about Jay, he said his uncle hits him', 'Hi, Jay told me his uncle hits him'])(
    'keeps a concern typed straight into the chat in the form: "%s"',
    async (typed) => {
      await h.say(PEOPLE.teacher, typed);
      const card = await eventually(() => {
        const c = h.fake.lastCardIn(h.personalConversationId(PEOPLE.teacher));
        return c && JSON.stringify(c).includes(typed) ? c : undefined;
      }, 5000, 'card keeping the typed text');
      const kept = findActions(card).find((a) => (a as { verb?: string }).verb === REPORT_VERBS.chooseCategory)?.data as { kept?: Record<string, string> };
      expect(kept.kept?.whatHappened).toBe(typed);
    },
  );

  it('pre-selects nobody under "Who is it about?": Continue without a choice asks for one, keeping the kind and what was typed', async () => {
    await h.say(PEOPLE.teacher, 'A teacher keeps making comments about a pupil in my class');
    const start = await eventually(() => {
      const c = h.fake.lastCardIn(h.personalConversationId(PEOPLE.teacher));
      return c && JSON.stringify(c).includes('keeps making comments') ? c : undefined;
    }, 5000, 'start card keeping the typed text');
    // What Teams sends: the button's data with the inputs as the card shows them (the reporter
    // picks the kind of concern and leaves "Who is it about?" as it is).
    const cont = findActions(start).find((a) => a.verb === REPORT_VERBS.chooseCategory)!;
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.chooseCategory, { ...(cont.data as Record<string, unknown>), category: 'sexual-harassment', about: findInput(start, 'about')?.value ?? '' });
    const card = res.body.value;
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(findInput(card, 'pupils')).toBeUndefined();
    expect(cardText(card)).toContain('Choose who the concern is about: a pupil or pupils, an adult who works in the school');
    expect(findInput(card, 'category')?.value).toBe('sexual-harassment');
    expect(JSON.stringify(card)).toContain('keeps making comments');
  });

  it('sends nothing when a report arrives without saying who it is about, and asks on the start card with everything kept', async () => {
    const submissionId = '00000000-0000-4000-8000-0000000000a6';
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { submissionId, category: 'sexual-harassment', about: '', ...DETAILS });
    const card = res.body.value;
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(findInput(card, 'about')?.value).toBe('');
    expect(cardText(card)).toContain('Choose who the concern is about');
    expect(findActions(card).find((a) => a.verb === REPORT_VERBS.chooseCategory)?.data).toMatchObject({ submissionId, kept: { whatHappened: DETAILS.whatHappened, pupils: DETAILS.pupils, location: DETAILS.location } });
    expect(await h.db.query('SELECT 1 FROM concerns WHERE client_submission_id = $1', [submissionId])).toHaveLength(0);
  });

  it('shows the UKCIS instruction as soon as nudes-sharing is chosen', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.chooseCategory, { category: 'nudes-sharing', about: 'pupil', submissionId: '00000000-0000-4000-8000-000000000001' });
    expect(res.status).toBe(200);
    const text = cardText(res.body.value);
    expect(text).toContain('Do not view, copy, print, forward, share or delete the image');
    expect(adaptiveCardProblems(res.body.value)).toEqual([]);
  });

  it('returns the form with every answer kept and a message next to each field at fault', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
      submissionId: '00000000-0000-4000-8000-000000000002',
      category: 'online-bullying',
      about: 'pupil',
      ...DETAILS,
      occurredOn: '2099-01-01',
      whatHappened: 'short',
    });
    expect(res.status).toBe(200);
    const card = res.body.value;
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(findInput(card, 'pupils')?.value).toBe(DETAILS.pupils);
    expect(findInput(card, 'childWords')?.value).toBe(DETAILS.childWords);
    expect(findInput(card, 'whatHappened')?.value).toBe('short');
    const text = cardText(card);
    expect(text).toContain('The date cannot be in the future.');
    expect(text).toContain('at least 10 characters');
    expect(text).toContain('Nothing has been sent yet');
    expect(await h.db.query('SELECT 1 FROM concerns WHERE client_submission_id = $1', ['00000000-0000-4000-8000-000000000002'])).toHaveLength(0);
  });

  it('stores the concern before the receipt, posts exactly one card to the DSL channel, and the receipt names a role only', async () => {
    const start = await h.invoke(PEOPLE.teacher, REPORT_VERBS.chooseCategory, { category: 'online-bullying', about: 'pupil', submissionId: '00000000-0000-4000-8000-000000000003' });
    const submissionId = submissionIdOf(start.body.value);
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { submissionId, category: 'online-bullying', about: 'pupil', ...DETAILS });
    const receipt = res.body.value;
    expect(adaptiveCardProblems(receipt)).toEqual([]);
    const receiptText = cardText(receipt);
    const reference = /C-\d{4}-\d{5}/.exec(receiptText)?.[0];
    expect(reference).toBeDefined();
    expect(receiptText).toContain('the Designated Safeguarding Lead (DSL) team');
    expect(receiptText).not.toContain('Amelia');
    expect(receiptText).not.toContain('group chat');

    const [row] = await h.db.query<{ reporter_aad_id: string; what_happened_enc: string }>('SELECT reporter_aad_id, what_happened_enc FROM concerns WHERE reference = $1', [reference]);
    expect(row.reporter_aad_id).toBe(PEOPLE.teacher.aadObjectId);
    expect(row.what_happened_enc).not.toContain('Amelia');

    const posted = await eventuallySome(() => aboutInDslChannel(h, reference!), 5000, 'channel card');
    expect(posted).toHaveLength(1);
    const card = cardOf(posted[0]);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const text = cardText(card);
    for (const expected of ['Online bullying (Conduct)', 'Amelia Okonkwo (6B)', 'They said nobody wants me there.', 'Year 6 classroom', 'Sam Teacher', 'Standard']) {
      expect(text).toContain(expected);
    }
    // The posted activity id is recorded against the delivery, for later card updates.
    const [sent] = await eventuallySome(async () => (await listOutbox(h.db, SCHOOL.tenantId)).filter((m) => m.status === 'sent' && m.result?.activityId === posted[0].activityId), 5000, 'sent outbox row');
    expect(sent.idempotencyKey).toMatch(/^concern:.*:dsl-channel$/);
  });

  it('applies a duplicated submission once and gives the same receipt', async () => {
    const submissionId = '00000000-0000-4000-8000-000000000004';
    const data = { submissionId, category: 'commerce', about: 'pupil', ...DETAILS };
    const [a, b] = await Promise.all([h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, data), h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, data)]);
    const refA = /C-\d{4}-\d{5}/.exec(cardText(a.body.value))?.[0];
    const refB = /C-\d{4}-\d{5}/.exec(cardText(b.body.value))?.[0];
    expect(refA).toBeDefined();
    expect(refA).toBe(refB);
    expect(await h.db.query('SELECT 1 FROM concerns WHERE client_submission_id = $1', [submissionId])).toHaveLength(1);
  });

  it('takes identity from the activity, never from card data', async () => {
    const submissionId = '00000000-0000-4000-8000-000000000005';
    await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
      submissionId,
      category: 'commerce',
      about: 'pupil',
      ...DETAILS,
      reporterAadId: PEOPLE.dsl1.aadObjectId,
      from: { aadObjectId: PEOPLE.dsl1.aadObjectId },
    });
    const [row] = await h.db.query<{ reporter_aad_id: string; reporter_name: string }>('SELECT reporter_aad_id, reporter_name FROM concerns WHERE client_submission_id = $1', [submissionId]);
    expect(row).toEqual({ reporter_aad_id: PEOPLE.teacher.aadObjectId, reporter_name: 'Sam Teacher' });
  });

  it('escapes markdown, links and mentions a reporter types, in the channel card', async () => {
    const submissionId = '00000000-0000-4000-8000-000000000006';
    const hostile = '**URGENT** [click here](https://evil.example) <at>Dana Lead</at> # heading';
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { submissionId, category: 'harmful-content', about: 'pupil', ...DETAILS, whatHappened: hostile, pupils: '_Amelia_ <b>O</b>' });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))?.[0]!;
    const [posted] = await eventuallySome(() => aboutInDslChannel(h, reference), 5000, 'channel card');
    const card = cardOf(posted) as Record<string, unknown>;
    // User text only ever appears as TextRun (never parsed as markdown), exactly as typed.
    const json = JSON.stringify(card);
    expect(json).toContain(JSON.stringify({ type: 'TextRun', text: hostile }));
    expect(json).toContain(JSON.stringify({ type: 'TextRun', text: '_Amelia_ <b>O</b>' }));
    const textBlocks = JSON.stringify(card).match(/"type":"TextBlock","text":"[^"]*"/g) ?? [];
    expect(textBlocks.some((t) => t.includes('evil.example') || t.includes('<at>'))).toBe(false);
    const activity = posted as unknown as { body?: { entities?: unknown[] } };
    expect(JSON.stringify(activity.body?.entities ?? [])).not.toContain('Dana');
  });

  it('sends an urgent concern with an @mention of every DSL', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { submissionId: '00000000-0000-4000-8000-000000000007', category: 'grooming', about: 'pupil', ...DETAILS, urgency: 'urgent' });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))?.[0]!;
    // The card, then a reply in its thread that @mentions every DSL (so Teams notifies them).
    const inChannel = await eventually(() => {
      const found = aboutInDslChannel(h, reference);
      return found.length === 2 ? found : undefined;
    }, 5000, 'urgent card and mention');
    const [card, mention] = inChannel;
    expect(cardText(cardOf(card))).toContain('URGENT');
    expect(mention.threadRootId).toBe(card.activityId);
    const body = mention.body as { text?: string; entities?: { mentioned: { name: string } }[] };
    const mentioned = (body.entities ?? []).map((e) => e.mentioned.name).sort();
    expect(mentioned).toEqual(['Ari Admin', 'Dana Lead', 'Priya Deputy']);
    expect(body.text).toContain('<at>Dana Lead</at>');
  });

  it('sends a concern about a member of staff privately to the headteacher and never to the channel', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
      submissionId: '00000000-0000-4000-8000-000000000008',
      category: 'concern-about-adult',
      about: 'adult',
      ...DETAILS,
      pupils: '',
      adultName: 'Mr J. Smith, teaching assistant',
    });
    const text = cardText(res.body.value);
    expect(text).toContain('the headteacher, privately');
    const reference = /C-\d{4}-\d{5}/.exec(text)?.[0]!;
    const inHeadChat = await eventuallySome(() => h.fake.findByText(reference).filter((m) => m.conversationId === h.fake.personalConversationId(PEOPLE.head.aadObjectId)), 5000, 'headteacher card');
    expect(inHeadChat).toHaveLength(1);
    expect(aboutInDslChannel(h, reference)).toHaveLength(0);
    expect(cardText(cardOf(inHeadChat[0]))).toContain('Mr J. Smith, teaching assistant');
  });

  it('sends a concern about the headteacher to the chair and never to the headteacher', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { submissionId: '00000000-0000-4000-8000-000000000009', category: 'concern-about-adult', about: 'headteacher', ...DETAILS, pupils: '' });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))?.[0]!;
    await eventually(() => h.fake.findByText(reference).filter((m) => m.conversationId === h.fake.personalConversationId(PEOPLE.chair.aadObjectId)).length === 1, 5000, 'chair card');
    const elsewhere = h.fake.findByText(reference).filter((m) => m.conversationId !== h.fake.personalConversationId(PEOPLE.chair.aadObjectId));
    expect(elsewhere).toHaveLength(0);
  });

  it('also tells the DPO about a data breach', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { submissionId: '00000000-0000-4000-8000-000000000010', category: 'data-breach', about: 'pupil', ...DETAILS });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))?.[0]!;
    await eventually(() => h.fake.findByText(reference).some((m) => m.conversationId === h.fake.personalConversationId(PEOPLE.dpo.aadObjectId)), 5000, 'DPO card');
    await eventually(() => h.fake.findByText(reference).some((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id)), 5000, 'channel card');
  });

  it('refuses "setup" from someone who is not an admin', async () => {
    await h.inChannel(PEOPLE.teacher, '<at>Jigsaw</at> setup');
    await eventually(() => h.fake.findByText('Only a Jigsaw administrator').length > 0, 5000, 'refusal');
    const [channel] = await h.db.query<{ registered_by: string }>('SELECT registered_by FROM dsl_channels WHERE tenant_id = $1', [SCHOOL.tenantId]);
    expect(channel.registered_by).toBe(PEOPLE.admin.aadObjectId);
  });
});
