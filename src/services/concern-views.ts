import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import type { ChronologyEvent, ConcernRepository } from '../store/concern.repo';
import { getPersonalConversation, listDslMembers } from '../store/conversation.repo';
import { listRoleHolders } from '../store/tenant.repo';
import { listConcernsSharingPupils, listLinkedConcerns, listParticipantCandidates, listParticipants, toTriageRow } from '../store/triage.repo';
import type { Concern } from '../domain/concerns/concern';
import { offersTakeOver, type TriageState } from '../domain/concerns/triage';
import { formatLocal, formatOccurred } from '../domain/clock';
import type { ConcernBaseView, TriageActionView, TriageSummaryView } from '../cards/triage-card';
import { MAX_PARTICIPANT_CHOICES, MAX_REFRESH_USERS } from '../cards/triage-card';
import { aupStatusOfConcernSubjects } from './concern-aup-status';
import { openableBy, withVisibleLinks } from './triage-access';

/** How many chronology events the action card shows (the newest); the rest stay in the record. */
export const CARD_EVENT_LIMIT = 8;

export interface ViewDeps {
  db: Db;
  concerns: ConcernRepository;
  now?: () => Date;
  /** For the AUP status shown on concerns about misuse of technology. */
  aupValidityMonths?: number;
}

/** Everything a card needs about a concern, read from the store as it is now. */
export async function loadBaseView(
  deps: ViewDeps,
  tenantId: string,
  concernId: string,
  options: { eventLimit?: number } = {},
): Promise<(ConcernBaseView & { timeZone: string; eventCount: number; recentEvents: ChronologyEvent[]; triageState: TriageState }) | undefined> {
  // One round trip: the concern, its triage state, the school's time zone, the newest events
  // (one read serves both the "last action" line and the chronology) and the DSL roster.
  const source = await deps.concerns.getForCard(deps.db, tenantId, concernId, options.eventLimit ?? 1);
  if (!source) return undefined;
  const { concern, timeZone, recentEvents } = source;
  const row = toTriageRow(source.row);
  const last = recentEvents[recentEvents.length - 1];
  const triage: TriageSummaryView = {
    status: row.state.status,
    ownerName: row.state.owner?.name,
    riskLevel: row.state.riskLevel,
    lastAction: last && last.type !== 'reported' ? { type: last.type, details: last.details, actorName: last.actor.name, at: formatLocal(last.occurredAt, timeZone) } : undefined,
  };
  return {
    concern: { ...concern, status: row.state.status },
    receivedAt: formatLocal(concern.createdAt, timeZone),
    occurredAt: formatOccurred(concern.occurredOn, concern.occurredTime),
    triage,
    refreshUserIds: source.dslTeamsUserIds ? source.dslTeamsUserIds.slice(0, MAX_REFRESH_USERS) : await refreshUserIdsFor(deps.db, concern),
    timeZone,
    eventCount: row.eventCount,
    recentEvents,
    triageState: row.state,
  };
}

/**
 * The Teams user ids whose clients refresh the shared card into their own view: the DSL roster
 * for the DSL team's concerns (Teams honours at most 60), the recipient and the people they
 * added for a concern about an adult.
 */
export async function refreshUserIdsFor(db: Db, concern: Pick<Concern, 'tenantId' | 'concernId' | 'recipient'>): Promise<string[]> {
  if (concern.recipient === 'dsl-team') return (await listDslMembers(db, concern.tenantId)).map((m) => m.teamsUserId).slice(0, MAX_REFRESH_USERS);
  const holders = await listRoleHolders(db, concern.tenantId, concern.recipient === 'chair' ? 'chair' : 'headteacher');
  const participants = (await listParticipants(db, concern.tenantId, concern.concernId)).map((p) => p.aadObjectId);
  const ids: string[] = [];
  for (const aad of [...holders.slice(0, 1), ...participants]) {
    const conversation = await getPersonalConversation(db, concern.tenantId, aad);
    if (conversation) ids.push(conversation.teamsUserId);
  }
  return ids.slice(0, MAX_REFRESH_USERS);
}

export async function loadActionView(
  deps: ViewDeps,
  tenantId: string,
  concernId: string,
  options: {
    flash?: TriageActionView['flash'];
    form?: TriageActionView['form'];
    canGrantAccess?: boolean;
    newActionId?: () => string;
    /** Who is looking, and whether they may take over a concern someone else owns (`mayTakeOver`). */
    viewer: { aadObjectId: string; mayTakeOver: boolean };
  },
): Promise<TriageActionView | undefined> {
  const base = await loadBaseView(deps, tenantId, concernId, { eventLimit: CARD_EVENT_LIMIT });
  if (!base) return undefined;
  const { timeZone, eventCount, recentEvents: events, triageState, ...view } = base;
  const recipient = view.concern.recipient;
  const samePupil = recipient === 'dsl-team' ? await listConcernsSharingPupils(deps.db, tenantId, concernId) : [];
  let access: TriageActionView['access'];
  if (recipient !== 'dsl-team') {
    const participants = await listParticipants(deps.db, tenantId, concernId);
    // The card lists at most MAX_PARTICIPANT_CHOICES people, and says so when there are more.
    const listed = options.canGrantAccess ? await listParticipantCandidates(deps.db, tenantId, concernId, { limit: MAX_PARTICIPANT_CHOICES }) : { people: [], more: false };
    const candidates = listed.people.map((p) => ({ aadObjectId: p.aadObjectId, name: p.displayName ?? 'Member of staff' }));
    const withdrawable = options.canGrantAccess ? participants.map((p) => ({ aadObjectId: p.aadObjectId, name: p.displayName ?? 'Member of staff' })) : [];
    access = { participants: participants.map((p) => p.displayName ?? 'Member of staff'), canGrant: options.canGrantAccess === true, candidates, moreCandidates: listed.more, withdrawable };
  }
  return {
    ...view,
    // Linked concerns, and the references in the chronology's links, only as far as this viewer
    // may open them: a person given access to one concern about an adult learns of no other.
    events: (await withVisibleLinks(deps.db, tenantId, events, options.viewer)).map((e) => ({ at: formatLocal(e.occurredAt, timeZone), actorName: e.actor.name, type: e.type, details: e.details })),
    totalEvents: eventCount,
    linked: (await openableBy(deps.db, tenantId, await listLinkedConcerns(deps.db, tenantId, concernId, recipient), options.viewer)).map((c) => ({ reference: c.reference, status: c.status })),
    samePupil: samePupil.map((c) => ({ reference: c.reference, status: c.status, receivedAt: formatLocal(c.createdAt, timeZone) })),
    newActionId: options.newActionId ?? randomUUID,
    flash: options.flash,
    form: options.form,
    access,
    ownerAadId: triageState.owner?.aadObjectId,
    canTakeOver: offersTakeOver(triageState, options.viewer.aadObjectId, options.viewer.mayTakeOver),
    aupStatus: await aupStatusOfConcernSubjects({ db: deps.db, now: deps.now ?? (() => new Date()), validityMonths: deps.aupValidityMonths ?? 12 }, view.concern, timeZone),
  };
}

