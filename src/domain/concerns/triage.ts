import { cleanLine, cleanText } from '../text';
import type { ConcernStatus, Person } from './concern';

/**
 * The DSL's triage of a concern, as a pure state machine: a command and the concern's current
 * triage state in, either a refusal with a reason a DSL can act on or the next state and the
 * chronology event to append. No I/O: the service applies the decision in one transaction.
 */

/** Outcomes and actions a DSL records (KCSIE; "What the DSL can do" in the practice notes). Ids are stored. */
export const TRIAGE_OUTCOMES = [
  { id: 'monitor', title: 'Monitor', external: false },
  { id: 'pastoral-support', title: 'Pastoral support', external: false },
  { id: 'behaviour-sanction', title: 'Behaviour sanction under the AUP', external: false },
  { id: 'inform-parents', title: 'Inform parents/carers', external: false },
  { id: 'early-help', title: 'Early help', external: true },
  { id: 'social-care-referral', title: "Referral to children's social care / MASH", external: true },
  { id: 'police', title: 'Police', external: true },
  { id: 'lado', title: 'LADO (allegation about an adult)', external: true },
  { id: 'ceop', title: 'CEOP (online sexual abuse or grooming)', external: true },
  { id: 'iwf', title: 'IWF (illegal images online)', external: true },
  { id: 'prevent', title: 'Prevent / Channel', external: true },
  { id: 'platform-removal', title: 'Ask a platform to remove a post', external: false },
  { id: 'filtering-change', title: 'Filtering change request', external: false },
  { id: 'no-further-action', title: 'No further action', external: false },
] as const;
export type TriageOutcome = (typeof TRIAGE_OUTCOMES)[number]['id'];

export const RISK_LEVELS = [
  { id: 'low', title: 'Low' },
  { id: 'medium', title: 'Medium' },
  { id: 'high', title: 'High' },
] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number]['id'];

export const TRIAGE_LIMITS = {
  noteMax: 4000,
  shortTextMax: 300,
  /** "Dana is on long-term sick leave": short, but required. */
  takeOverReasonMax: 300,
  reasonMax: 2000,
  linkPupilsMax: 10,
  linkConcernsMax: 10,
} as const;

export function isTriageOutcome(value: string): value is TriageOutcome {
  return TRIAGE_OUTCOMES.some((o) => o.id === value);
}

export function outcomeTitle(id: string): string {
  return TRIAGE_OUTCOMES.find((o) => o.id === id)?.title ?? id;
}

export function isRiskLevel(value: string): value is RiskLevel {
  return RISK_LEVELS.some((r) => r.id === value);
}

/** What triage needs to know about a concern. */
export interface TriageState {
  status: ConcernStatus;
  owner?: Person;
  riskLevel?: RiskLevel;
}

export type TriageCommand =
  | { kind: 'take-ownership' }
  | { kind: 'add-note'; note: string }
  | { kind: 'record-action'; outcome: TriageOutcome; note?: string }
  | { kind: 'record-sharing'; withWhom: string; what: string; why: string; consentSought: boolean; noConsentReason?: string }
  | { kind: 'set-risk'; riskLevel: RiskLevel; reason?: string }
  | { kind: 'link'; pupils: string[]; references: string[] }
  | { kind: 'close'; outcome: TriageOutcome; rationale: string }
  | { kind: 'reopen'; reason: string }
  /** Concerns about adults only: give one more person access (the recipient decides who). */
  | { kind: 'add-participant'; aadObjectId: string }
  /** Concerns about adults only: take back access given with add-participant (the recipient decides). */
  | { kind: 'withdraw-participant'; aadObjectId: string }
  /**
   * Take ownership from someone else (away, off sick, gone). `fromOwner` is the owner the card
   * showed (their Entra object id): a precondition checked against the locked row, never who acts.
   */
  | { kind: 'take-over'; reason: string; fromOwner: string };
export type TriageCommandKind = TriageCommand['kind'];

