import type { ConcernStatus, Person } from './concern';
import { decideTriage, describeEvent, statusAfterEvents, offersTakeOver, parseTriageCommand, TRIAGE_COMMAND_KINDS, TRIAGE_OUTCOMES, type TriageCommand, type TriageCommandKind, type TriageState } from './triage';
import { reachableTriageStates } from '../../../test/support/triage-states';

const dana: Person = { aadObjectId: 'aad-dana', name: 'Dana Lead' };
const priya: Person = { aadObjectId: 'aad-priya', name: 'Priya Deputy' };

const COMMANDS: Record<TriageCommandKind, TriageCommand> = {
  'take-ownership': { kind: 'take-ownership' },
  'add-note': { kind: 'add-note', note: 'Spoke to the class teacher.' },
  'record-action': { kind: 'record-action', outcome: 'social-care-referral' },
  'record-sharing': { kind: 'record-sharing', withWhom: 'MASH', what: 'The report', why: 'Referral', consentSought: true },
  'set-risk': { kind: 'set-risk', riskLevel: 'high' },
  link: { kind: 'link', pupils: ['Jay Smith'], references: ['C-2026-00001'] },
  close: { kind: 'close', outcome: 'monitor', rationale: 'Parents engaged; monitored for 4 weeks.' },
  reopen: { kind: 'reopen', reason: 'New messages found.' },
  'add-participant': { kind: 'add-participant', aadObjectId: 'aad-hr' },
  'withdraw-participant': { kind: 'withdraw-participant', aadObjectId: 'aad-hr' },
  'take-over': { kind: 'take-over', reason: 'Dana is on long-term sick leave.', fromOwner: 'aad-dana' },
};

const STATES: Record<ConcernStatus, TriageState> = {
  new: { status: 'new' },
  acknowledged: { status: 'acknowledged', owner: dana },
  'in-progress': { status: 'in-progress', owner: dana, riskLevel: 'medium' },
  closed: { status: 'closed', owner: dana },
};

// Expected result of every (state, command) pair, acted on by Dana (the owner where there is one),
// who may take over (a DSL): taking over from herself changes nothing. She is also the recipient
// of a concern about an adult who gave Hana access: a withdrawal is accepted in every status.
// A status means accepted with that next status; otherwise the refusal code.
const EXPECTED: Record<ConcernStatus, Record<TriageCommandKind, string>> = {
  new: {
    'take-ownership': 'acknowledged',
    'add-note': 'not-acknowledged',
    'record-action': 'not-acknowledged',
    'record-sharing': 'not-acknowledged',
    'set-risk': 'not-acknowledged',
    link: 'not-acknowledged',
    close: 'not-acknowledged',
    reopen: 'not-closed',
    'add-participant': 'not-acknowledged',
    'withdraw-participant': 'new',
    'take-over': 'not-owned',
  },
  acknowledged: {
    'take-ownership': 'unchanged',
    'add-note': 'in-progress',
    'record-action': 'in-progress',
    'record-sharing': 'in-progress',
    'set-risk': 'in-progress',
    link: 'in-progress',
    close: 'closed',
    reopen: 'not-closed',
    'add-participant': 'acknowledged',
    'withdraw-participant': 'acknowledged',
    'take-over': 'unchanged',
  },
  'in-progress': {
    'take-ownership': 'unchanged',
    'add-note': 'in-progress',
    'record-action': 'in-progress',
    'record-sharing': 'in-progress',
    'set-risk': 'in-progress',
    link: 'in-progress',
    close: 'closed',
    reopen: 'not-closed',
    'add-participant': 'in-progress',
    'withdraw-participant': 'in-progress',
    'take-over': 'unchanged',
  },
  closed: {
    'take-ownership': 'closed',
    'add-note': 'closed',
    'record-action': 'closed',
    'record-sharing': 'closed',
    'set-risk': 'closed',
    link: 'closed',
    close: 'closed',
    reopen: 'in-progress',
    'add-participant': 'closed',
    'withdraw-participant': 'closed',
    'take-over': 'closed',
  },
};

