import { FOUR_C_TITLES, getCategory } from '../domain/concerns/categories';
import type { Concern, ConcernStatus, RecipientRole } from '../domain/concerns/concern';
import { describeRecipient } from '../domain/concerns/routing';
import {
  describeEvent,
  RISK_LEVELS,
  type RiskLevel,
  TRIAGE_LIMITS,
  TRIAGE_OUTCOMES,
  type TriageCommandKind,
  type TriageErrors,
  type TriageField,
  type TriageValues,
} from '../domain/concerns/triage';
import { type AdaptiveCard, card, type CardElement, errorText, execute, field, heading, literal, notice, strongLiteral, text } from './card-kit';
import { buildConcernCard, describeStatus } from './concern-card';
import { firstThatFits } from './card-size';

/** Action.Execute verbs of triage (docs/cards-triage.md lists their inputs and data). */
export const TRIAGE_VERBS = {
  refresh: 'concern.refresh',
  takeOwnership: 'concern.take-ownership',
  addNote: 'concern.add-note',
  recordAction: 'concern.record-action',
  recordSharing: 'concern.record-sharing',
  setRisk: 'concern.set-risk',
  link: 'concern.link',
  close: 'concern.close',
  reopen: 'concern.reopen',
  addParticipant: 'concern.add-participant',
  withdrawParticipant: 'concern.withdraw-participant',
  takeOver: 'concern.take-over',
} as const;

/** Which command each verb carries (refresh carries none: it only renders). */
export const COMMAND_OF_VERB: Readonly<Record<string, TriageCommandKind>> = {
  [TRIAGE_VERBS.takeOwnership]: 'take-ownership',
  [TRIAGE_VERBS.addNote]: 'add-note',
  [TRIAGE_VERBS.recordAction]: 'record-action',
  [TRIAGE_VERBS.recordSharing]: 'record-sharing',
  [TRIAGE_VERBS.setRisk]: 'set-risk',
  [TRIAGE_VERBS.link]: 'link',
  [TRIAGE_VERBS.close]: 'close',
  [TRIAGE_VERBS.reopen]: 'reopen',
  [TRIAGE_VERBS.addParticipant]: 'add-participant',
  [TRIAGE_VERBS.withdrawParticipant]: 'withdraw-participant',
  [TRIAGE_VERBS.takeOver]: 'take-over',
};
const VERB_OF_COMMAND = Object.fromEntries(Object.entries(COMMAND_OF_VERB).map(([verb, kind]) => [kind, verb])) as Record<TriageCommandKind, string>;

/**
 * The most people the card's "Give someone access" list names (by name; a card must stay under
 * Teams' 28 KB). When more could be given access, the card says so and points to the tab, which
 * lists everyone; the server accepts anyone Jigsaw can reach, listed or not.
 */
export const MAX_PARTICIPANT_CHOICES = 200;

/** Teams refreshes a card automatically for at most 60 users (platform limit). */
export const MAX_REFRESH_USERS = 60;

/**
 * The most actions the action card's own action bar holds. The `adaptivecards` parser the tests
 * validate with (default host configuration, `maxActions`) refuses a sixth; Teams documents no
 * limit of its own. The bar has exactly this many slots (`PrimarySlots`): anything else a viewer
 * may do sits in the body (ownership, under "Owner") or inside one of the slots' ShowCards.
 */
export const MAX_PRIMARY_ACTIONS = 5;
/** A tuple of MAX_PRIMARY_ACTIONS slots, so a sixth primary action does not type-check. */
type PrimarySlots = [CardElement | undefined, CardElement | undefined, CardElement | undefined, CardElement | undefined, CardElement | undefined];

export interface TriageSummaryView {
  status: ConcernStatus;
  ownerName?: string;
  riskLevel?: RiskLevel;
  /** "Note added, by Dana Lead, 22 Nov 2026, 14:05" is built from these. */
  lastAction?: { type: string; details: Record<string, unknown>; actorName: string; at: string };
}

export interface ConcernBaseView {
  concern: Concern;
  receivedAt: string;
  occurredAt: string;
  triage: TriageSummaryView;
  /** Teams user ids (29:…) whose clients fetch their own view automatically; cut to 60. */
  refreshUserIds: string[];
}

export interface TriageEventView {
  at: string;
  actorName: string;
  type: string;
  details: Record<string, unknown>;
}