export const TRIAGE_COMMAND_KINDS: readonly TriageCommandKind[] = [
  'take-ownership',
  'add-note',
  'record-action',
  'record-sharing',
  'set-risk',
  'link',
  'close',
  'reopen',
  'add-participant',
  'withdraw-participant',
  'take-over',
];

/** The form fields each command reads; the card's input ids are these names. */
export const TRIAGE_FIELDS = {
  'take-ownership': [],
  'add-note': ['note'],
  'record-action': ['outcome', 'actionNote'],
  'record-sharing': ['shareWith', 'shareWhat', 'shareWhy', 'consentSought', 'noConsentReason'],
  'set-risk': ['riskLevel', 'riskReason'],
  link: ['linkPupils', 'linkReferences'],
  close: ['closeOutcome', 'closeRationale'],
  reopen: ['reopenReason'],
  'add-participant': ['participant'],
  'withdraw-participant': ['withdrawParticipant'],
  'take-over': ['takeOverReason'],
} as const satisfies Record<TriageCommandKind, readonly string[]>;
export type TriageField = (typeof TRIAGE_FIELDS)[TriageCommandKind][number];
export type TriageValues = Partial<Record<TriageField, string>>;
export type TriageErrors = Partial<Record<TriageField, string>>;

export type ParsedTriageCommand = { ok: true; command: TriageCommand; values: TriageValues } | { ok: false; errors: TriageErrors; values: TriageValues };

const MULTILINE: ReadonlySet<string> = new Set(['note', 'actionNote', 'shareWhat', 'shareWhy', 'noConsentReason', 'riskReason', 'linkPupils', 'closeRationale', 'reopenReason']);

/**
 * Turns submitted form values into a command, with a message per field at fault. Every text
 * is cleaned (control characters, bidi overrides) before it can reach the chronology.
 */
