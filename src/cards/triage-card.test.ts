import { adaptiveCardProblems, cardText, findActions, findInput } from '../../test/support/card-validation';
import type { Concern, ConcernStatus } from '../domain/concerns/concern';
import { offersTakeOver, TRIAGE_COMMAND_KINDS, TRIAGE_FIELDS, type TriageCommandKind, type TriageState } from '../domain/concerns/triage';
import { mayTakeOver, type TriageAccess } from '../services/triage-access';
import { DANA, reachableTriageStates } from '../../test/support/triage-states';
import {
  buildConcernBaseCard,
  buildConcernUnavailableCard,
  buildEscalationNoticeCard,
  buildOwnershipTakenOverCard,
  buildPatternAlertCard,
  buildPupilConcernsCard,
  buildReadOnlyConcernCard,
  buildReporterFeedbackCard,
  buildTriageActionCard,
  MAX_PRIMARY_ACTIONS,
  MAX_REFRESH_USERS,
  TRIAGE_VERBS,
  type TriageActionView,
} from './triage-card';

const HOSTILE = '**URGENT** [click](https://evil.example) <at>Dana</at>';

const concern: Concern = {
  tenantId: 't1',
  concernId: '0b9e0c1e-7a53-4d2c-9d7e-2f4c2b1a0001',
  reference: 'C-2026-00042',
  reporter: { aadObjectId: 'aad-sam', name: 'Sam Teacher' },
  pupils: ['Amelia Okonkwo'],
  about: 'pupil',
  category: 'online-bullying',
  whatHappened: 'Messages in a group chat.',
  occurredOn: '2026-11-20',
  location: 'Online',
  urgency: 'urgent',
  recipient: 'dsl-team',
  status: 'new',
  createdAt: new Date('2026-11-22T09:00:00Z'),
};

let ids = 0;
function view(status: ConcernStatus, extra: Partial<TriageActionView> = {}): TriageActionView {
  return {
    concern: { ...concern, status },
    receivedAt: '22 Nov 2026, 09:00',
    occurredAt: '20 Nov 2026',
    triage: { status, ownerName: status === 'new' ? undefined : 'Dana Lead', riskLevel: status === 'in-progress' ? 'high' : undefined },
    refreshUserIds: ['29:a', '29:b'],
    events: [{ at: '22 Nov 2026, 09:05', actorName: 'Dana Lead', type: 'note-added', details: { note: HOSTILE } }],
    totalEvents: 2,
    linked: [],
    samePupil: [],
    newActionId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    ...extra,
  };
}

const primaryVerbs = (card: { actions?: Record<string, unknown>[] }) => (card.actions ?? []).map((a) => String(a.verb ?? a.title));