export interface TriageActionView extends ConcernBaseView {
  /** The newest events, oldest first. */
  events: TriageEventView[];
  totalEvents: number;
  linked: { reference: string; status: ConcernStatus }[];
  /** The per-pupil view: other concerns about the same pupil(s). */
  samePupil: { reference: string; status: ConcernStatus; receivedAt: string }[];
  /** A fresh id for each button, so a duplicated invoke is recognised and applied once. */
  newActionId: () => string;
  flash?: { style: 'good' | 'attention' | 'warning' | 'accent'; title: string; text?: string };
  /** A form that failed validation, shown open with what was typed and why. */
  form?: { kind: TriageCommandKind; values: TriageValues; errors: TriageErrors };
  /**
   * Concerns about adults: who else has access and, for the recipient only (`canGrant`), whom
   * they may add. People given access see who else can, but no "Give someone access" form.
   */
  access?: {
    participants: string[];
    canGrant: boolean;
    candidates: { aadObjectId: string; name: string }[];
    moreCandidates?: boolean;
    /** For the recipient only (`canGrant`): the people given access, whom "Withdraw access" lists. */
    withdrawable?: { aadObjectId: string; name: string }[];
  };
  /** Misuse of technology: the AUP status of the people the concern names. */
  aupStatus?: { name: string; lines: string[] }[];
  /** The current owner's Entra object id: what a take-over button says it takes over from. */
  ownerAadId?: string;
  /** Offer "Take over" (someone else owns it and this viewer may take it over: `offersTakeOver`). */
  canTakeOver?: boolean;
}

/** Automatic refresh for the listed users only; none listed, none (the manual button remains). */
function refreshOf(concernId: string, userIds: readonly string[]): CardElement | undefined {
  const ids = [...new Set(userIds)].slice(0, MAX_REFRESH_USERS);
  if (!ids.length) return undefined;
  return { action: { type: 'Action.Execute', title: 'Refresh', verb: TRIAGE_VERBS.refresh, data: { verb: TRIAGE_VERBS.refresh, concernId: concernId } }, userIds: ids };
}

function withRefresh(concernId: string, userIds: readonly string[]): Partial<AdaptiveCard> {
  const refresh = refreshOf(concernId, userIds);
  return refresh ? { refresh } : {};
}

function summaryElements(triage: TriageSummaryView): CardElement[] {
  const items: CardElement[] = [field('Owner', triage.ownerName ?? 'Nobody yet')];
  if (triage.riskLevel) items.push(field('Risk level', RISK_LEVELS.find((r) => r.id === triage.riskLevel)?.title ?? triage.riskLevel));
  if (triage.lastAction) {
    const a = triage.lastAction;
    items.push(field('Last action', `${describeEvent(a.type, a.details)}, by ${a.actorName}, ${a.at}`));
  }
  return [{ type: 'Container', separator: true, spacing: 'Medium', items }];
}

/**
 * The shared card in the DSL channel (and a recipient's copy): the concern, its current status,
 * owner and last action. It carries no action that changes anything: DSLs listed in
 * `refresh.userIds` get their own action view automatically; anyone else can ask for it and
 * is told whether they may act. `shortened` leaves out the long answers, for a concern whose
 * card Teams refused as too large.
 */
export function buildConcernBaseCard(view: ConcernBaseView, options: { shortened?: boolean } = {}): AdaptiveCard {
  const base = buildConcernCard({
    concern: { ...view.concern, status: view.triage.status },
    view: 'full',
    receivedAt: view.receivedAt,
    occurredAt: view.occurredAt,
    // Too large for Teams (413): the long answers are read in the Jigsaw tab (outbox deliveries).
    shortened: options.shortened ? 'tab' : undefined,
  });
  return card(
    [...base.body, ...summaryElements(view.triage)],
    [execute('Open triage actions', TRIAGE_VERBS.refresh, { concernId: view.concern.concernId })],
    withRefresh(view.concern.concernId, view.refreshUserIds),
  );
}

/**
 * How much of a concern the action card leaves out so that it fits in a Teams message:
 * `shortened` leaves out the long answers, as the shared card delivered after a 413 does (the
 * same notice: "The full report is in the Jigsaw tab"); `chronology` shows the events without
 * the words recorded with them (`headings`) or not at all (`none`), saying where to read them.
 */
export interface ActionCardCut {
  shortened?: boolean;
  chronology?: 'full' | 'headings' | 'none';
}

/**
 * The action card as an invoke response: the full card when it fits in a Teams message
 * (`CARD_MAX_BYTES`, card-size.ts), otherwise the first of these that does: without the long
 * answers (the outbox's shortened form), then also without the chronology's recorded words,
 * then without the chronology. Each keeps the flash ("Recorded: …"), a form shown open with
 * what was typed, and the triage actions. Should even that be too large, the short card of
 * `buildActionCardTooLarge` answers: the flash, where to read and act, *Open triage actions*.
 */
export function buildTriageActionCardForTeams(view: TriageActionView): { card: AdaptiveCard; shortened: boolean } {
  // "Give someone access" lists fewer people, saying so (as beyond MAX_PARTICIPANT_CHOICES).
  const fewer: TriageActionView =
    view.access && view.access.candidates.length > FEWER_PARTICIPANT_CHOICES
      ? { ...view, access: { ...view.access, candidates: view.access.candidates.slice(0, FEWER_PARTICIPANT_CHOICES), moreCandidates: true } }
      : view;
  const { card, step } = firstThatFits([
    () => buildTriageActionCard(view),
    () => buildTriageActionCard(view, { shortened: true }),
    () => buildTriageActionCard(view, { shortened: true, chronology: 'headings' }),
    () => buildTriageActionCard(view, { shortened: true, chronology: 'none' }),
    ...(fewer !== view ? [() => buildTriageActionCard(fewer, { shortened: true, chronology: 'none' })] : []),
    () => buildActionCardTooLarge(view),
  ]);
  return { card, shortened: step > 0 };
}