export function parseTriageCommand(kind: TriageCommandKind, raw: Record<string, unknown>): ParsedTriageCommand {
  const values: TriageValues = {};
  for (const field of TRIAGE_FIELDS[kind] as readonly TriageField[]) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    values[field] = MULTILINE.has(field) ? cleanText(value) : cleanLine(value);
  }
  const errors: TriageErrors = {};
  const L = TRIAGE_LIMITS;
  const required = (field: TriageField, message: string, max: number): string => {
    const v = values[field] ?? '';
    if (!v) errors[field] = message;
    else if (v.length > max) errors[field] = `Keep this under ${max} characters (it is ${v.length}).`;
    return v;
  };
  const optional = (field: TriageField, max: number): string | undefined => {
    const v = values[field] ?? '';
    if (v.length > max) errors[field] = `Keep this under ${max} characters (it is ${v.length}).`;
    return v || undefined;
  };
  const outcomeOf = (field: 'outcome' | 'closeOutcome', message: string): TriageOutcome => {
    const v = values[field] ?? '';
    if (!v) errors[field] = message;
    else if (!isTriageOutcome(v)) errors[field] = 'Choose one of the outcomes listed.';
    return v as TriageOutcome;
  };

  let command: TriageCommand;
  switch (kind) {
    case 'take-ownership':
      command = { kind };
      break;
    case 'add-note':
      command = { kind, note: required('note', 'Write the note.', L.noteMax) };
      break;
    case 'record-action': {
      const outcome = outcomeOf('outcome', 'Choose the action or outcome to record.');
      command = { kind, outcome, note: optional('actionNote', L.noteMax) };
      break;
    }
    case 'record-sharing': {
      const withWhom = required('shareWith', 'Say who the information was shared with (person and organisation).', L.shortTextMax);
      const what = required('shareWhat', 'Say what was shared.', L.reasonMax);
      const why = required('shareWhy', 'Say why it was shared.', L.reasonMax);
      const consent = values.consentSought ?? '';
      if (consent !== 'yes' && consent !== 'no') errors.consentSought = 'Say whether consent was sought.';
      let noConsentReason: string | undefined;
      if (consent === 'no') {
        noConsentReason = required('noConsentReason', 'Consent was not sought: record why (for example, seeking it would place the child at risk).', L.reasonMax);
      } else optional('noConsentReason', L.reasonMax);
      command = { kind, withWhom, what, why, consentSought: consent === 'yes', noConsentReason: consent === 'no' ? noConsentReason : undefined };
      break;
    }
    case 'set-risk': {
      const level = values.riskLevel ?? '';
      if (!level) errors.riskLevel = 'Choose a risk level.';
      else if (!isRiskLevel(level)) errors.riskLevel = 'Choose one of the risk levels listed.';
      command = { kind, riskLevel: level as RiskLevel, reason: optional('riskReason', L.reasonMax) };
      break;
    }
    case 'link': {
      const pupils = splitList(values.linkPupils ?? '');
      const references = splitList((values.linkReferences ?? '').toUpperCase());
      if (pupils.length === 0 && references.length === 0) errors.linkPupils = 'Name a pupil or give a concern reference to link.';
      if (pupils.length > L.linkPupilsMax) errors.linkPupils = `Link at most ${L.linkPupilsMax} pupils at a time.`;
      else if (pupils.some((p) => p.length > 100)) errors.linkPupils = "Each pupil's name must be at most 100 characters.";
      const malformed = references.filter((r) => !/^C-\d{4}-\d{5}$/.test(r));
      if (malformed.length) errors.linkReferences = `Give references like C-2026-00012 (not "${malformed[0]}").`;
      else if (references.length > L.linkConcernsMax) errors.linkReferences = `Link at most ${L.linkConcernsMax} concerns at a time.`;
      command = { kind, pupils, references: [...new Set(references)] };
      break;
    }
    case 'close': {
      const outcome = outcomeOf('closeOutcome', 'Choose the outcome the concern is closed with.');
      const rationale = required('closeRationale', 'Record the rationale: why this outcome, and why the concern can be closed.', L.reasonMax);
      command = { kind, outcome, rationale };
      break;
    }
    case 'reopen':
      command = { kind, reason: required('reopenReason', 'Record why the concern is reopened (the new information).', L.reasonMax) };
      break;
    case 'add-participant':
      command = { kind, aadObjectId: required('participant', 'Choose the person to give access to.', 64) };
      break;
    case 'withdraw-participant':
      command = { kind, aadObjectId: required('withdrawParticipant', 'Choose the person whose access to withdraw.', 64) };
      break;
    case 'take-over':
      command = {
        kind,
        reason: required('takeOverReason', 'Say why you are taking it over (for example, the owner is on leave or has left the DSL team).', L.takeOverReasonMax),
        // Not a form field: which owner the card showed. Missing on an old or hand-made card,
        // which then matches no owner and is refused as out of date.
        fromOwner: cleanLine(raw.fromOwner).slice(0, 64),
      };
      break;
  }
  if (Object.keys(errors).length) return { ok: false, errors, values };
  return { ok: true, command, values };
}

function splitList(text: string): string[] {
  return [...new Set(text.split(/[\n,;]+/).map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean))];
}

/** The chronology event types triage writes (plus 'reported', 'escalated' and 'routed' from elsewhere). */
export const TRIAGE_EVENT_TYPES: Record<TriageCommandKind, string> = {
  'take-ownership': 'acknowledged',
  'add-note': 'note-added',
  'record-action': 'action-recorded',
  'record-sharing': 'information-shared',
  'set-risk': 'risk-set',
  link: 'linked',
  close: 'closed',
  reopen: 'reopened',
  'add-participant': 'participant-added',
  'withdraw-participant': 'participant-withdrawn',
  'take-over': 'ownership-taken-over',
};

/** Event types that move an acknowledged concern to in progress (anything recorded on it). */
const PROGRESS_EVENT_TYPES: ReadonlySet<string> = new Set((['add-note', 'record-action', 'record-sharing', 'set-risk', 'link'] as const).map((k) => TRIAGE_EVENT_TYPES[k]));

