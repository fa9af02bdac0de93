// Pupils from School Data Sync: `/education/users` (EduRoster.Read.All), paged. The roster is
// the cheapest pupil-data evidence (names in file names); schools without SDS supply a CSV.
import type { GraphEdge } from './graph-client';
import type { RosterPersonRecord } from './types';

interface GraphEducationUser {
  id: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  primaryRole?: string | null;
}

/** All education users with the given role (default `student`). */
export async function listEducationUsers(edge: GraphEdge, options: { role?: 'student' | 'teacher' | 'any'; signal?: AbortSignal } = {}): Promise<RosterPersonRecord[]> {
  const role = options.role ?? 'student';
  const out: RosterPersonRecord[] = [];
  let url: string | undefined = `${edge.baseUrl}/v1.0/education/users?$select=id,displayName,givenName,surname,mail,userPrincipalName,primaryRole&$top=999`;
  while (url) {
    options.signal?.throwIfAborted();
    const page: { value?: GraphEducationUser[]; '@odata.nextLink'?: string } = await edge.client.api(url).get();
    for (const u of page.value ?? []) {
      const primaryRole = u.primaryRole ?? 'unknown';
      if (role !== 'any' && primaryRole !== role) continue;
      out.push({ id: u.id, displayName: u.displayName ?? null, givenName: u.givenName ?? null, surname: u.surname ?? null, email: u.mail ?? null, userPrincipalName: u.userPrincipalName ?? null, primaryRole });
    }
    url = page['@odata.nextLink'];
  }
  return out;
}

/** The pupils (primaryRole student). */
export function listPupils(edge: GraphEdge, signal?: AbortSignal): Promise<RosterPersonRecord[]> {
  return listEducationUsers(edge, { role: 'student', signal });
}