/** How many people "Give someone access" lists when the card is too large with MAX_PARTICIPANT_CHOICES. */
export const FEWER_PARTICIPANT_CHOICES = 25;

/**
 * The last resort of `buildTriageActionCardForTeams`: the flash (what was recorded stays said),
 * that the concern is too long for a Teams message and where to read it, a form shown open with
 * what was typed (and its button), and *Open triage actions*.
 */
function buildActionCardTooLarge(view: TriageActionView): AdaptiveCard {
  const concernId = view.concern.concernId;
  const dataFor = (kind: TriageCommandKind) => ({ concernId, actionId: view.newActionId(), ...(kind === 'take-over' ? { fromOwner: view.ownerAadId ?? '' } : {}) });
  const body: CardElement[] = [];
  if (view.flash) body.push({ type: 'Container', style: view.flash.style, items: [strongLiteral(view.flash.title), ...(view.flash.text ? [text(view.flash.text, { spacing: 'Small' })] : [])] });
  body.push(
    heading(`Concern ${view.concern.reference}`, { size: 'Medium' }),
    text(`Status: **${describeStatus(view.triage.status)}**`),
    notice(
      'The full report is in the Jigsaw tab',
      `This concern is too long for a Teams message, so it and its actions are not shown here. Open concern ${view.concern.reference} in the Jigsaw tab to read it and act on it.`,
      'warning',
    ),
    ...openFormElements(view, dataFor),
  );
  return card(body, [execute('Open triage actions', TRIAGE_VERBS.refresh, { concernId })]);
}