/**
 * A concern's status after the chronology events given (in order), as `decideTriage` moved it:
 * new until acknowledged; in progress once anything is recorded; closed by a closing; in progress
 * again when reopened. Other events (reported, routed, escalated, participant added, taken over)
 * leave it as it was. Lets a report say what the status was at a past moment, from the
 * append-only chronology, rather than what it is now.
 */
export function statusAfterEvents(eventTypes: readonly string[]): ConcernStatus {
  let status: ConcernStatus = 'new';
  for (const type of eventTypes) {
    if (type === TRIAGE_EVENT_TYPES['take-ownership']) status = status === 'new' ? 'acknowledged' : status;
    else if (type === TRIAGE_EVENT_TYPES.close) status = 'closed';
    else if (type === TRIAGE_EVENT_TYPES.reopen) status = 'in-progress';
    else if (PROGRESS_EVENT_TYPES.has(type) && status !== 'closed' && status !== 'new') status = 'in-progress';
  }
  return status;
}

export type TriageDecision =
  | { ok: false; reason: string; code: 'not-acknowledged' | 'already-owned' | 'closed' | 'not-closed' | 'unchanged' | 'self-link' | 'not-allowed' | 'not-owned' | 'owner-changed' | 'not-participant' }
  | {
      ok: true;
      next: TriageState;
      event: { type: string; details: Record<string, unknown> };
      /** The reporter is told (reference and status only). */
      tellReporter?: 'acknowledged' | 'closed';
      /** Pending escalation timers stop: someone has picked it up. */
      cancelsEscalation: boolean;
    };

/**
 * Decides a command against the current state.
 * - `new` accepts only take-ownership: somebody must own a concern before anything is recorded.
 * - `acknowledged` / `in-progress` accept everything but reopen; anything recorded moves an
 *   acknowledged concern to in progress. Any DSL may record; ownership is not exclusive work.
 * - take-ownership of a concern someone else owns is refused ("already owned by X"): the first
 *   committed claim wins. Taking it again yourself changes nothing.
 * - take-over moves ownership from someone else to the actor, with a reason, when the actor may
 *   (`mayTakeOver`: a DSL, or the recipient of a concern about an adult, decided by the caller
 *   from the server's records) and the card showed the current owner; only the owner changes.
 * - `closed` accepts only reopen (with a reason), which returns it to in progress.
 * - withdraw-participant is accepted in any status (closing is when access is most often no
 *   longer needed), from whoever may give access (`mayManageAccess`: the concern's recipient,
 *   decided by the caller from the server's records), for someone who has access now (`grant`,
 *   the stored row). A person given access cannot withdraw anyone's, their own included: they
 *   ask the recipient, who stays answerable for who can see the concern.
 */