const ACCEPTED_STATUSES = new Set(['new', 'acknowledged', 'in-progress']);
const GRANT = { givenBy: 'aad-dana', givenByName: 'Dana Lead', givenAt: '2026-11-20T10:00:00.000Z' };

describe('decideTriage: every transition', () => {
  const cases = (Object.keys(STATES) as ConcernStatus[]).flatMap((status) =>
    TRIAGE_COMMAND_KINDS.map((kind) => [status, kind, EXPECTED[status][kind]] as const),
  );
  it.each(cases)('%s + %s → %s', (status, kind, expected) => {
    const decision = decideTriage(STATES[status], COMMANDS[kind], dana, { reference: 'C-2026-00009', about: 'adult', mayTakeOver: true, mayManageAccess: true, grant: GRANT });
    // "closed" is both a status (close, or a withdrawal, accepted) and a refusal code (anything else on a closed concern).
    const accepted = ACCEPTED_STATUSES.has(expected) || (expected === 'closed' && (status !== 'closed' || kind === 'withdraw-participant'));
    if (accepted) {
      expect(decision.ok).toBe(true);
      if (decision.ok) expect(decision.next.status).toBe(expected);
    } else {
      expect(decision.ok).toBe(false);
      if (!decision.ok) {
        expect(decision.code).toBe(expected);
        expect(decision.reason.length).toBeGreaterThan(10);
      }
    }
  });

  it('covers every command kind', () => {
    for (const status of Object.keys(EXPECTED) as ConcernStatus[]) expect(Object.keys(EXPECTED[status]).sort()).toEqual([...TRIAGE_COMMAND_KINDS].sort());
  });
});

describe('decideTriage: reachable states', () => {
  // Every state any sequence of commands can lead to (test/support/triage-states.ts).
  const states = reachableTriageStates();

  it('never leaves an acknowledged, in-progress or closed concern without an owner, and a new one has none', () => {
    const shape = (s: TriageState) => `${s.status}/${s.owner ? 'owned' : 'unowned'}`;
    expect(new Set(states.map(shape))).toEqual(new Set(['new/unowned', 'acknowledged/owned', 'in-progress/owned', 'closed/owned']));
  });

  it('explores ownership moving between people, reopening and every risk level', () => {
    const owners = new Set(states.map((s) => s.owner?.aadObjectId));
    expect(owners).toEqual(new Set([undefined, 'aad-dana', 'aad-priya']));
    expect(new Set(states.filter((s) => s.status === 'closed').map((s) => s.riskLevel))).toEqual(new Set([undefined, 'low', 'medium', 'high']));
  });
});