/** The view a DSL (or the recipient of a concern about an adult) gets: everything, and the actions. */
export function buildTriageActionCard(view: TriageActionView, cut: ActionCardCut = {}): AdaptiveCard {
  const { concern } = view;
  const concernId = concern.concernId;
  const data = () => ({ concernId, actionId: view.newActionId() });
  // A take-over names the owner the card showed: refused if someone else has taken it over since.
  const dataFor = (kind: TriageCommandKind) => (kind === 'take-over' ? { ...data(), fromOwner: view.ownerAadId ?? '' } : data());
  const showCard = (kind: TriageCommandKind, title: string, extra: CardElement[] = []) => ({
    type: 'Action.ShowCard',
    title,
    card: {
      type: 'AdaptiveCard',
      body: formInputs(kind, {}, {}, view.access),
      actions: [execute(FORM_SUBMIT[kind], VERB_OF_COMMAND[kind], dataFor(kind), { style: 'positive' }), ...extra],
    },
  });
  const base = buildConcernCard({
    concern: { ...concern, status: view.triage.status },
    view: 'full',
    receivedAt: view.receivedAt,
    occurredAt: view.occurredAt,
    // Too large for Teams: the long answers are read in the Jigsaw tab (buildTriageActionCardForTeams).
    shortened: cut.shortened ? 'tab' : undefined,
  });
  const body: CardElement[] = [];
  if (view.flash) {
    const f = view.flash;
    // The title may name people ("Already owned by <display name>"): shown literally.
    body.push({ type: 'Container', style: f.style, items: [strongLiteral(f.title), ...(f.text ? [text(f.text, { spacing: 'Small' })] : [])] });
  }
  body.push(...base.body, ...summaryElements(view.triage));
  // Ownership of an open concern is changed under "Owner", in the body, never in the action bar
  // (its slots are the five things done most): "Take ownership" while nobody owns it (no command
  // leaves an acknowledged or in-progress concern unowned today, but the card does not rely on
  // that), or "Take over" when someone else owns it and this viewer may take it over. A new
  // concern's only action, "Take ownership", stays in the bar; nothing here on a closed one.
  const openStatus = view.triage.status !== 'new' && view.triage.status !== 'closed';
  if (openStatus && !view.triage.ownerName) {
    body.push({ type: 'ActionSet', spacing: 'Small', actions: [execute('Take ownership', TRIAGE_VERBS.takeOwnership, data(), { style: 'positive' })] });
  } else if (view.canTakeOver && openStatus && view.form?.kind !== 'take-over') {
    body.push({ type: 'ActionSet', spacing: 'Small', actions: [showCard('take-over', 'Take over')] });
  }
  if (view.samePupil.length) {
    body.push(
      notice(
        `The jigsaw: ${view.samePupil.length} other concern${view.samePupil.length === 1 ? '' : 's'} about ${concern.pupils.length === 1 ? 'this pupil' : 'these pupils'}`,
        view.samePupil.map((c) => `${c.reference} (${describeStatus(c.status)}, ${c.receivedAt})`).join('; '),
        'accent',
      ),
    );
  }
  if (view.aupStatus?.length) {
    // Misuse of technology: what the people named agreed to (names are user text: shown literally).
    body.push(text('Acceptable Use Policy', { weight: 'Bolder', separator: true }));
    for (const subject of view.aupStatus) body.push(field(subject.name, subject.lines.join('\n')));
  }
  if (view.linked.length) body.push(field('Linked concerns', view.linked.map((c) => `${c.reference} (${describeStatus(c.status)})`).join(', ')));
  if (view.access) {
    body.push(field('Who else can see this', view.access.participants.length ? view.access.participants.join(', ') : 'Nobody else: only you'));
  }
  body.push(...chronologyElements(view.events, view.totalEvents, concern.reference, cut.chronology ?? 'full'));

  body.push(...openFormElements(view, dataFor));

  const open = view.form?.kind;
  let slots: PrimarySlots;
  if (view.triage.status === 'new') {
    slots = [execute('Take ownership', TRIAGE_VERBS.takeOwnership, data(), { style: 'positive' }), undefined, undefined, undefined, undefined];
  } else if (view.triage.status === 'closed') {
    // Access can be withdrawn from a closed concern too: closing is when it is often no longer needed.
    const withdraw = withdrawElements(view, data);
    slots = [
      open !== 'reopen' ? showCard('reopen', 'Reopen') : undefined,
      withdraw.length ? { type: 'Action.ShowCard', title: 'Access', card: { type: 'AdaptiveCard', body: withdraw } } : undefined,
      undefined,
      undefined,
      undefined,
    ];
  } else {
    // A form shown open (with its errors) replaces its closed twin: input ids must be unique in a card.
    // Risk, links (and, for concerns about adults, access) share one slot's card.
    const more: CardElement[] = [];
    if (open !== 'set-risk') {
      more.push(text('Risk level', { weight: 'Bolder' }), ...formInputs('set-risk', {}, {}, undefined), { type: 'ActionSet', actions: [execute(FORM_SUBMIT['set-risk'], TRIAGE_VERBS.setRisk, data())] });
    }
    if (open !== 'link') {
      more.push(
        text('Link other pupils or earlier concerns', { weight: 'Bolder', separator: true }),
        ...formInputs('link', {}, {}, undefined),
        { type: 'ActionSet', actions: [execute(FORM_SUBMIT.link, TRIAGE_VERBS.link, data())] },
      );
    }
    if (view.access?.canGrant && open !== 'add-participant') {
      more.push(
        text('Give someone access', { weight: 'Bolder', separator: true }),
        ...formInputs('add-participant', {}, {}, view.access),
        { type: 'ActionSet', actions: [execute(FORM_SUBMIT['add-participant'], TRIAGE_VERBS.addParticipant, data())] },
      );
    }
    more.push(...withdrawElements(view, data));
    slots = [
      open !== 'add-note' ? showCard('add-note', 'Add note') : undefined,
      open !== 'record-action' ? showCard('record-action', 'Record action') : undefined,
      open !== 'record-sharing' ? showCard('record-sharing', 'Information sharing') : undefined,
      more.length ? { type: 'Action.ShowCard', title: view.access?.canGrant ? 'Risk, links, access' : 'Risk and links', card: { type: 'AdaptiveCard', body: more } } : undefined,
      open !== 'close' ? showCard('close', 'Close') : undefined,
    ];
  }
  const actions = slots.filter((a): a is CardElement => a !== undefined);
  return card(body, actions, withRefresh(concernId, view.refreshUserIds));
}

/** "Withdraw access": for the recipient only, while someone has been given access. */
function withdrawElements(view: TriageActionView, data: () => Record<string, unknown>): CardElement[] {
  if (!view.access?.canGrant || !view.access.withdrawable?.length || view.form?.kind === 'withdraw-participant') return [];
  return [
    text('Withdraw access', { weight: 'Bolder', separator: true }),
    ...formInputs('withdraw-participant', {}, {}, view.access),
    { type: 'ActionSet', actions: [execute(FORM_SUBMIT['withdraw-participant'], TRIAGE_VERBS.withdrawParticipant, data())] },
  ];
}

/** A form that failed validation (or was refused), shown open with what was typed and why. */
function openFormElements(view: TriageActionView, dataFor: (kind: TriageCommandKind) => Record<string, unknown>): CardElement[] {
  if (!view.form || ((view.form.kind === 'add-participant' || view.form.kind === 'withdraw-participant') && !view.access?.canGrant)) return [];
  const { kind, values, errors } = view.form;
  return [
    {
      type: 'Container',
      style: 'emphasis',
      separator: true,
      items: [
        text(FORM_TITLES[kind], { weight: 'Bolder' }),
        errorText('Nothing was recorded yet. Fix the answers marked ⚠ and press the button again.'),
        ...formInputs(kind, values, errors, view.access),
        {
          type: 'ActionSet',
          actions: [execute(FORM_SUBMIT[kind], VERB_OF_COMMAND[kind], dataFor(kind), { style: 'positive' }), execute('Cancel', TRIAGE_VERBS.refresh, { concernId: view.concern.concernId })],
        },
      ],
    },
  ];
}

