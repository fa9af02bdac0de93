import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import type { QueueFilter, QueueRow, StaffReportRow, TabConcernRepository } from '../store/tab-concerns.repo';
import { writeTabAccess } from '../store/tab-access-log.repo';
import { logAccess } from '../store/access-log.repo';
import { listDslMembers } from '../store/conversation.repo';
import { listParticipantCandidates, listParticipants } from '../store/triage.repo';
import { getTenant } from '../store/tenant.repo';
import { CATEGORIES, type FourC, getCategory, isCategoryId } from '../domain/concerns/categories';
import type { ConcernStatus, RecipientRole } from '../domain/concerns/concern';
import { describeEvent, offersTakeOver, parseTriageCommand, RISK_LEVELS, TRIAGE_COMMAND_KINDS, TRIAGE_EVENT_TYPES, TRIAGE_OUTCOMES, type TriageCommandKind } from '../domain/concerns/triage';
import { normalisePupilKey } from '../domain/people/pupil-key';
import { checkTriageAccess, mayTakeOver, type TriageAccess, withVisibleLinks } from './triage-access';
import { applyTriageAction } from './triage-concern';
import type { PatternSettings } from './pattern-alerts';
import type { TabUser } from './tab-identity';

export interface TabConcernDeps {
  db: Db;
  concerns: ConcernRepository;
  tabConcerns: TabConcernRepository;
  now: () => Date;
  patterns: PatternSettings;
  onOutboxChanged: () => void;
}

/** A refusal the edge turns into a status code: 404 hides existence, 403 says "not yours". */
export class TabRefusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 502 | 503,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface QueueQuery extends Omit<QueueFilter, 'categories' | 'pupilKey' | 'limit'> {
  category?: string;
  fourC?: FourC;
  pupil?: string;
  q?: string;
}

