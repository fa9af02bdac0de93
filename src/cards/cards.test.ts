import { CATEGORY_IDS } from '../domain/concerns/categories';
import type { Concern } from '../domain/concerns/concern';
import { adaptiveCardProblems, cardText, findActions, findInput } from '../../test/support/card-validation';
import { ABOUT_REQUIRED } from '../domain/concerns/validate-report';
import { buildAdminAlertCard, buildNotYetDeliveredCard } from './admin-alert-card';
import { buildConcernCard } from './concern-card';
import { buildHelpCard } from './help-card';
import { buildReceiptCard } from './receipt-card';
import { buildReportFormCard, buildReportStartCard } from './report-card';

const concern = (overrides: Partial<Concern> = {}): Concern => ({
  tenantId: 't',
  concernId: 'c',
  reference: 'C-2026-00042',
  reporter: { aadObjectId: 'r', name: 'Sam Teacher' },
  recipient: 'dsl-team',
  status: 'new',
  createdAt: new Date('2026-11-22T10:00:00Z'),
  pupils: ['Amelia Okonkwo'],
  about: 'pupil',
  category: 'online-bullying',
  whatHappened: 'Messages calling her names.',
  occurredOn: '2026-11-21',
  location: 'Online',
  urgency: 'standard',
  ...overrides,
});

const SUBMISSION = '00000000-0000-4000-8000-000000000001';

describe('every card is a valid Adaptive Card 1.5', () => {
  const cards: [string, unknown][] = [
    ['start', buildReportStartCard({ submissionId: SUBMISSION, schoolName: 'Halley' })],
    ['start with errors and kept text', buildReportStartCard({ submissionId: SUBMISSION, schoolName: 'Halley', values: { whatHappened: 'kept' }, errors: { category: 'Choose.' } })],
    ...CATEGORY_IDS.map((category): [string, unknown] => [`form for ${category}`, buildReportFormCard({ submissionId: SUBMISSION, values: { category, about: category === 'concern-about-adult' ? 'adult' : 'pupil' }, today: '2026-11-22' })]),
    ['form with every error', buildReportFormCard({ submissionId: SUBMISSION, values: { about: 'adult' }, today: '2026-11-22', errors: { pupils: 'x', adultName: 'x', whatHappened: 'x', childWords: 'x', occurredOn: 'x', occurredTime: 'x', location: 'x', actionTaken: 'x', urgency: 'x', category: 'x', about: 'x' } })],
    ['receipt', buildReceiptCard({ reference: 'C-2026-00001', receivedAt: '22 Nov 2026, 10:00', recipient: 'dsl-team', category: 'online-bullying', urgent: false })],
    ['receipt held (no chair)', buildReceiptCard({ reference: 'C-2026-00001', receivedAt: 'x', recipient: 'chair', category: 'concern-about-adult', urgent: true, held: 'no-chair' })],
    ['receipt held (no headteacher or chair)', buildReceiptCard({ reference: 'C-2026-00001', receivedAt: 'x', recipient: 'headteacher', category: 'concern-about-adult', urgent: false, held: 'no-headteacher-or-chair' })],
    ['receipt for nudes sharing', buildReceiptCard({ reference: 'C-2026-00001', receivedAt: 'x', recipient: 'dsl-team', category: 'nudes-sharing', urgent: true })],
    ['help', buildHelpCard({ schoolName: 'Halley', dslNames: ['Dana Lead'] })],
    ['help before setup', buildHelpCard({ schoolName: 'Halley', dslNames: [] })],
    ['concern, minimal', buildConcernCard({ concern: concern(), view: 'full', receivedAt: 'x', occurredAt: 'y' })],
    ['concern, urgent and complete', buildConcernCard({ concern: concern({ urgency: 'urgent', childWords: 'w', actionTaken: 'a' }), view: 'full', receivedAt: 'x', occurredAt: 'y' })],
    ['concern about an adult', buildConcernCard({ concern: concern({ about: 'adult', adultName: 'J. Smith', pupils: [] }), view: 'full', receivedAt: 'x', occurredAt: 'y' })],
    ['data breach about an adult', buildConcernCard({ concern: concern({ category: 'data-breach', about: 'adult', adultName: 'J. Smith', pupils: [] }), view: 'full', receivedAt: 'x', occurredAt: 'y' })],
    ['concern, shortened (the tab)', buildConcernCard({ concern: concern({ urgency: 'urgent', childWords: 'w', actionTaken: 'a' }), view: 'full', receivedAt: 'x', occurredAt: 'y', shortened: 'tab' })],
    ['concern, shortened (the DSL team)', buildConcernCard({ concern: concern({ category: 'data-breach', childWords: 'w', actionTaken: 'a' }), view: 'full', receivedAt: 'x', occurredAt: 'y', shortened: 'dsl-team' })],
    ['concern notice', buildConcernCard({ concern: concern({ category: 'filtering-failure' }), view: 'notice', receivedAt: 'x', occurredAt: 'y' })],
    ['admin alert', buildAdminAlertCard({ title: 't', message: 'm', reference: 'C-2026-00001' })],
    ['not yet delivered', buildNotYetDeliveredCard('C-2026-00001', 'dsl-team')],
    ['not yet delivered to the headteacher', buildNotYetDeliveredCard('C-2026-00001', 'headteacher')],
    ['not yet delivered to the chair', buildNotYetDeliveredCard('C-2026-00001', 'chair')],
    ['not yet delivered, recipient unknown', buildNotYetDeliveredCard('C-2026-00001', undefined)],
  ];
  it.each(cards)('%s', (_name, card) => {
    expect(adaptiveCardProblems(card)).toEqual([]);
  });
});