describe('triage cards', () => {
  it.each(['new', 'acknowledged', 'in-progress', 'closed'] as ConcernStatus[])('the action card for a %s concern is valid, with at most 5 primary actions', (status) => {
    const card = buildTriageActionCard(view(status));
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect((card.actions ?? []).length).toBeLessThanOrEqual(MAX_PRIMARY_ACTIONS);
    expect(card.refresh).toMatchObject({ action: { verb: TRIAGE_VERBS.refresh }, userIds: ['29:a', '29:b'] });
  });

  describe('every reachable state, for every viewer, with every form open', () => {
    // Dana looks at the card; the states come from the state machine itself (test/support/triage-states.ts),
    // owned by nobody, by Dana or by Priya. Two states no command leads to today (open and unowned)
    // are rendered too: the card must stay valid whatever the store holds.
    const UNREACHABLE: TriageState[] = [{ status: 'acknowledged' }, { status: 'in-progress', riskLevel: 'high' }];
    const VIEWERS: Record<'dsl' | 'recipient' | 'participant', { access: TriageAccess & { allowed: true }; concern: Partial<Concern>; cardAccess?: TriageActionView['access'] }> = {
      dsl: { access: { allowed: true, as: 'dsl' }, concern: {} },
      recipient: {
        access: { allowed: true, as: 'recipient' },
        concern: { about: 'adult', recipient: 'headteacher', pupils: [], adultName: 'Mr X' },
        cardAccess: { participants: ['Dee DPO'], canGrant: true, candidates: [{ aadObjectId: 'aad-hr', name: 'Hana HR' }], withdrawable: [{ aadObjectId: 'aad-dpo', name: 'Dee DPO' }] },
      },
      participant: { access: { allowed: true, as: 'participant' }, concern: { about: 'adult', recipient: 'headteacher', pupils: [], adultName: 'Mr X' }, cardAccess: { participants: ['Dee DPO'], canGrant: false, candidates: [] } },
    };
    const shape = (s: TriageState) => `${s.status}, owned by ${s.owner ? (s.owner.aadObjectId === DANA.aadObjectId ? 'the viewer' : 'someone else') : 'nobody'}, risk ${s.riskLevel ?? 'not set'}`;
    const states = [...reachableTriageStates().map((s) => [shape(s), s, true] as const), ...UNREACHABLE.map((s) => [`${shape(s)} (not reachable today)`, s, false] as const)];
    const cases = states.flatMap(([name, state, reachable]) => (Object.keys(VIEWERS) as (keyof typeof VIEWERS)[]).map((role) => [name, role, state, reachable] as const));
    // Forms come back open on any status (a refusal keeps what was typed), each with its errors.
    const FORMS: (TriageCommandKind | undefined)[] = [undefined, ...TRIAGE_COMMAND_KINDS.filter((k) => TRIAGE_FIELDS[k].length > 0)];

    it('covers the states a concern can be in', () => {
      expect(new Set(states.filter(([, , reachable]) => reachable).map(([, s]) => s.status))).toEqual(new Set(['new', 'acknowledged', 'in-progress', 'closed']));
      expect(cases.length).toBeGreaterThanOrEqual(3 * 19);
    });

    it.each(cases)('%s, seen by a %s: valid, at most 5 primary actions, ownership offered as the rules say', (_name, role, state) => {
      const viewer = VIEWERS[role];
      const canTakeOver = offersTakeOver(state, DANA.aadObjectId, mayTakeOver(viewer.access, viewer.concern.recipient ?? 'dsl-team'));
      const isOpen = state.status === 'acknowledged' || state.status === 'in-progress';
      for (const kind of FORMS) {
        const errors = Object.fromEntries(TRIAGE_FIELDS[kind ?? 'take-ownership'].map((f) => [f, 'Needs attention.']));
        const values = Object.fromEntries(TRIAGE_FIELDS[kind ?? 'take-ownership'].map((f) => [f, HOSTILE]));
        const card = buildTriageActionCard(
          view(state.status, {
            concern: { ...concern, ...viewer.concern, status: state.status },
            triage: { status: state.status, ownerName: state.owner?.name, riskLevel: state.riskLevel, lastAction: { type: 'note-added', details: {}, actorName: 'Dana Lead', at: '22 Nov 2026, 09:05' } },
            access: viewer.cardAccess,
            ownerAadId: state.owner?.aadObjectId,
            canTakeOver,
            flash: kind ? { style: 'attention', title: HOSTILE } : undefined,
            form: kind ? { kind, values, errors } : undefined,
          }),
        );
        const context = `${kind ?? 'no'} form open`;
        expect([context, adaptiveCardProblems(card)]).toEqual([context, []]);
        expect([context, (card.actions ?? []).length <= MAX_PRIMARY_ACTIONS]).toEqual([context, true]);
        const verbs = findActions(card).map((a) => a.verb);
        // Take ownership: the only action of a new concern, and under "Owner" on an open one nobody owns.
        expect([context, verbs.includes(TRIAGE_VERBS.takeOwnership)]).toEqual([context, state.status === 'new' || (isOpen && !state.owner)]);
        // Take over: only for someone who may, from someone else, on an open concern (or its own form, kept open).
        expect([context, verbs.includes(TRIAGE_VERBS.takeOver)]).toEqual([context, kind === 'take-over' || (isOpen && canTakeOver)]);
        expect([context, canTakeOver]).toEqual([context, isOpen && state.owner?.aadObjectId === 'aad-priya' && role !== 'participant']);
        // Give access: only the recipient of a concern about an adult; the people they added only see who else can.
        expect([context, verbs.includes(TRIAGE_VERBS.addParticipant)]).toEqual([context, role === 'recipient' && (isOpen || kind === 'add-participant')]);
        // Withdrawing access: the recipient only, in every status but new (nobody has access then on a card).
        expect([context, verbs.includes(TRIAGE_VERBS.withdrawParticipant)]).toEqual([context, role === 'recipient' && (state.status !== 'new' || kind === 'withdraw-participant')]);
      }
    });
  });

  it('offers only what each status allows', () => {
    expect(primaryVerbs(buildTriageActionCard(view('new')))).toEqual([TRIAGE_VERBS.takeOwnership]);
    expect(primaryVerbs(buildTriageActionCard(view('closed')))).toEqual(['Reopen']);
    expect(primaryVerbs(buildTriageActionCard(view('in-progress')))).toEqual(['Add note', 'Record action', 'Information sharing', 'Risk and links', 'Close']);
    const verbs = findActions(buildTriageActionCard(view('acknowledged'))).map((a) => a.verb);
    for (const v of [TRIAGE_VERBS.addNote, TRIAGE_VERBS.recordAction, TRIAGE_VERBS.recordSharing, TRIAGE_VERBS.setRisk, TRIAGE_VERBS.link, TRIAGE_VERBS.close]) expect(verbs).toContain(v);
    expect(verbs).not.toContain(TRIAGE_VERBS.addParticipant);
  });

  it('gives every button its own action id', () => {
    const data = findActions(buildTriageActionCard(view('acknowledged')))
      .filter((a) => a.type === 'Action.Execute' && a.verb !== TRIAGE_VERBS.refresh)
      .map((a) => (a.data as { actionId: string }).actionId);
    expect(data.length).toBeGreaterThan(5);
    expect(new Set(data).size).toBe(data.length);
  });

  it('shows recorded words literally, never as markdown', () => {
    const json = JSON.stringify(buildTriageActionCard(view('acknowledged', { triage: { status: 'acknowledged', ownerName: HOSTILE } })));
    expect(json).toContain(JSON.stringify({ type: 'TextRun', text: HOSTILE }));
    const textBlocks = json.match(/"type":"TextBlock","text":"[^"]*"/g) ?? [];
    expect(textBlocks.some((t) => t.includes('evil.example') || t.includes('<at>'))).toBe(false);
  });

  it.each(TRIAGE_COMMAND_KINDS.filter((k) => k !== 'take-ownership'))('re-shows the %s form open with its errors, still valid', (kind) => {
    const card = buildTriageActionCard(
      view(kind === 'reopen' ? 'closed' : 'acknowledged', {
        form: { kind, values: {}, errors: { note: 'x', outcome: 'x', shareWith: 'x', riskLevel: 'x', linkPupils: 'x', closeRationale: 'x', reopenReason: 'x', participant: 'x', withdrawParticipant: 'x', takeOverReason: 'x' } },
        access:
          kind === 'add-participant' || kind === 'withdraw-participant'
            ? { participants: ['Hana HR'], canGrant: true, candidates: [{ aadObjectId: 'aad-dpo', name: 'Dee DPO' }], withdrawable: [{ aadObjectId: 'aad-hr', name: 'Hana HR' }] }
            : undefined,
        concern: { ...concern, about: kind === 'add-participant' || kind === 'withdraw-participant' ? 'adult' : 'pupil' },
      }),
    );
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('Nothing was recorded yet');
  });

  it('adds "give access" for a concern about an adult, listing who may be added', () => {
    const card = buildTriageActionCard(view('acknowledged', { concern: { ...concern, about: 'adult', recipient: 'headteacher', pupils: [], adultName: 'Mr X' }, access: { participants: ['Dee DPO'], canGrant: true, candidates: [{ aadObjectId: 'aad-hr', name: 'Hana HR' }] } }));
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(findInput(card, 'participant')?.choices).toEqual([{ title: 'Hana HR', value: 'aad-hr' }]);
    expect(cardText(card)).toContain('Dee DPO');
    expect((card.actions ?? []).length).toBeLessThanOrEqual(MAX_PRIMARY_ACTIONS);
  });

  it('offers "Take over" only when the view allows it: a required reason, and the owner the card showed', () => {
    expect(findActions(buildTriageActionCard(view('acknowledged'))).map((a) => a.verb)).not.toContain(TRIAGE_VERBS.takeOver);
    const card = buildTriageActionCard(view('in-progress', { canTakeOver: true, ownerAadId: 'aad-dana' }));
    expect(adaptiveCardProblems(card)).toEqual([]);
    // Under "Owner" in the body: the card's own actions stay within the 5 the parser allows.
    expect(primaryVerbs(card)).toEqual(['Add note', 'Record action', 'Information sharing', 'Risk and links', 'Close']);
    const takeOver = card.body.find((e) => e.type === 'ActionSet') as { actions: { type: string; title: string }[] } | undefined;
    expect(takeOver?.actions.map((a) => [a.type, a.title])).toEqual([['Action.ShowCard', 'Take over']]);
    expect(findInput(card, 'takeOverReason')).toMatchObject({ type: 'Input.Text', isRequired: true, maxLength: 300 });
    const button = findActions(card).find((a) => a.verb === TRIAGE_VERBS.takeOver);
    expect(button?.data).toEqual({ verb: TRIAGE_VERBS.takeOver, concernId: concern.concernId, actionId: expect.stringMatching(/^0{8}-/), fromOwner: 'aad-dana' });
    expect(cardText(card)).toContain('Dana Lead');
    // Never on a new or closed concern, whatever the view says.
    for (const status of ['new', 'closed'] as ConcernStatus[]) {
      expect(findActions(buildTriageActionCard(view(status, { canTakeOver: true, ownerAadId: 'aad-dana' }))).map((a) => a.verb)).not.toContain(TRIAGE_VERBS.takeOver);
    }
  });

  it('offers "Take over" to the recipient of a concern about an adult, the card still valid', () => {
    const card = buildTriageActionCard(
      view('acknowledged', {
        concern: { ...concern, about: 'adult', recipient: 'headteacher', pupils: [], adultName: 'Mr X' },
        access: { participants: [], canGrant: true, candidates: [] },
        canTakeOver: true,
        ownerAadId: 'aad-old-head',
      }),
    );
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(primaryVerbs(card)).toEqual(['Add note', 'Record action', 'Information sharing', 'Risk, links, access', 'Close']);
    expect(findActions(card).map((a) => a.verb)).toContain(TRIAGE_VERBS.takeOver);
  });

  it('re-shows the take-over form open with what was typed, carrying the owner now shown', () => {
    const card = buildTriageActionCard(
      view('acknowledged', { form: { kind: 'take-over', values: { takeOverReason: 'Dana is on leave' }, errors: { takeOverReason: 'The owner has changed…' } }, canTakeOver: true, ownerAadId: 'aad-priya' }),
    );
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(findInput(card, 'takeOverReason')?.value).toBe('Dana is on leave');
    // The open form replaces its closed twin (input ids are unique in a card).
    expect(card.body.some((e) => e.type === 'ActionSet' && JSON.stringify(e).includes('Take over'))).toBe(false);
    const submit = findActions(card).filter((a) => a.verb === TRIAGE_VERBS.takeOver);
    expect(submit).toHaveLength(1);
    expect(submit[0]!.data).toMatchObject({ fromOwner: 'aad-priya' });
  });

  it('tells the previous owner who took over and why, names shown literally', () => {
    const card = buildOwnershipTakenOverCard({ concernId: concern.concernId, reference: concern.reference, newOwnerName: HOSTILE, reason: HOSTILE, at: '22 Nov 2026, 10:00' });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain(concern.reference);
    const json = JSON.stringify(card);
    expect(json).toContain(JSON.stringify({ type: 'TextRun', text: HOSTILE }));
    const textBlocks = json.match(/"type":"TextBlock","text":"[^"]*"/g) ?? [];
    expect(textBlocks.some((t) => t.includes('evil.example') || t.includes('<at>'))).toBe(false);
    expect(cardText(card)).not.toContain('Amelia');
    // One button: open the concern (access is checked again when pressed).
    expect(findActions(card).map((a) => ({ verb: a.verb, data: a.data }))).toEqual([{ verb: TRIAGE_VERBS.refresh, data: { verb: TRIAGE_VERBS.refresh, concernId: concern.concernId } }]);
  });

  it('the shared card refreshes for at most 60 users and carries no changing action', () => {
    const many = Array.from({ length: 75 }, (_, i) => `29:user${i}`);
    const card = buildConcernBaseCard({ ...view('acknowledged'), refreshUserIds: many });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect((card.refresh as { userIds: string[] }).userIds).toHaveLength(MAX_REFRESH_USERS);
    expect(primaryVerbs(card)).toEqual([TRIAGE_VERBS.refresh]);
    expect(buildConcernBaseCard({ ...view('new'), refreshUserIds: [] }).refresh).toBeUndefined();
  });

  it('the read-only card, feedback and escalation notice hold no pupil or narrative', () => {
    const cards = [
      buildReadOnlyConcernCard({ reference: concern.reference, category: concern.category, triage: { status: 'acknowledged', ownerName: 'Dana Lead' }, reason: 'Only members of the DSL team…' }),
      buildReporterFeedbackCard({ reference: concern.reference, status: 'closed', recipient: 'dsl-team' }),
      buildReporterFeedbackCard({ reference: concern.reference, status: 'acknowledged', recipient: 'headteacher' }),
      buildEscalationNoticeCard({ reference: concern.reference, category: concern.category, receivedAt: '22 Nov 2026, 09:00', minutes: 30, dslNames: ['Dana Lead'] }),
      buildConcernUnavailableCard('This concern is not available to you.'),
    ];
    for (const card of cards) {
      expect(adaptiveCardProblems(card)).toEqual([]);
      expect(cardText(card)).not.toContain('Amelia');
      expect(cardText(card)).not.toContain('group chat');
      expect(findActions(card)).toEqual([]);
    }
    expect(cardText(cards[2])).toContain('picked up by the headteacher.');
  });

  it('the pattern alert lists the references', () => {
    const card = buildPatternAlertCard({ pupilName: 'Zoe Brown', references: ['C-2026-00001', 'C-2026-00007', 'C-2026-00042'], windowDays: 30 });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('C-2026-00001, C-2026-00007, C-2026-00042');
  });

  it('names at most 25 concerns (the newest), so a long history stays under Teams\' 28 KB', () => {
    const references = Array.from({ length: 2000 }, (_, i) => `C-2026-${String(2000 - i).padStart(5, '0')}`);
    const card = buildPatternAlertCard({ pupilName: 'Zoe Brown', references, windowDays: 30 });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(JSON.stringify(card).length).toBeLessThan(28 * 1024);
    expect(cardText(card)).toContain('Pattern: 2000 concerns');
    expect(cardText(card)).toContain('C-2026-01976, C-2026-01977');
    expect(cardText(card)).toContain('C-2026-02000');
    expect(cardText(card)).not.toContain('C-2026-01975');
    expect(cardText(card)).toContain('And 1975 earlier');
  });

  it("the pupil view shows the newest 25 of a long history and points to the tab", () => {
    const concerns = Array.from({ length: 300 }, (_, i) => ({ reference: `C-2026-${String(i + 1).padStart(5, '0')}`, category: 'online-bullying' as const, status: 'closed' as const, receivedAt: '1 Oct 2026, 09:00', ownerName: 'Dana Lead' }));
    const card = buildPupilConcernsCard({ pupilName: 'Zoe Brown', concerns });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(JSON.stringify(card).length).toBeLessThan(28 * 1024);
    expect(cardText(card)).toContain('300 concerns; the newest 25');
    expect(cardText(card)).toContain('C-2026-00276');
    expect(cardText(card)).not.toContain('C-2026-00275');
  });
});