const FORM_TITLES: Record<TriageCommandKind, string> = {
  'take-ownership': 'Take ownership',
  'add-note': 'Add a note',
  'record-action': 'Record an action or outcome',
  'record-sharing': 'Record information sharing',
  'set-risk': 'Set the risk level',
  link: 'Link other pupils or earlier concerns',
  close: 'Close the concern',
  reopen: 'Reopen the concern',
  'add-participant': 'Give someone access',
  'withdraw-participant': 'Withdraw access',
  'take-over': 'Take over ownership',
};

const FORM_SUBMIT: Record<TriageCommandKind, string> = {
  'take-ownership': 'Take ownership',
  'add-note': 'Save note',
  'record-action': 'Record action',
  'record-sharing': 'Record sharing',
  'set-risk': 'Set risk level',
  link: 'Link',
  close: 'Close concern',
  reopen: 'Reopen',
  'add-participant': 'Give access',
  'withdraw-participant': 'Withdraw access',
  'take-over': 'Take over',
};

const OUTCOME_CHOICES = TRIAGE_OUTCOMES.map((o) => ({ title: o.external ? `${o.title} (external)` : o.title, value: o.id }));

/** The inputs of one form. Required-ness is checked again on the server (clients may skip it). */
function formInputs(
  kind: TriageCommandKind,
  values: TriageValues,
  errors: TriageErrors,
  access: Pick<NonNullable<TriageActionView['access']>, 'candidates' | 'moreCandidates' | 'withdrawable'> | undefined,
): CardElement[] {
  const candidates = access?.candidates ?? [];
  const L = TRIAGE_LIMITS;
  const withError = (id: TriageField, element: CardElement): CardElement[] => (errors[id] ? [element, errorText(errors[id]!, `${id}Error`)] : [element]);
  const textInput = (id: TriageField, label: string, options: CardElement = {}) =>
    withError(id, { type: 'Input.Text', id, label, value: values[id] ?? '', ...options });
  switch (kind) {
    case 'take-ownership':
      return [];
    case 'add-note':
      return textInput('note', 'Note (facts, decisions and reasons)', { isMultiline: true, isRequired: true, errorMessage: 'Write the note.', maxLength: L.noteMax });
    case 'record-action':
      return [
        ...withError('outcome', { type: 'Input.ChoiceSet', id: 'outcome', label: 'Action or outcome', style: 'compact', isRequired: true, errorMessage: 'Choose an action.', placeholder: 'Choose…', value: values.outcome ?? '', choices: OUTCOME_CHOICES }),
        ...textInput('actionNote', 'Details (optional)', { isMultiline: true, maxLength: L.noteMax }),
      ];
    case 'record-sharing':
      return [
        ...textInput('shareWith', 'Shared with (person and organisation)', { isRequired: true, errorMessage: 'Say who it was shared with.', maxLength: L.shortTextMax }),
        ...textInput('shareWhat', 'What was shared', { isMultiline: true, isRequired: true, errorMessage: 'Say what was shared.', maxLength: L.reasonMax }),
        ...textInput('shareWhy', 'Why it was shared', { isMultiline: true, isRequired: true, errorMessage: 'Say why.', maxLength: L.reasonMax }),
        ...withError('consentSought', {
          type: 'Input.ChoiceSet',
          id: 'consentSought',
          label: 'Was consent sought?',
          style: 'expanded',
          isRequired: true,
          errorMessage: 'Say whether consent was sought.',
          value: values.consentSought ?? '',
          choices: [
            { title: 'Yes', value: 'yes' },
            { title: 'No', value: 'no' },
          ],
        }),
        ...textInput('noConsentReason', 'If not, why not (for example, it would place the child at risk)', { isMultiline: true, maxLength: L.reasonMax }),
      ];
    case 'set-risk':
      return [
        ...withError('riskLevel', { type: 'Input.ChoiceSet', id: 'riskLevel', label: 'Risk level', style: 'compact', placeholder: 'Choose…', value: values.riskLevel ?? '', choices: RISK_LEVELS.map((r) => ({ title: r.title, value: r.id })) }),
        ...textInput('riskReason', 'Why (optional)', { maxLength: L.reasonMax }),
      ];
    case 'link':
      return [
        ...textInput('linkPupils', 'Other pupils involved (one per line or separated by commas)', { isMultiline: true, maxLength: 1000 }),
        ...textInput('linkReferences', 'Earlier concerns (references such as C-2026-00012)', { maxLength: 200 }),
      ];
    case 'close':
      return [
        ...withError('closeOutcome', { type: 'Input.ChoiceSet', id: 'closeOutcome', label: 'Outcome', style: 'compact', isRequired: true, errorMessage: 'Choose the outcome.', placeholder: 'Choose…', value: values.closeOutcome ?? '', choices: OUTCOME_CHOICES }),
        ...textInput('closeRationale', 'Rationale: why this outcome, and why it can be closed', { isMultiline: true, isRequired: true, errorMessage: 'Record the rationale.', maxLength: L.reasonMax }),
      ];
    case 'reopen':
      return textInput('reopenReason', 'Why is it reopened (the new information)?', { isMultiline: true, isRequired: true, errorMessage: 'Record why.', maxLength: L.reasonMax });
    case 'add-participant':
      return candidates.length
        ? withError('participant', {
            type: 'Input.ChoiceSet',
            id: 'participant',
            label: 'Person (only people who have used Jigsaw are listed)',
            style: 'filtered',
            placeholder: 'Choose…',
            value: values.participant ?? '',
            choices: candidates.map((c) => ({ title: c.name, value: c.aadObjectId })),
          }).concat(
            access?.moreCandidates
              ? [text(`Only the first ${candidates.length} people by name are listed here. To give access to someone who is not listed, open this concern in the Jigsaw tab (About adults), which lists everyone who has used Jigsaw.`, { isSubtle: true, size: 'Small' })]
              : [],
          )
        : [text('Nobody else can be added yet: people appear here once they have chatted with Jigsaw.', { isSubtle: true })];
    case 'withdraw-participant':
      if (!access?.withdrawable?.length) return [text('Nobody else has been given access to this concern.', { isSubtle: true })];
      return [
        text('They will no longer see this concern: their copy in their chat with Jigsaw is replaced by a notice, and the tab no longer shows it to them. The chronology records who gave and who withdrew access.', {
          isSubtle: true,
          size: 'Small',
        }),
        ...withError('withdrawParticipant', {
          type: 'Input.ChoiceSet',
          id: 'withdrawParticipant',
          label: 'Person',
          style: 'compact',
          placeholder: 'Choose…',
          value: values.withdrawParticipant ?? '',
          choices: (access?.withdrawable ?? []).map((c) => ({ title: c.name, value: c.aadObjectId })),
        }),
      ];
    case 'take-over':
      return [
        text('You become the owner instead of the person named above. The reason goes in the chronology, and they are told privately while they can still see the concern.', { isSubtle: true, size: 'Small' }),
        ...textInput('takeOverReason', 'Why are you taking it over? (for example, on leave, off sick, left the DSL team)', {
          isRequired: true,
          errorMessage: 'Say why you are taking it over.',
          maxLength: L.takeOverReasonMax,
        }),
      ];
  }
}