export function decideTriage(
  state: TriageState,
  command: TriageCommand,
  actor: Person,
  context: {
    reference?: string;
    about?: 'pupil' | 'adult' | 'headteacher';
    participantName?: string;
    alreadyParticipant?: boolean;
    mayTakeOver?: boolean;
    mayManageAccess?: boolean;
    /** The stored grant being withdrawn: who gave it (Entra object id, and name when known), when. */
    grant?: { givenBy: string; givenByName?: string; givenAt: string };
  } = {},
): TriageDecision {
  const type = TRIAGE_EVENT_TYPES[command.kind];
  if (command.kind === 'withdraw-participant') {
    if (context.about === undefined || context.about === 'pupil') {
      return { ok: false, code: 'not-allowed', reason: "Access is given by the DSL channel's membership for concerns about pupils." };
    }
    if (!context.mayManageAccess) return { ok: false, code: 'not-allowed', reason: 'Only the recipient of this concern can withdraw access.' };
    if (!context.grant) return { ok: false, code: 'not-participant', reason: `${context.participantName ?? 'That person'} has not been given access to this concern (or it was already withdrawn).` };
    return {
      ok: true,
      next: state,
      event: {
        type,
        details: {
          participant: command.aadObjectId,
          participantName: context.participantName ?? null,
          givenBy: context.grant.givenBy,
          givenByName: context.grant.givenByName ?? null,
          givenAt: context.grant.givenAt,
        },
      },
      cancelsEscalation: false,
    };
  }
  if (state.status === 'closed' && command.kind !== 'reopen') {
    return { ok: false, code: 'closed', reason: 'This concern is closed. Reopen it (with the reason) to record anything more.' };
  }
  switch (command.kind) {
    case 'take-ownership': {
      if (state.owner && state.owner.aadObjectId !== actor.aadObjectId) {
        return { ok: false, code: 'already-owned', reason: `Already owned by ${state.owner.name}.` };
      }
      if (state.owner) return { ok: false, code: 'unchanged', reason: 'You already own this concern.' };
      return {
        ok: true,
        next: { ...state, status: state.status === 'new' ? 'acknowledged' : state.status, owner: actor },
        event: { type, details: { owner: actor.name } },
        tellReporter: state.status === 'new' ? 'acknowledged' : undefined,
        cancelsEscalation: true,
      };
    }
    case 'take-over': {
      if (!context.mayTakeOver) {
        const aboutAdult = context.about === 'adult' || context.about === 'headteacher';
        return { ok: false, code: 'not-allowed', reason: aboutAdult ? 'Only the recipient of this concern can take it over.' : 'Only a member of the DSL team can take over a concern.' };
      }
      const owner = state.owner;
      if (!owner) return { ok: false, code: 'not-owned', reason: 'Nobody owns this concern yet: use Take ownership instead.' };
      if (owner.aadObjectId === actor.aadObjectId) return { ok: false, code: 'unchanged', reason: 'You already own this concern.' };
      if (owner.aadObjectId !== command.fromOwner) {
        return { ok: false, code: 'owner-changed', reason: `The owner has changed since you last saw this concern: ${owner.name} owns this concern now. Nothing was recorded.` };
      }
      return {
        ok: true,
        next: { ...state, owner: actor },
        event: { type, details: { previousOwner: owner.name, previousOwnerAadId: owner.aadObjectId, owner: actor.name, reason: command.reason } },
        cancelsEscalation: false,
      };
    }
    case 'reopen':
      if (state.status !== 'closed') return { ok: false, code: 'not-closed', reason: 'Only a closed concern can be reopened.' };
      return { ok: true, next: { ...state, status: 'in-progress' }, event: { type, details: { reason: command.reason } }, cancelsEscalation: false };
    default:
      break;
  }
  if (state.status === 'new') {
    return { ok: false, code: 'not-acknowledged', reason: 'Take ownership first: nobody has acknowledged this concern yet.' };
  }
  const progressed: TriageState = { ...state, status: 'in-progress' };
  switch (command.kind) {
    case 'add-note':
      return { ok: true, next: progressed, event: { type, details: { note: command.note } }, cancelsEscalation: false };
    case 'record-action':
      return {
        ok: true,
        next: progressed,
        event: { type, details: { outcome: command.outcome, ...(command.note ? { note: command.note } : {}) } },
        cancelsEscalation: false,
      };
    case 'record-sharing':
      return {
        ok: true,
        next: progressed,
        event: {
          type,
          details: {
            withWhom: command.withWhom,
            what: command.what,
            why: command.why,
            consentSought: command.consentSought,
            ...(command.consentSought ? {} : { noConsentReason: command.noConsentReason }),
          },
        },
        cancelsEscalation: false,
      };
    case 'set-risk':
      if (state.riskLevel === command.riskLevel) return { ok: false, code: 'unchanged', reason: `The risk level is already ${command.riskLevel}.` };
      return {
        ok: true,
        next: { ...progressed, riskLevel: command.riskLevel },
        event: { type, details: { riskLevel: command.riskLevel, previous: state.riskLevel ?? null, ...(command.reason ? { reason: command.reason } : {}) } },
        cancelsEscalation: false,
      };
    case 'link':
      if (context.reference && command.references.includes(context.reference)) {
        return { ok: false, code: 'self-link', reason: 'A concern cannot be linked to itself.' };
      }
      return { ok: true, next: progressed, event: { type, details: { pupils: command.pupils, references: command.references } }, cancelsEscalation: false };
    case 'add-participant':
      if (context.about === undefined || context.about === 'pupil') {
        return { ok: false, code: 'not-allowed', reason: 'Access is given by the DSL channel\'s membership for concerns about pupils.' };
      }
      if (!context.mayManageAccess) return { ok: false, code: 'not-allowed', reason: 'Only the recipient of this concern can give others access.' };
      if (context.alreadyParticipant) return { ok: false, code: 'unchanged', reason: `${context.participantName ?? 'That person'} already has access.` };
      return {
        ok: true,
        next: state,
        event: { type, details: { participant: command.aadObjectId, participantName: context.participantName ?? null } },
        cancelsEscalation: false,
      };
    case 'close':
      return {
        ok: true,
        next: { ...state, status: 'closed' },
        event: { type, details: { outcome: command.outcome, rationale: command.rationale } },
        tellReporter: 'closed',
        cancelsEscalation: true,
      };
  }
}