describe('report cards', () => {
  it('keeps typed values in the inputs', () => {
    const card = buildReportFormCard({ submissionId: SUBMISSION, values: { category: 'commerce', about: 'pupil', pupils: 'Zoë', whatHappened: 'w', location: 'l', urgency: 'urgent' }, today: '2026-11-22' });
    expect(findInput(card, 'pupils')?.value).toBe('Zoë');
    expect(findInput(card, 'urgency')?.value).toBe('urgent');
    expect(findInput(card, 'occurredOn')?.max).toBe('2026-11-22');
  });

  it('asks for the adult only when the concern is about an adult', () => {
    expect(findInput(buildReportFormCard({ submissionId: SUBMISSION, values: { about: 'adult', category: 'concern-about-adult' }, today: '2026-11-22' }), 'adultName')).toBeDefined();
    expect(findInput(buildReportFormCard({ submissionId: SUBMISSION, values: { about: 'pupil', category: 'commerce' }, today: '2026-11-22' }), 'adultName')).toBeUndefined();
  });

  it('pre-selects nobody under "Who is it about?": staff must choose', () => {
    const about = findInput(buildReportStartCard({ submissionId: SUBMISSION, schoolName: 'Halley' }), 'about');
    expect(about).toMatchObject({ isRequired: true, value: '' });
    // A choice already made is kept (coming back from the form, or after a message).
    expect(findInput(buildReportStartCard({ submissionId: SUBMISSION, schoolName: 'Halley', values: { about: 'adult' } }), 'about')?.value).toBe('adult');
  });

  it('says what to fix when nobody was chosen, and keeps the kind of concern and what was typed', () => {
    const card = buildReportStartCard({ submissionId: SUBMISSION, schoolName: 'Halley', values: { category: 'sexual-harassment', whatHappened: 'Typed first.' }, errors: { about: ABOUT_REQUIRED } });
    expect(cardText(card)).toContain('Choose who the concern is about: a pupil or pupils, an adult who works in the school');
    expect(findInput(card, 'category')?.value).toBe('sexual-harassment');
    expect(findActions(card)[0]?.data).toMatchObject({ kept: { whatHappened: 'Typed first.' } });
  });

  it('never assumes a pupil on the form when nobody was chosen', () => {
    const card = buildReportFormCard({ submissionId: SUBMISSION, values: { category: 'sexual-harassment' }, today: '2026-11-22' });
    expect(cardText(card)).toContain('Not chosen');
    for (const action of findActions(card)) expect((action.data as { about?: string }).about).toBe('');
  });

  it('has no file upload input at all', () => {
    const json = JSON.stringify(buildReportFormCard({ submissionId: SUBMISSION, values: { category: 'nudes-sharing', about: 'pupil' }, today: '2026-11-22' }));
    expect(json).not.toMatch(/"type":"(Input\.File|Action\.OpenUrl)"/);
  });

  it("tells the recipient of a data breach about an adult that the DPO was not told, and the ICO's 72 hours", () => {
    const DPO_NOT_TOLD = 'Personal data breach: the Data Protection Officer has not been told';
    for (const about of ['adult', 'headteacher'] as const) {
      const text = cardText(buildConcernCard({ concern: concern({ category: 'data-breach', about, adultName: about === 'adult' ? 'J. Smith' : undefined, pupils: [] }), view: 'full', receivedAt: 'x', occurredAt: 'y' }));
      expect(text).toContain(DPO_NOT_TOLD);
      expect(text).toContain('within 72 hours');
    }
    // About a pupil the DPO gets their own copy (routing), so the card says nothing of the kind.
    expect(cardText(buildConcernCard({ concern: concern({ category: 'data-breach' }), view: 'full', receivedAt: 'x', occurredAt: 'y' }))).not.toContain(DPO_NOT_TOLD);
    expect(cardText(buildConcernCard({ concern: concern({ category: 'online-bullying', about: 'adult', adultName: 'J. Smith', pupils: [] }), view: 'full', receivedAt: 'x', occurredAt: 'y' }))).not.toContain(DPO_NOT_TOLD);
  });

  it("says which recipient a concern has not reached, and never sends the reporter of an allegation to a DSL", () => {
    const dsl = cardText(buildNotYetDeliveredCard('C-2026-00001', 'dsl-team'));
    expect(dsl).toContain('has not reached the DSL team yet');
    expect(dsl).toContain('Speak to a Designated Safeguarding Lead');
    const head = cardText(buildNotYetDeliveredCard('C-2026-00001', 'headteacher'));
    expect(head).toContain('has not reached the headteacher yet');
    expect(head).toContain('Speak to the headteacher');
    expect(head).toContain('(LADO)');
    const chair = cardText(buildNotYetDeliveredCard('C-2026-00001', 'chair'));
    expect(chair).toContain('has not reached the chair of governors yet');
    expect(chair).toContain('(LADO)');
    // About the headteacher: the chair, never the headteacher.
    expect(chair).not.toMatch(/headteacher/i);
    for (const text of [head, chair]) expect(text).not.toMatch(/DSL|Designated Safeguarding Lead/);
  });

  it('the shortened view leaves out the long answers and says where to read them', () => {
    const long = concern({ whatHappened: 'secret narrative', childWords: 'she cried', actionTaken: 'phoned her mother', location: 'Year 6 classroom' });
    const forDsls = cardText(buildConcernCard({ concern: long, view: 'full', receivedAt: 'x', occurredAt: 'y', shortened: 'tab' }));
    expect(forDsls).toContain('The full report is in the Jigsaw tab');
    expect(forDsls).toContain('Open concern C-2026-00042 in the Jigsaw tab');
    for (const kept of ['Amelia Okonkwo', 'Year 6 classroom', 'Sam Teacher']) expect(forDsls).toContain(kept);
    for (const left of ['secret narrative', 'she cried', 'phoned her mother']) expect(forDsls).not.toContain(left);
    const forDpo = cardText(buildConcernCard({ concern: long, view: 'full', receivedAt: 'x', occurredAt: 'y', shortened: 'dsl-team' }));
    expect(forDpo).toContain('The full report is with the DSL team');
    expect(forDpo).not.toContain('secret narrative');
  });

  it('the notice view hides pupils and narrative', () => {
    const text = cardText(buildConcernCard({ concern: concern({ category: 'filtering-failure', whatHappened: 'secret narrative' }), view: 'notice', receivedAt: 'x', occurredAt: 'y' }));
    expect(text).not.toContain('Amelia');
    expect(text).not.toContain('secret narrative');
  });
});