/** The chronology as the DSL reads it: who, when, what, and the recorded words shown literally. */
function chronologyElements(events: TriageEventView[], total: number, reference: string, shown: NonNullable<ActionCardCut['chronology']>): CardElement[] {
  if (!events.length) return [];
  const title = text(total > events.length ? `Chronology (latest ${events.length} of ${total})` : 'Chronology', { weight: 'Bolder', spacing: 'Medium' });
  if (shown === 'none') {
    return [{ type: 'Container', separator: true, items: [text('Chronology', { weight: 'Bolder', spacing: 'Medium' }), text(`Too long for a Teams message, so it is not shown here. Open concern ${reference} in the Jigsaw tab to read it.`, { isSubtle: true, size: 'Small' })] }];
  }
  const items: CardElement[] = [title];
  if (shown === 'headings') items.push(text(`Too long for a Teams message, so what was recorded with each event is not shown here. Open concern ${reference} in the Jigsaw tab to read it.`, { isSubtle: true, size: 'Small' }));
  for (const e of events) {
    const lines = shown === 'full' ? detailLines(e.type, e.details) : [];
    items.push({
      type: 'Container',
      spacing: 'Small',
      items: [text(`${e.at}: ${describeEvent(e.type, e.details)}`, { size: 'Small', weight: 'Bolder', spacing: 'None' }), literal(`by ${e.actorName}`, { spacing: 'None' }), ...lines],
    });
  }
  return [{ type: 'Container', separator: true, items }];
}