describe('decideTriage: rules', () => {
  it('gives ownership to the first claimant and refuses the second, naming the owner', () => {
    const first = decideTriage(STATES.new, COMMANDS['take-ownership'], dana);
    expect(first.ok && first.next).toEqual({ status: 'acknowledged', owner: dana });
    expect(first.ok && first.tellReporter).toBe('acknowledged');
    expect(first.ok && first.cancelsEscalation).toBe(true);
    const second = decideTriage(first.ok ? first.next : STATES.new, COMMANDS['take-ownership'], priya);
    expect(second).toEqual({ ok: false, code: 'already-owned', reason: 'Already owned by Dana Lead.' });
  });

  it('lets any DSL record on a concern another DSL owns', () => {
    const decision = decideTriage(STATES.acknowledged, COMMANDS['add-note'], priya);
    expect(decision.ok && decision.next.owner).toEqual(dana);
  });

  it('closing tells the reporter and stops escalation; reopening keeps the owner', () => {
    const closed = decideTriage(STATES['in-progress'], COMMANDS.close, priya);
    expect(closed.ok && closed.tellReporter).toBe('closed');
    expect(closed.ok && closed.cancelsEscalation).toBe(true);
    expect(closed.ok && closed.event).toEqual({ type: 'closed', details: { outcome: 'monitor', rationale: 'Parents engaged; monitored for 4 weeks.' } });
    const reopened = decideTriage(STATES.closed, COMMANDS.reopen, priya);
    expect(reopened.ok && reopened.next).toEqual({ status: 'in-progress', owner: dana });
    expect(reopened.ok && reopened.event.details).toEqual({ reason: 'New messages found.' });
  });

  it('refuses setting the same risk level, and records the previous one otherwise', () => {
    expect(decideTriage(STATES['in-progress'], { kind: 'set-risk', riskLevel: 'medium' }, dana)).toMatchObject({ ok: false, code: 'unchanged' });
    const raised = decideTriage(STATES['in-progress'], { kind: 'set-risk', riskLevel: 'high', reason: 'Threats escalated' }, dana);
    expect(raised.ok && raised.next.riskLevel).toBe('high');
    expect(raised.ok && raised.event.details).toEqual({ riskLevel: 'high', previous: 'medium', reason: 'Threats escalated' });
  });

  it('refuses linking a concern to itself', () => {
    expect(decideTriage(STATES.acknowledged, { kind: 'link', pupils: [], references: ['C-2026-00009'] }, dana, { reference: 'C-2026-00009' })).toMatchObject({ ok: false, code: 'self-link' });
  });

  it('adds people only to concerns about adults, only by whoever may give access (its recipient)', () => {
    expect(decideTriage(STATES.acknowledged, COMMANDS['add-participant'], dana, { about: 'pupil', mayManageAccess: true })).toMatchObject({ ok: false, code: 'not-allowed' });
    expect(decideTriage(STATES.acknowledged, COMMANDS['add-participant'], priya, { about: 'adult', mayManageAccess: false, participantName: 'Hana HR' })).toEqual({
      ok: false,
      code: 'not-allowed',
      reason: 'Only the recipient of this concern can give others access.',
    });
    expect(decideTriage(STATES.acknowledged, COMMANDS['add-participant'], dana, { about: 'adult', mayManageAccess: true, alreadyParticipant: true, participantName: 'Hana HR' })).toEqual({
      ok: false,
      code: 'unchanged',
      reason: 'Hana HR already has access.',
    });
  });

  it('withdraws access only for whoever may give it, only from someone who has it, and records who gave it', () => {
    const withdraw = COMMANDS['withdraw-participant'];
    const context = { about: 'adult' as const, participantName: 'Hana HR', mayManageAccess: true, grant: GRANT };
    const done = decideTriage(STATES['in-progress'], withdraw, dana, context);
    expect(done).toEqual({
      ok: true,
      next: STATES['in-progress'],
      event: { type: 'participant-withdrawn', details: { participant: 'aad-hr', participantName: 'Hana HR', givenBy: 'aad-dana', givenByName: 'Dana Lead', givenAt: GRANT.givenAt } },
      cancelsEscalation: false,
    });
    // Someone only given access (the caller found them not the recipient), themselves included.
    expect(decideTriage(STATES['in-progress'], { kind: 'withdraw-participant', aadObjectId: priya.aadObjectId }, priya, { ...context, mayManageAccess: false })).toEqual({
      ok: false,
      code: 'not-allowed',
      reason: 'Only the recipient of this concern can withdraw access.',
    });
    expect(decideTriage(STATES['in-progress'], withdraw, dana, { ...context, grant: undefined })).toMatchObject({ ok: false, code: 'not-participant' });
    expect(decideTriage(STATES['in-progress'], withdraw, dana, { ...context, about: 'pupil' })).toMatchObject({ ok: false, code: 'not-allowed' });
    expect(describeEvent('participant-withdrawn', {})).toBe('Access was withdrawn');
  });

  it('parses a withdrawal, saying what to fix when nobody is chosen', () => {
    expect(parseTriageCommand('withdraw-participant', { withdrawParticipant: ' aad-hr ' })).toMatchObject({ ok: true, command: { kind: 'withdraw-participant', aadObjectId: 'aad-hr' } });
    expect(parseTriageCommand('withdraw-participant', {})).toMatchObject({ ok: false, errors: { withdrawParticipant: 'Choose the person whose access to withdraw.' } });
  });

  it('records information sharing without consent only with the reason', () => {
    const d = decideTriage(STATES.acknowledged, { kind: 'record-sharing', withWhom: 'Police', what: 'Screenshots', why: 'Crime', consentSought: false, noConsentReason: 'Would alert the abuser' }, dana);
    expect(d.ok && d.event.details).toEqual({ withWhom: 'Police', what: 'Screenshots', why: 'Crime', consentSought: false, noConsentReason: 'Would alert the abuser' });
  });

  it('lets another DSL take over a concern someone else owns, with the reason, recording from whom', () => {
    const decision = decideTriage(STATES['in-progress'], { kind: 'take-over', reason: 'Dana is on long-term sick leave.', fromOwner: 'aad-dana' }, priya, { about: 'pupil', mayTakeOver: true });
    expect(decision).toEqual({
      ok: true,
      // Only the owner changes: status and risk stay as they were.
      next: { status: 'in-progress', owner: priya, riskLevel: 'medium' },
      event: { type: 'ownership-taken-over', details: { previousOwner: 'Dana Lead', previousOwnerAadId: 'aad-dana', owner: 'Priya Deputy', reason: 'Dana is on long-term sick leave.' } },
      cancelsEscalation: false,
    });
    // An acknowledged concern stays acknowledged: nothing about the case was recorded.
    const acknowledged = decideTriage(STATES.acknowledged, COMMANDS['take-over'], priya, { mayTakeOver: true });
    expect(acknowledged.ok && acknowledged.next).toEqual({ status: 'acknowledged', owner: priya });
  });

  it('refuses a take-over by someone who may not, of an unowned or closed concern, and from a card gone stale', () => {
    const take = (state: TriageState, fromOwner: string, context: Parameters<typeof decideTriage>[3]) => decideTriage(state, { kind: 'take-over', reason: 'On leave', fromOwner }, priya, context);
    expect(take(STATES.acknowledged, 'aad-dana', { about: 'pupil', mayTakeOver: false })).toEqual({ ok: false, code: 'not-allowed', reason: 'Only a member of the DSL team can take over a concern.' });
    expect(take(STATES.acknowledged, 'aad-dana', { about: 'adult' })).toEqual({ ok: false, code: 'not-allowed', reason: 'Only the recipient of this concern can take it over.' });
    expect(take(STATES.new, '', { mayTakeOver: true })).toMatchObject({ ok: false, code: 'not-owned', reason: expect.stringContaining('Take ownership') });
    expect(take({ status: 'acknowledged' }, '', { mayTakeOver: true })).toMatchObject({ ok: false, code: 'not-owned' });
    expect(take(STATES.closed, 'aad-dana', { mayTakeOver: true })).toMatchObject({ ok: false, code: 'closed' });
    // The card showed another owner (someone took it over meanwhile): the first committed change wins.
    expect(take(STATES.acknowledged, 'aad-someone-else', { mayTakeOver: true })).toEqual({
      ok: false,
      code: 'owner-changed',
      reason: 'The owner has changed since you last saw this concern: Dana Lead owns this concern now. Nothing was recorded.',
    });
    expect(take({ status: 'acknowledged', owner: priya }, 'aad-dana', { mayTakeOver: true })).toEqual({ ok: false, code: 'unchanged', reason: 'You already own this concern.' });
  });

  it('offers "take over" only to someone who may, when another person owns an open concern', () => {
    expect(offersTakeOver(STATES.acknowledged, priya.aadObjectId, true)).toBe(true);
    expect(offersTakeOver(STATES['in-progress'], priya.aadObjectId, true)).toBe(true);
    expect(offersTakeOver(STATES.acknowledged, priya.aadObjectId, false)).toBe(false);
    expect(offersTakeOver(STATES.acknowledged, dana.aadObjectId, true)).toBe(false);
    expect(offersTakeOver(STATES.new, priya.aadObjectId, true)).toBe(false);
    expect(offersTakeOver(STATES.closed, priya.aadObjectId, true)).toBe(false);
  });

  it('describes events without narrative', () => {
    // A take-over names nobody in its description (names are shown literally, next to it).
    expect(describeEvent('ownership-taken-over', { previousOwner: '**Dana**', owner: 'Priya', reason: 'secret' })).toBe('Ownership taken over');
    expect(describeEvent('closed', { outcome: 'no-further-action', rationale: 'secret' })).toBe('Closed: No further action');
    expect(describeEvent('note-added', { note: 'secret' })).toBe('Note added');
    expect(describeEvent('action-recorded', { outcome: 'police' })).toBe('Action recorded: Police');
  });
});