function presentRow(r: QueueRow) {
  const category = isCategoryId(r.category) ? getCategory(r.category) : undefined;
  return {
    concernId: r.concernId,
    reference: r.reference,
    category: r.category,
    categoryTitle: category?.title ?? r.category,
    fourC: category?.fourC,
    urgency: r.urgency,
    status: r.status,
    ownerName: r.ownerName,
    riskLevel: r.riskLevel,
    pupils: r.pupils,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The DSL queue: the DSL team's concerns only (never those about adults), filtered and searched. */
export async function listQueue(deps: TabConcernDeps, user: TabUser, query: QueueQuery) {
  if (!user.roles.has('dsl')) throw new TabRefusal(403, 'forbidden', 'Only members of the DSL team see the concern queue.');
  const categories = query.category ? [query.category] : query.fourC ? CATEGORIES.filter((c) => c.fourC === query.fourC).map((c) => c.id) : undefined;
  const roster = await listDslMembers(deps.db, user.tenantId);
  const onRoster = new Set(roster.map((m) => m.aadObjectId));
  // An open concern whose owner has left the DSL team has nobody working on it: the queue says
  // so, and `owner=left` lists them (the owner filter's list holds current members only).
  const ownerLeft = (r: QueueRow) => r.status !== 'closed' && r.ownerAadId !== undefined && !onRoster.has(r.ownerAadId);
  const rows = await deps.tabConcerns.listQueue(deps.db, user.tenantId, {
    statuses: query.statuses,
    urgency: query.urgency,
    categories,
    owner: query.owner === 'left' ? undefined : query.owner,
    pupilKey: query.pupil ? normalisePupilKey(query.pupil) : undefined,
  });
  const owned = query.owner === 'left' ? rows.filter(ownerLeft) : rows;
  // Free-text search runs after decryption, over what the queue shows (references, pupils, category, owner).
  const q = query.q?.trim().toLowerCase();
  const matched = q
    ? owned.filter((r) => [r.reference, ...r.pupils, r.ownerName ?? '', isCategoryId(r.category) ? getCategory(r.category).title : r.category].some((v) => v.toLowerCase().includes(q)))
    : owned;
  const owners = roster.map((m) => ({ aadObjectId: m.aadObjectId, name: m.displayName }));
  return { concerns: matched.map((r) => ({ ...presentRow(r), ...(ownerLeft(r) ? { ownerLeftDslTeam: true } : {}) })), owners };
}

/** Concerns about adults, for their recipient (headteacher, chair) and the people they let in. */
export async function listPrivateConcerns(deps: TabConcernDeps, user: TabUser) {
  const recipients: RecipientRole[] = [];
  if (user.roles.has('headteacher')) recipients.push('headteacher');
  if (user.roles.has('chair')) recipients.push('chair');
  const rows = await deps.tabConcerns.listPrivateConcerns(deps.db, user.tenantId, recipients, user.aadObjectId);
  return { concerns: rows.map(presentRow) };
}

const REPORTER_STATUS: Record<Exclude<ConcernStatus, 'new'>, string> = {
  acknowledged: 'Being looked at',
  'in-progress': 'Being acted on',
  closed: 'Closed',
};

const RECEIVED_BY: Record<RecipientRole, string> = {
  'dsl-team': 'Received by the DSL team',
  headteacher: 'Sent to the headteacher, privately',
  chair: 'Sent to the chair of governors, privately',
};

/**
 * What a reporter is told of their report. It says what the receipt said: who it went to (a
 * role), and, while nobody could be sent it, that it is stored but not delivered, so that they
 * speak to someone in person.
 */
export function reporterStatusText(report: Pick<StaffReportRow, 'status' | 'recipient' | 'about' | 'held'>): string {
  if (report.held === 'recipient') {
    const whom = report.about === 'headteacher' ? 'the chair of governors' : 'the headteacher';
    return `Not delivered yet: nobody is set up to receive it. Speak to ${whom} or your LADO directly`;
  }
  if (report.held === 'dsl-channel') return 'Not delivered yet: the DSL channel is not set up. Speak to a DSL in person';
  return report.status === 'new' ? RECEIVED_BY[report.recipient] : REPORTER_STATUS[report.status];
}

/** A member of staff's own reports: reference, date, status. Nothing of the case. */
export async function listMyReports(deps: TabConcernDeps, user: TabUser) {
  const rows = await deps.tabConcerns.listReportsBy(deps.db, user.tenantId, user.aadObjectId);
  return { reports: rows.map((r) => ({ reference: r.reference, createdAt: r.createdAt.toISOString(), status: r.status, statusText: reporterStatusText(r) })) };
}

/**
 * A concern's details with its full chronology (decrypted), for whoever the card's rule allows:
 * the DSL roster for the DSL team's concerns, the recipient (and the people they added) for
 * concerns about adults. Every attempt is written to the access log, refused ones too.
 */
export async function getConcernDetail(deps: TabConcernDeps, user: TabUser, concernId: string) {
  const routing = await deps.tabConcerns.getRouting(deps.db, user.tenantId, concernId);
  const at = deps.now();
  const log = (outcome: 'allowed' | 'refused') =>
    writeTabAccess(deps.db, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, action: 'concern.view', concernId: routing?.concernId, reference: routing?.reference, outcome, at });
  if (!routing) {
    await log('refused');
    throw new TabRefusal(404, 'not_found', 'This concern is not available to you.');
  }
  const access = await checkTriageAccess(deps.db, user.tenantId, routing, { aadObjectId: user.aadObjectId, name: user.name });
  if (!access.allowed) {
    await log('refused');
    if (!access.visible) throw new TabRefusal(404, 'not_found', 'This concern is not available to you.');
    throw new TabRefusal(403, 'forbidden', 'Only members of the DSL team can see the details of a concern. Your attempt has been recorded.');
  }
  await log('allowed');
  const concern = await deps.concerns.get(deps.db, user.tenantId, concernId);
  const [row] = (await deps.tabConcerns.listQueueById(deps.db, user.tenantId, concernId)) ?? [];
  if (!concern || !row) throw new TabRefusal(404, 'not_found', 'This concern is not available to you.');
  // A link names concerns by reference: only those this viewer may open are shown.
  const events = await withVisibleLinks(deps.db, user.tenantId, await deps.concerns.listEvents(deps.db, user.tenantId, concernId), user);
  const pupils = await deps.tabConcerns.listPupilPositions(deps.db, user.tenantId, concernId);
  const timeZone = (await getTenant(deps.db, user.tenantId))?.timeZone ?? 'Europe/London';
  const category = isCategoryId(concern.category) ? getCategory(concern.category) : undefined;
  const actions = allowedActions(concern.recipient, access, row, user.aadObjectId);
  return {
    concern: {
      ...presentRow(row),
      // Who owns it now: what a take-over says it takes over from (`fromOwner`), refused if it has changed.
      ownerAadId: row.ownerAadId,
      about: concern.about,
      adultName: concern.adultName,
      occurredOn: concern.occurredOn,
      occurredTime: concern.occurredTime,
      location: concern.location,
      whatHappened: concern.whatHappened,
      childWords: concern.childWords,
      actionTaken: concern.actionTaken,
      reporterName: concern.reporter.name,
      pupils: concern.pupils.map((name, i) => ({ name, position: pupils[i]?.position ?? i })),
      categoryTitle: category?.title ?? concern.category,
    },
    timeZone,
    access: access.as,
    chronology: events.map((e) => ({ seq: e.seq, type: e.type, summary: describeEvent(e.type, e.details), actorName: e.actor.name, at: e.occurredAt.toISOString(), details: e.details })),
    actions,
    choices: {
      outcomes: TRIAGE_OUTCOMES.map((o) => ({ id: o.id, title: o.title })),
      riskLevels: RISK_LEVELS.map((r) => ({ id: r.id, title: r.title })),
      // Who the recipient of a concern about an adult can give access to (as on the card).
      people: actions.includes('add-participant') ? await participantCandidates(deps.db, user.tenantId, concernId) : [],
    },
    // Concerns about adults: who has been given access (names as the card shows them to anyone
    // with access); "Withdraw access" beside each is offered to the recipient only (`actions`),
    // who alone gets the Entra object ids it needs.
    participants:
      concern.recipient === 'dsl-team'
        ? []
        : (await listParticipants(deps.db, user.tenantId, concernId)).map((p) => ({ ...(actions.includes('withdraw-participant') ? { id: p.aadObjectId } : {}), name: p.displayName ?? 'Member of staff' })),
  };
}

/**
 * The buttons the card would show this viewer for this state (the state machine still decides):
 * take ownership while nobody owns it; take over when someone else owns it and the viewer may
 * (`mayTakeOver`, from the server's records: a DSL, or the recipient of a concern about an adult),
 * listed last so it is never the action a DSL finds chosen.
 */
function allowedActions(recipient: RecipientRole, access: Extract<TriageAccess, { allowed: true }>, row: { status: ConcernStatus; ownerAadId?: string; ownerName?: string }, viewerAadId: string): TriageCommandKind[] {
  const { as } = access;
  const grant: TriageCommandKind[] = recipient !== 'dsl-team' && as === 'recipient' ? ['add-participant'] : [];
  // Withdrawing access is offered in every status: closing is when it is often no longer needed.
  const withdraw: TriageCommandKind[] = recipient !== 'dsl-team' && as === 'recipient' ? ['withdraw-participant'] : [];
  if (row.status === 'closed') return ['reopen', ...withdraw];
  if (row.status === 'new') return ['take-ownership', ...withdraw];
  const all: TriageCommandKind[] = ['add-note', 'record-action', 'record-sharing', 'set-risk', 'link', 'close', ...grant, ...withdraw];
  const owner = row.ownerAadId ? { aadObjectId: row.ownerAadId, name: row.ownerName ?? '' } : undefined;
  const take: TriageCommandKind[] = !owner && (recipient === 'dsl-team' || as !== 'participant') ? ['take-ownership'] : [];
  const takeOver: TriageCommandKind[] = offersTakeOver({ status: row.status, owner }, viewerAadId, mayTakeOver(access, recipient)) ? ['take-over'] : [];
  return [...take, ...all, ...takeOver];
}

async function participantCandidates(db: Db, tenantId: string, concernId: string): Promise<{ id: string; title: string }[]> {
  // Everyone Jigsaw can reach: the tab's list is not cut short like the card's.
  return (await listParticipantCandidates(db, tenantId, concernId)).people.map((p) => ({ id: p.aadObjectId, title: p.displayName ?? 'Member of staff' }));
}

/** Rejections that are about one answer: the form comes back with the message next to it. */
const FIELD_OF_REJECTION: Record<string, string> = { 'unknown-reference': 'linkReferences', 'self-link': 'linkReferences', 'unknown-person': 'participant', 'not-participant': 'withdrawParticipant' };

/**
 * A pupil's whole chronology across the DSL team's concerns, oldest first. The pupil is named by
 * a concern and a position in it (no names in URLs); access needs the DSL roster, and the view
 * is logged.
 */
export async function getPupilChronology(deps: TabConcernDeps, user: TabUser, concernId: string, position: number) {
  const at = deps.now();
  const routing = await deps.tabConcerns.getRouting(deps.db, user.tenantId, concernId);
  const pupilKey = routing && routing.recipient === 'dsl-team' ? await deps.tabConcerns.pupilKeyAt(deps.db, user.tenantId, concernId, position) : undefined;
  const allowed = user.roles.has('dsl') && Boolean(pupilKey);
  await writeTabAccess(deps.db, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, action: 'pupil.chronology.view', concernId: routing?.concernId, reference: routing?.reference, pupilKey: allowed ? pupilKey : undefined, outcome: allowed ? 'allowed' : 'refused', at });
  if (!user.roles.has('dsl')) throw new TabRefusal(403, 'forbidden', "Only members of the DSL team can see a pupil's chronology. Your attempt has been recorded.");
  if (!pupilKey) throw new TabRefusal(404, 'not_found', 'That pupil could not be found.');
  const name = (await deps.concerns.pupilName(deps.db, user.tenantId, concernId, position)) ?? '';
  const ids = await deps.tabConcerns.listDslConcernIdsForPupil(deps.db, user.tenantId, pupilKey);
  const concerns = [];
  const events = [];
  for (const id of ids) {
    const [row] = await deps.tabConcerns.listQueueById(deps.db, user.tenantId, id);
    if (!row) continue;
    concerns.push(presentRow(row));
    for (const e of await deps.concerns.listEvents(deps.db, user.tenantId, id)) {
      events.push({ concernId: id, reference: row.reference, seq: e.seq, type: e.type, summary: describeEvent(e.type, e.details), actorName: e.actor.name, at: e.occurredAt.toISOString(), details: e.details });
    }
  }
  events.sort((a, b) => a.at.localeCompare(b.at) || a.reference.localeCompare(b.reference) || a.seq - b.seq);
  return { pupil: { name }, concerns, events };
}

