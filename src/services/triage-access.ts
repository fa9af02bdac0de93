import type { Db } from '../store/db';
import { hasRole } from '../store/tenant.repo';
import { findConcernsByReference, isDslMember, isParticipant } from '../store/triage.repo';
import type { Person, RecipientRole } from '../domain/concerns/concern';

export type TriageAccess =
  | { allowed: true; as: 'dsl' | 'recipient' | 'participant' }
  /** `visible: false` hides even the concern's existence (concerns about adults). */
  | { allowed: false; visible: boolean; reason: string };

/**
 * Who may see and act on a concern, from the server's records only (never card data):
 * - concerns for the DSL team: members of the DSL channel roster (`dsl_members`);
 * - concerns about an adult: their recipient (the headteacher, or the chair for one about the
 *   headteacher) and the people the recipient added. Nobody else, DSLs included, learns of them.
 */
export async function checkTriageAccess(db: Db, tenantId: string, concern: { concernId: string; recipient: RecipientRole }, person: Person): Promise<TriageAccess> {
  if (concern.recipient === 'dsl-team') {
    if (await isDslMember(db, tenantId, person.aadObjectId)) return { allowed: true, as: 'dsl' };
    return { allowed: false, visible: true, reason: 'Only members of the DSL team can see the details of a concern or act on it. Your attempt has been recorded.' };
  }
  const role = concern.recipient === 'chair' ? 'chair' : 'headteacher';
  if (await hasRole(db, tenantId, role, person.aadObjectId)) return { allowed: true, as: 'recipient' };
  if (await isParticipant(db, tenantId, concern.concernId, person.aadObjectId)) return { allowed: true, as: 'participant' };
  return { allowed: false, visible: false, reason: 'This concern is not available to you. Your attempt has been recorded.' };
}

/**
 * Who may take over a concern someone else owns (its owner away, off sick, or gone): for the DSL
 * team's concerns, any member of the DSL team; for a concern about an adult, its current
 * recipient (the headteacher, or the chair), not the people they added, who were given access
 * to help, not the recipient's responsibility.
 */
export function mayTakeOver(access: TriageAccess, recipient: RecipientRole): boolean {
  if (!access.allowed) return false;
  return recipient === 'dsl-team' ? access.as === 'dsl' : access.as === 'recipient';
}

/**
 * Of these concerns, those the viewer may open themselves. A concern linked to one the viewer can
 * see is listed for them only if they could open it too: someone given access to one concern
 * about an adult must not learn that another exists (checkTriageAccess hides its existence).
 */
export async function openableBy<T extends { concernId: string; recipient: RecipientRole }>(db: Db, tenantId: string, concerns: readonly T[], viewer: Pick<Person, 'aadObjectId'>): Promise<T[]> {
  const out: T[] = [];
  for (const c of concerns) if ((await checkTriageAccess(db, tenantId, c, { aadObjectId: viewer.aadObjectId, name: '' })).allowed) out.push(c);
  return out;
}

/**
 * A chronology as the viewer may read it: a `linked` event names the concerns linked by their
 * references, and keeps only those the viewer may open (the record itself is unchanged).
 */
export async function withVisibleLinks<E extends { type: string; details: Record<string, unknown> }>(db: Db, tenantId: string, events: readonly E[], viewer: Pick<Person, 'aadObjectId'>): Promise<E[]> {
  const references = [...new Set(events.flatMap((e) => (e.type === 'linked' && Array.isArray(e.details.references) ? e.details.references.map(String) : [])))];
  if (!references.length) return [...events];
  const visible = new Set((await openableBy(db, tenantId, await findConcernsByReference(db, tenantId, references), viewer)).map((c) => c.reference));
  return events.map((e) =>
    e.type === 'linked' && Array.isArray(e.details.references) ? { ...e, details: { ...e.details, references: e.details.references.map(String).filter((r) => visible.has(r)) } } : e,
  );
}
