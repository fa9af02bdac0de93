import type { Db } from '../store/db';
import { replaceAudienceMembers } from '../store/aup.repo';
import { parseAudienceCsv } from '../domain/aup/import-rows';
import type { AudienceDirectory } from '../domain/aup/ports';
import type { Audience } from '../domain/aup/types';

/** Replaces an audience's group-sourced members with the groups' current (transitive) members. */
export async function syncAudienceFromGroups(deps: { db: Db; now: () => Date; directory: AudienceDirectory }, input: { tenantId: string; audience: Audience; groupIds: readonly string[] }): Promise<number> {
  const members = await deps.directory.membersOfGroups(input.groupIds);
  await replaceAudienceMembers(deps.db, input.tenantId, input.audience, members, 'group', deps.now());
  return members.length;
}

/** Replaces an audience's CSV-sourced members (volunteers, contractors, pupils outside Entra groups). */
export async function syncAudienceFromCsv(deps: { db: Db; now: () => Date }, input: { tenantId: string; audience: Audience; csv: string }): Promise<{ members: number; problems: string[] }> {
  const { members, problems } = parseAudienceCsv(input.csv);
  if (problems.length) return { members: 0, problems };
  await replaceAudienceMembers(deps.db, input.tenantId, input.audience, members, 'csv', deps.now());
  return { members: members.length, problems: [] };
}