/**
 * Applies a triage action from the tab through the same rule, parser and service as the card:
 * exactly once per action id, chronology appended, cards updated through the outbox.
 */
export async function applyTabAction(deps: TabConcernDeps, user: TabUser, concernId: string, input: { kind: string; actionId?: string; values: Record<string, unknown> }) {
  const routing = await deps.tabConcerns.getRouting(deps.db, user.tenantId, concernId);
  const person = { aadObjectId: user.aadObjectId, name: user.name.slice(0, 200) };
  const verb = `concern.${input.kind}`;
  const log = (outcome: 'allowed' | 'refused' | 'rejected' | 'duplicate', reason?: string) =>
    logAccess(deps.db, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, concernId: routing?.concernId, verb, outcome, reason: reason ? `tab: ${reason}` : 'tab', at: deps.now() });
  if (!routing) throw new TabRefusal(404, 'not_found', 'This concern is not available to you.');
  const access = await checkTriageAccess(deps.db, user.tenantId, routing, person);
  if (!access.allowed) {
    await log('refused', 'not authorised');
    throw new TabRefusal(access.visible ? 403 : 404, access.visible ? 'forbidden' : 'not_found', access.reason);
  }
  const kind = input.kind as TriageCommandKind;
  if (!TRIAGE_COMMAND_KINDS.includes(kind)) throw new TabRefusal(400, 'unknown_action', 'That action is not available here.');
  if (kind === 'add-participant' && access.as !== 'recipient') {
    await log('rejected', 'only the recipient gives access');
    throw new TabRefusal(403, 'forbidden', 'Only the recipient of this concern can give others access.');
  }
  if (kind === 'withdraw-participant' && access.as !== 'recipient') {
    await log('rejected', 'only the recipient withdraws access');
    throw new TabRefusal(403, 'forbidden', 'Only the recipient of this concern can withdraw access.');
  }
  // Someone given access to a concern about an adult helps; only its recipient takes it over.
  // (The service decides again under the concern's lock.)
  if (kind === 'take-over' && !mayTakeOver(access, routing.recipient)) {
    await log('rejected', 'only the recipient takes over');
    throw new TabRefusal(403, 'forbidden', 'Only the recipient of this concern can take it over.');
  }
  const parsed = parseTriageCommand(kind, input.values);
  if (!parsed.ok) throw new TabRefusal(400, 'invalid', 'Some answers need attention.', { errors: parsed.errors });
  // An applied action's access-log row is written in its transaction: nothing can fail after the commit.
  const result = await applyTriageAction(deps, { tenantId: user.tenantId, concernId, actor: person, command: parsed.command, actionId: input.actionId ?? randomUUID(), verb, accessLog: { actorName: user.name, reason: 'tab' } });
  switch (result.kind) {
    case 'not-found':
      throw new TabRefusal(404, 'not_found', 'This concern is not available to you.');
    case 'duplicate':
      await log('duplicate');
      return { recorded: false, message: 'This action was received twice and recorded once.' };
    case 'rejected': {
      await log('rejected', result.code);
      const field = FIELD_OF_REJECTION[result.code];
      if (field) throw new TabRefusal(400, 'invalid', 'Some answers need attention.', { errors: { [field]: result.reason } });
      throw new TabRefusal(409, result.code, result.reason);
    }
    case 'applied':
      deps.onOutboxChanged();
      return { recorded: true, message: describeEvent(TRIAGE_EVENT_TYPES[kind], { ...parsed.command }), status: result.state.status };
  }
}
