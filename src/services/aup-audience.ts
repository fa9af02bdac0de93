import type { Db } from '../store/db';
import { getLatestAupVersion, listAcknowledgedPeople, listAskedPeople, listAudienceMembers, recordAudienceSync, replaceAudienceMembers, requeueAsksOfRejoiners } from '../store/aup.repo';
import { parseAudienceCsv } from '../domain/aup/import-rows';
import type { AudienceDirectory } from '../domain/aup/ports';
import type { Audience } from '../domain/aup/types';
import { describeGraphFailure } from '../graph/graph-errors';
import { queueAupAsks } from './aup-publish';

/**
 * Replaces an audience's group-sourced members with the groups' current (transitive) members,
 * and records the reading (when, how many). People who left are taken out: nothing more is sent
 * to them for this audience (see planAupDelivery), and their history stays in the register.
 */
export async function syncAudienceFromGroups(deps: { db: Db; now: () => Date; directory: AudienceDirectory }, input: { tenantId: string; audience: Audience; groupIds: readonly string[] }): Promise<number> {
  const members = await deps.directory.membersOfGroups(input.groupIds);
  const at = deps.now();
  await deps.db.transaction(async (tx) => {
    await replaceAudienceMembers(tx, input.tenantId, input.audience, members, 'group', at);
    await recordAudienceSync(tx, input.tenantId, input.audience, { at, members: members.length, groups: input.groupIds.length });
  });
  return members.length;
}

/**
 * Asks the people who came into an audience since its current version was published (new staff
 * from a group, a volunteer added by CSV, someone whose paper form was for an older version) to
 * agree to that version, as the publish asked everyone then: each member not yet asked for it
 * and who has not agreed to it gets an 'ask' row in the same durable queue a publish fills, so
 * the sender delivers their card, and reminders and the deadline list follow as for everyone
 * else. The queue's key (version, person, purpose) makes a second run, a restart or a second
 * instance a no-op: nobody gets two cards for one version. Someone whose card was never sent
 * because they had left before it went, and who is back, is asked again (their row re-queued).
 */
export async function askAudienceNewcomers(deps: { db: Db; now: () => Date }, input: { tenantId: string; audience: Audience }): Promise<{ version: number | null; queued: number; offline: number }> {
  return deps.db.transaction(async (tx) => {
    const version = await getLatestAupVersion(tx, input.tenantId, input.audience);
    if (!version) return { version: null, queued: 0, offline: 0 };
    const rejoiners = await requeueAsksOfRejoiners(tx, input.tenantId, version.versionId, deps.now());
    const asked = await listAskedPeople(tx, input.tenantId, version.versionId);
    const agreed = await listAcknowledgedPeople(tx, input.tenantId, version.versionId);
    const newcomers = (await listAudienceMembers(tx, input.tenantId, input.audience)).filter((m) => !asked.has(m.personId) && !agreed.has(m.personId));
    const { queued, offline } = newcomers.length ? await queueAupAsks(tx, version, newcomers, deps.now()) : { queued: 0, offline: 0 };
    return { version: version.versionNumber, queued: queued + rejoiners.length, offline };
  });
}

/**
 * A failed reading of an audience's groups as the admins read it (the tab, an alert) and the
 * store keeps it: the kind of failure and the HTTP status only, never a message from Graph.
 */
export function describeAudienceSyncFailure(err: unknown): string {
  return describeGraphFailure(err, {
    unreachable: 'Microsoft Graph could not be reached{status}',
    busy: 'Microsoft Graph kept throttling Jigsaw{status}',
    refused: "Microsoft Graph refused to let Jigsaw read the groups{status}: IT should check the GroupMember.Read.All permission and the app's credential (docs/permissions.md)",
    'not-found': 'Microsoft Graph does not know one of the groups{status}: IT should check AUP_AUDIENCE_GROUPS',
    error: 'An unexpected error; the details are in the app’s logs',
  });
}

/** Replaces an audience's CSV-sourced members (volunteers, contractors, pupils outside Entra groups). */
export async function syncAudienceFromCsv(deps: { db: Db; now: () => Date }, input: { tenantId: string; audience: Audience; csv: string }): Promise<{ members: number; problems: string[] }> {
  const { members, problems } = parseAudienceCsv(input.csv);
  if (problems.length) return { members: 0, problems };
  await replaceAudienceMembers(deps.db, input.tenantId, input.audience, members, 'csv', deps.now());
  return { members: members.length, problems: [] };
}