function detailLines(type: string, d: Record<string, unknown>): CardElement[] {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const out: CardElement[] = [];
  const add = (label: string, v: unknown) => {
    const s = str(v);
    if (s) out.push(field(label, s));
  };
  switch (type) {
    case 'note-added':
      add('Note', d.note);
      break;
    case 'action-recorded':
      add('Details', d.note);
      break;
    case 'information-shared':
      add('With', d.withWhom);
      add('What', d.what);
      add('Why', d.why);
      out.push(field('Consent sought', d.consentSought ? 'Yes' : 'No'));
      add('Why consent was not sought', d.noConsentReason);
      break;
    case 'risk-set':
      add('Why', d.reason);
      break;
    case 'linked': {
      const pupils = Array.isArray(d.pupils) ? (d.pupils as string[]) : [];
      const refs = Array.isArray(d.references) ? (d.references as string[]) : [];
      if (pupils.length) add('Pupils', pupils.join(', '));
      if (refs.length) add('Concerns', refs.join(', '));
      break;
    }
    case 'closed':
      add('Rationale', d.rationale);
      break;
    case 'reopened':
    case 'legal-hold-placed':
    case 'legal-hold-released':
      add('Reason', d.reason);
      break;
    case 'participant-added':
      add('Given to', d.participantName);
      break;
    case 'participant-withdrawn':
      add('Withdrawn from', d.participantName);
      add('Given by', d.givenByName);
      break;
    case 'ownership-taken-over':
      add('From', d.previousOwner);
      add('Reason', d.reason);
      break;
    default:
      break;
  }
  return out;
}

/** What someone who may not act sees: that the concern exists and its status, nothing of the case. */
export function buildReadOnlyConcernCard(view: { reference: string; category: Concern['category']; triage: TriageSummaryView; reason: string }): AdaptiveCard {
  const category = getCategory(view.category);
  const triage = view.triage;
  const body: CardElement[] = [
    heading(`Concern ${view.reference}`, { size: 'Medium' }),
    field('Category', `${category.title} (${FOUR_C_TITLES[category.fourC]})`),
    text(`Status: **${describeStatus(triage.status)}**`),
    field('Owner', triage.ownerName ?? 'Nobody yet'),
  ];
  if (triage.lastAction) body.push(text(`Last action: ${describeEvent(triage.lastAction.type, {})}, ${triage.lastAction.at}`, { isSubtle: true }));
  body.push(notice('Read only', view.reason, 'warning'));
  return card(body);
}

/** A short reply when the concern cannot be shown at all (unknown, or not yours to see). */
export function buildConcernUnavailableCard(message: string): AdaptiveCard {
  return card([heading('Concern not available', { size: 'Medium' }), text(message)]);
}

/**
 * What a personal copy of a concern (an escalation message, the headteacher's or chair's copy, a
 * copy given to someone) is replaced with once its holder may no longer see the concern: they
 * left the DSL team, or the role passed to someone else. Nothing of the concern stays, not even
 * its reference (for a concern about an adult even that is not theirs to know), and it has no
 * button or refresh: there is nothing left for them to open.
 */
export function buildConcernNoLongerAvailableCard(): AdaptiveCard {
  return card([
    heading('Concern not available', { size: 'Medium' }),
    text('You no longer have access to this concern, so what this message showed has been removed.'),
    text('If you think you should still have access, ask the Designated Safeguarding Lead or the headteacher.', { isSubtle: true }),
  ]);
}

/**
 * The answer to an action that was recorded when the concern could not then be shown (the view
 * failed after the commit): it says it was recorded, so it is not recorded twice, and offers to
 * open the concern again. `recorded` is our own words ("Recorded: Note added").
 */
export function buildRecordedCard(concernId: string, recorded: string): AdaptiveCard {
  return card(
    [notice(recorded, 'It is in the chronology. Jigsaw could not show the concern just now: open it again in a moment.', 'good')],
    [execute('Open triage actions', TRIAGE_VERBS.refresh, { concernId })],
  );
}

/** Feedback to the reporter: the reference and the status only, never case details. */
export function buildReporterFeedbackCard(view: { reference: string; status: 'acknowledged' | 'closed'; recipient: RecipientRole }): AdaptiveCard {
  const who = describeRecipient(view.recipient).replace(/, privately$/, '');
  const message =
    view.status === 'acknowledged'
      ? `Your concern has been picked up by ${who}. Thank you for reporting it.`
      : `Your concern has been closed by ${who}. The outcome stays confidential. Thank you: you may have given the missing piece.`;
  return card([
    heading('Update on your concern', { size: 'Medium' }),
    field('Reference', view.reference),
    field('Status', view.status === 'acknowledged' ? 'Acknowledged' : 'Closed'),
    text(message),
    text('If you learn anything more, report it as a new concern and mention this reference.', { isSubtle: true }),
  ]);
}

/**
 * To the previous owner, privately, when someone takes a concern over: who and why (names and
 * the reason shown literally); nothing of the case. "Open the concern" renders their own view
 * if they may still see it (checked again when pressed).
 */
export function buildOwnershipTakenOverCard(view: { concernId: string; reference: string; newOwnerName: string; reason: string; at: string }): AdaptiveCard {
  return card(
    [
      heading(`Concern ${view.reference} has a new owner`, { size: 'Medium' }),
      field('Taken over by', view.newOwnerName),
      field('Reason', view.reason),
      field('When', view.at),
      text('You are no longer its owner. Nothing else has changed: what you recorded stays in its chronology.', { isSubtle: true }),
    ],
    [execute('Open the concern', TRIAGE_VERBS.refresh, { concernId: view.concernId })],
  );
}