describe('parseTriageCommand', () => {
  it('requires an outcome and a rationale to close', () => {
    const parsed = parseTriageCommand('close', { closeOutcome: '', closeRationale: '  ' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(Object.keys(parsed.errors).sort()).toEqual(['closeOutcome', 'closeRationale']);
    expect(parseTriageCommand('close', { closeOutcome: 'escape-hatch', closeRationale: 'x' })).toMatchObject({ ok: false, errors: { closeOutcome: 'Choose one of the outcomes listed.' } });
    expect(parseTriageCommand('close', { closeOutcome: 'monitor', closeRationale: 'Why' })).toMatchObject({ ok: true, command: { kind: 'close', outcome: 'monitor', rationale: 'Why' } });
  });

  it('requires a short reason to take over, and reads which owner the card showed', () => {
    expect(parseTriageCommand('take-over', { fromOwner: 'aad-dana' })).toMatchObject({ ok: false, errors: { takeOverReason: expect.stringContaining('why') } });
    expect(parseTriageCommand('take-over', { takeOverReason: 'x'.repeat(301), fromOwner: 'aad-dana' })).toMatchObject({ ok: false, errors: { takeOverReason: expect.stringContaining('300') } });
    const parsed = parseTriageCommand('take-over', { takeOverReason: ' Dana\u202E is on leave ', fromOwner: 'aad-dana' });
    expect(parsed).toEqual({ ok: true, command: { kind: 'take-over', reason: 'Dana is on leave', fromOwner: 'aad-dana' }, values: { takeOverReason: 'Dana is on leave' } });
    // A card without the owner it showed (an old or hand-made one) takes over from nobody in particular: refused as stale.
    expect(parseTriageCommand('take-over', { takeOverReason: 'On leave' })).toMatchObject({ ok: true, command: { fromOwner: '' } });
  });

  it('requires a reason to reopen', () => {
    expect(parseTriageCommand('reopen', {})).toMatchObject({ ok: false, errors: { reopenReason: expect.any(String) } });
  });

  it('requires with whom, what, why and a consent answer; a reason when consent was not sought', () => {
    const none = parseTriageCommand('record-sharing', {});
    expect(none.ok).toBe(false);
    if (!none.ok) expect(Object.keys(none.errors).sort()).toEqual(['consentSought', 'shareWhat', 'shareWhy', 'shareWith']);
    const noReason = parseTriageCommand('record-sharing', { shareWith: 'MASH', shareWhat: 'Report', shareWhy: 'Referral', consentSought: 'no' });
    expect(noReason).toMatchObject({ ok: false, errors: { noConsentReason: expect.stringContaining('record why') } });
    const yes = parseTriageCommand('record-sharing', { shareWith: 'MASH', shareWhat: 'Report', shareWhy: 'Referral', consentSought: 'yes', noConsentReason: 'ignored' });
    expect(yes).toMatchObject({ ok: true, command: { consentSought: true, noConsentReason: undefined } });
  });

  it('accepts every listed outcome for an action and refuses others', () => {
    for (const o of TRIAGE_OUTCOMES) expect(parseTriageCommand('record-action', { outcome: o.id }).ok).toBe(true);
    expect(parseTriageCommand('record-action', { outcome: 'sack-them' }).ok).toBe(false);
  });

  it('includes the outcomes the issue lists', () => {
    const ids = TRIAGE_OUTCOMES.map((o) => o.id);
    for (const id of ['monitor', 'pastoral-support', 'early-help', 'inform-parents', 'social-care-referral', 'police', 'lado', 'ceop', 'iwf', 'prevent', 'platform-removal', 'filtering-change', 'no-further-action']) {
      expect(ids).toContain(id);
    }
  });

  it('cleans text (control characters and bidi overrides) and bounds its length', () => {
    const parsed = parseTriageCommand('add-note', { note: 'Saw\u202E it\u0007 ' });
    expect(parsed).toMatchObject({ ok: true, command: { note: 'Saw it' } });
    expect(parseTriageCommand('add-note', { note: 'x'.repeat(4001) })).toMatchObject({ ok: false, errors: { note: expect.stringContaining('4000') } });
  });

  it('parses links: pupils and references, de-duplicated, references checked', () => {
    expect(parseTriageCommand('link', { linkPupils: 'Jay Smith, Jay Smith\nAmy Lee', linkReferences: 'c-2026-00001; C-2026-00001' })).toMatchObject({
      ok: true,
      command: { pupils: ['Jay Smith', 'Amy Lee'], references: ['C-2026-00001'] },
    });
    expect(parseTriageCommand('link', {})).toMatchObject({ ok: false, errors: { linkPupils: expect.any(String) } });
    expect(parseTriageCommand('link', { linkReferences: 'last week' })).toMatchObject({ ok: false, errors: { linkReferences: expect.stringContaining('C-2026-00012') } });
  });

  it('requires a valid risk level', () => {
    expect(parseTriageCommand('set-risk', { riskLevel: 'extreme' })).toMatchObject({ ok: false, errors: { riskLevel: expect.any(String) } });
    expect(parseTriageCommand('set-risk', { riskLevel: 'low' })).toMatchObject({ ok: true, command: { riskLevel: 'low' } });
  });

  it('ignores fields that belong to other commands', () => {
    const parsed = parseTriageCommand('add-note', { note: 'n', closeOutcome: 'monitor', owner: 'aad-mallory' });
    expect(parsed.values).toEqual({ note: 'n' });
  });
});

describe('statusAfterEvents: the status a chronology says a concern had', () => {
  it('agrees with decideTriage after every step of seeded random triage histories', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kinds = Object.keys(COMMANDS) as TriageCommandKind[];
    for (let run = 0; run < 300; run++) {
      let state: TriageState = { status: 'new' };
      const events = ['reported', 'routed'];
      expect(statusAfterEvents(events)).toBe('new');
      for (let step = 0; step < 12; step++) {
        const actor = random() < 0.5 ? dana : priya;
        let command = COMMANDS[kinds[Math.floor(random() * kinds.length)]!];
        if (command.kind === 'take-over') command = { ...command, fromOwner: state.owner?.aadObjectId ?? 'nobody' };
        const decision = decideTriage(state, command, actor, { reference: 'C-2026-00001', about: 'adult', mayTakeOver: true, participantName: 'Hana HR', alreadyParticipant: false });
        if (!decision.ok) continue;
        state = decision.next;
        events.push(decision.event.type);
        if (random() < 0.2) events.push('escalated');
        expect({ events, status: statusAfterEvents(events) }).toEqual({ events, status: state.status });
      }
    }
  });
});