/**
 * Whether to offer "Take over" to a viewer: another person owns an open concern and the viewer
 * may take it over (decided from the server's records). `decideTriage` refuses the same cases.
 */
export function offersTakeOver(state: TriageState, viewerAadId: string, mayTakeOver: boolean): boolean {
  return mayTakeOver && state.status !== 'closed' && state.owner !== undefined && state.owner.aadObjectId !== viewerAadId;
}

/** One line describing an event for the card's "last action" (our words plus outcome titles; no narrative). */
export function describeEvent(type: string, details: Record<string, unknown>): string {
  switch (type) {
    case 'reported':
      return 'Reported';
    case 'acknowledged':
      return 'Acknowledged: took ownership';
    case 'note-added':
      return 'Note added';
    case 'action-recorded':
      return `Action recorded: ${outcomeTitle(String(details.outcome))}`;
    case 'information-shared':
      return 'Information sharing recorded';
    case 'risk-set':
      return `Risk level set to ${String(details.riskLevel)}`;
    case 'linked':
      return 'Linked to other pupils or concerns';
    case 'closed':
      return `Closed: ${outcomeTitle(String(details.outcome))}`;
    case 'reopened':
      return 'Reopened';
    case 'routed': {
      const to = details.recipient === 'chair' ? 'the chair of governors' : 'the headteacher';
      if (details.redirectedFrom) {
        // A copy still waiting for Teams when its recipient's role passed on: never sent to them.
        const from = details.redirectedFrom === 'chair' ? 'chair of governors' : 'headteacher';
        const then = details.recipient ? `sent to ${to} instead` : `held until ${details.heldBecause === 'no-chair' ? 'a chair of governors' : 'a headteacher or chair of governors'} is set up`;
        return `Not sent to the former ${from} (the role passed on before it was delivered): ${then}`;
      }
      // A concern about an adult held until someone could receive it.
      return `Sent to ${to}, once one was set up`;
    }
    case 'escalated':
      return details.stage === 'headteacher' ? 'Escalated to the headteacher' : 'Escalated: every DSL alerted';
    case 'participant-added':
      return 'Someone was given access';
    case 'participant-withdrawn':
      return 'Access was withdrawn';
    case 'ownership-taken-over':
      // Who from and who to are names: shown literally beside this, never in it (it may be markdown).
      return 'Ownership taken over';
    case 'legal-hold-placed':
      return 'Legal hold placed: not to be deleted until released';
    case 'legal-hold-released':
      return 'Legal hold released';
    default:
      return type;
  }
}