/** To the headteacher when an urgent concern is still unacknowledged: no pupils, no narrative. */
export function buildEscalationNoticeCard(view: { reference: string; category: Concern['category']; receivedAt: string; minutes: number; dslNames: string[]; dslChannelMissing?: boolean }): AdaptiveCard {
  const category = getCategory(view.category);
  return card([
    view.dslChannelMissing
      ? notice('URGENT concern not acknowledged', `This urgent concern has not reached the DSL team: no DSL channel is set up in Jigsaw. It was reported ${view.minutes} minutes ago.`, 'attention')
      : notice('URGENT concern not acknowledged', `Nobody in the DSL team has acknowledged this urgent concern for ${view.minutes} minutes.`, 'attention'),
    field('Reference', view.reference),
    field('Category', `${category.title} (${FOUR_C_TITLES[category.fourC]})`),
    field('Reported', view.receivedAt),
    ...(view.dslNames.length ? [field('DSL team', view.dslNames.join(', '))] : []),
    text('Make sure a Designated Safeguarding Lead picks it up now. If a child is in immediate danger, call 999.'),
  ]);
}

/** To the DSL channel when a pupil reaches the pattern threshold: the jigsaw pieces together. */
/**
 * A card names at most this many concerns: Teams refuses a message over 28 KB (HTTP 413), and a
 * pupil with a long history must not turn an alert into one that can never be delivered.
 */
export const MAX_CONCERNS_ON_A_CARD = 25;

export function buildPatternAlertCard(view: { pupilName: string; references: string[]; windowDays: number }): AdaptiveCard {
  // References sort in the order they were given (C-YYYY-NNNNN); the newest are shown.
  const sorted = [...view.references].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const shown = sorted.slice(-MAX_CONCERNS_ON_A_CARD);
  const earlier = sorted.length - shown.length;
  return card([
    notice(`Pattern: ${view.references.length} concerns about one pupil in ${view.windowDays} days`, 'Several low-level concerns can add up to a safeguarding concern. Review them together.', 'warning'),
    field('Pupil', view.pupilName),
    field(earlier ? `Newest ${shown.length} concerns` : 'Concerns', shown.join(', ')),
    ...(earlier ? [text(`And ${earlier} earlier: the pupil's whole chronology is in the Jigsaw tab.`, { isSubtle: true, size: 'Small' })] : []),
  ]);
}


/**
 * To the DSL channel: someone who has left the DSL team still owns open concerns, which nobody in
 * the team is now working on. The name is from the Teams roster, shown literally.
 */
export function buildOwnerLeftDslTeamCard(view: { name: string; references: string[] }): AdaptiveCard {
  const sorted = [...view.references].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const shown = sorted.slice(0, MAX_CONCERNS_ON_A_CARD);
  const count = `${view.references.length} open concern${view.references.length === 1 ? '' : 's'}`;
  return card([
    notice(`Someone who owns ${count} has left the DSL team`, 'They no longer have access, so nobody in the DSL team is working on these concerns. One of you should take each over: open its card (or the Jigsaw tab) and choose "Take over".', 'attention'),
    field('Left the DSL team', view.name),
    field('Concerns they own', shown.join(', ')),
    ...(sorted.length > shown.length ? [text(`And ${sorted.length - shown.length} more: the Jigsaw tab's queue lists them all ("Owner has left").`, { isSubtle: true, size: 'Small' })] : []),
  ]);
}

/** The per-pupil view ("pupil <name>" to Jigsaw, DSLs only): every concern linked to that pupil. */
export function buildPupilConcernsCard(view: { pupilName: string; concerns: { reference: string; category: Concern['category']; status: ConcernStatus; receivedAt: string; ownerName?: string }[] }): AdaptiveCard {
  const body: CardElement[] = [heading('Concerns about a pupil', { size: 'Medium' }), field('Pupil (as typed)', view.pupilName)];
  if (!view.concerns.length) {
    body.push(text('No concern is linked to this pupil. Names are matched whatever their order, case or accents; check the spelling.'));
    return card(body);
  }
  const shown = view.concerns.slice(-MAX_CONCERNS_ON_A_CARD);
  const total = `${view.concerns.length} concern${view.concerns.length === 1 ? '' : 's'}`;
  body.push(text(shown.length < view.concerns.length ? `${total}; the newest ${shown.length}, oldest first (the whole chronology is in the Jigsaw tab):` : `${total}, oldest first:`, { spacing: 'Medium' }));
  for (const c of shown) {
    body.push({
      type: 'Container',
      separator: true,
      items: [
        text(`**${c.reference}**: ${getCategory(c.category).title}, ${describeStatus(c.status)}`, { spacing: 'None' }),
        text(`Reported ${c.receivedAt}`, { isSubtle: true, size: 'Small', spacing: 'None' }),
        ...(c.ownerName ? [field('Owner', c.ownerName)] : []),
      ],
    });
  }
  return card(body);
}