describe('the receipt of a concern about an adult that nobody can receive yet', () => {
  it('does not say it was sent, says who it waits for, and what to do meanwhile', () => {
    const adult = cardText(buildReceiptCard({ reference: 'C-2026-00001', receivedAt: 'x', recipient: 'headteacher', category: 'sexual-harassment', urgent: true, held: 'no-headteacher-or-chair' }));
    expect(adult).not.toMatch(/Sent to\s+the headteacher/);
    expect(adult).toContain('Nobody yet: held until a headteacher or chair of governors is set up in Jigsaw');
    expect(adult).toContain('speak to the headteacher in person or contact your Local Authority Designated Officer (LADO) directly');
    const head = cardText(buildReceiptCard({ reference: 'C-2026-00001', receivedAt: 'x', recipient: 'chair', category: 'concern-about-adult', urgent: false, held: 'no-chair' }));
    expect(head).not.toMatch(/Sent to\s+the chair of governors/);
    expect(head).toContain('Nobody yet: held until a chair of governors is set up in Jigsaw');
    expect(head).not.toContain('speak to the headteacher');
    expect(head).toContain('LADO');
  });
});

describe("the school's name", () => {
  // Configuration, not our wording: a name with markdown in it must not become a link or formatting.
  const NAME = "St Mary's [sign in here](https://evil.example/login) **School**";
  /** Every TextBlock text (markdown) in a card; literal text sits in RichTextBlock TextRuns. */
  const markdownTexts = (node: unknown, out: string[] = []): string[] => {
    if (Array.isArray(node)) node.forEach((n) => markdownTexts(n, out));
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(n.text);
      Object.values(n).forEach((v) => typeof v === 'object' && markdownTexts(v, out));
    }
    return out;
  };
  it.each([
    ['the start card', buildReportStartCard({ submissionId: SUBMISSION, schoolName: NAME })],
    ['the help card', buildHelpCard({ schoolName: NAME, dslNames: ['Dana Lead'] })],
    ['the help card before setup', buildHelpCard({ schoolName: NAME, dslNames: [] })],
  ])('is shown literally on %s', (_name, card) => {
    expect(cardText(card)).toContain(NAME);
    expect(markdownTexts(card).filter((t) => t.includes('evil.example') || t.includes('St Mary'))).toEqual([]);
    expect(adaptiveCardProblems(card)).toEqual([]);
  });
});
