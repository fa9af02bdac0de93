import type { Db } from '../store/db';
import { audiencesOfPerson, listAcknowledgementsForAudience, listAcknowledgementsOfPerson, listAskedPeople, listAudienceMembers, listLatestAupVersions } from '../store/aup.repo';
import { formatCsv } from '../domain/aup/csv';
import { localDateTime } from '../domain/clock';
import { type AupCounts, type AupRules, countStatuses, personPolicyStatus } from '../domain/aup/status';
import type { AckMethod, Audience, AupStatus, AupVersion } from '../domain/aup/types';

/**
 * A register line's status: the person's status on the policy, or `left` for someone no longer in
 * the audience (left the group, taken off the list) whose acknowledgements are kept as history.
 */
export type RegisterStatus = AupStatus | 'left';

export interface RegisterEntry {
  audience: Audience;
  personId: string;
  displayName: string;
  status: RegisterStatus;
  latestVersionNumber: number;
  /** The acknowledgement that decides the status. */
  lastAck?: { versionNumber: number; acknowledgedAt: Date; expiresAt: Date; method: AckMethod; signedBy?: string };
  expiredBecause?: 'time' | 'new-version';
  /** Every acknowledgement this person gave on this policy, oldest first. */
  history: { versionNumber: number; acknowledgedAt: Date; method: AckMethod; contentHash: string; signedBy?: string }[];
}

type RegisterDeps = { db: Db; now: () => Date; rules: Pick<AupRules, 'validityMonths'> };

/**
 * The register: each member of each audience that has a published policy, with their status,
 * the deciding acknowledgement and their history. People who acknowledged but are not in the
 * audience any more (left the school, the governors' group) stay with their history, as `left`:
 * not current, expired or outstanding, and not counted.
 */
export async function buildAupRegister(deps: RegisterDeps, tenantId: string, audience?: Audience): Promise<RegisterEntry[]> {
  const { db } = deps;
  const now = deps.now();
  const versions = (await listLatestAupVersions(db, tenantId)).filter((v) => !audience || v.audience === audience);
  const out: RegisterEntry[] = [];
  for (const latest of versions) {
    const members = await listAudienceMembers(db, tenantId, latest.audience);
    const acks = await listAcknowledgementsForAudience(db, tenantId, latest.audience);
    const asked = await listAskedPeople(db, tenantId, latest.versionId);
    const people = new Map<string, string>(members.map((m) => [m.personId, m.displayName]));
    for (const a of acks) if (!people.has(a.personId)) people.set(a.personId, a.displayName);
    const memberIds = new Set(members.map((m) => m.personId));
    for (const [personId, displayName] of people) {
      const mine = acks.filter((a) => a.personId === personId);
      const s = personPolicyStatus({ latestVersionId: latest.versionId, latestVersionNumber: latest.versionNumber, acks: mine, askedLatest: asked.has(personId) }, now, deps.rules);
      const deciding = s.lastAck && mine.find((a) => a.versionId === s.lastAck!.versionId && a.acknowledgedAt.getTime() === s.lastAck!.acknowledgedAt.getTime());
      const left = !memberIds.has(personId);
      out.push({
        audience: latest.audience,
        personId,
        displayName,
        status: left ? 'left' : s.status,
        latestVersionNumber: latest.versionNumber,
        ...(s.lastAck && deciding ? { lastAck: { versionNumber: s.lastAck.versionNumber, acknowledgedAt: s.lastAck.acknowledgedAt, expiresAt: s.lastAck.expiresAt, method: deciding.method, ...(deciding.signedBy ? { signedBy: deciding.signedBy } : {}) } } : {}),
        ...(s.expiredBecause && !left ? { expiredBecause: s.expiredBecause } : {}),
        history: mine.map((a) => ({ versionNumber: a.versionNumber, acknowledgedAt: a.acknowledgedAt, method: a.method, contentHash: a.contentHash, ...(a.signedBy ? { signedBy: a.signedBy } : {}) })),
      });
    }
  }
  return out.sort((a, b) => a.audience.localeCompare(b.audience) || a.displayName.localeCompare(b.displayName) || a.personId.localeCompare(b.personId));
}

export const REGISTER_CSV_HEADER = ['audience', 'person_id', 'name', 'status', 'latest_version', 'acknowledged_version', 'acknowledged_at', 'expires_at', 'method', 'signed_by', 'expired_because', 'history'];

/**
 * The register as CSV (docs/aup.md): one line per person and policy; history as "v1 2026-01-02 paper; v2 …",
 * each date the school's calendar day (an agreement at 00:30 in June is that day, not the day before in UTC).
 * It starts with a UTF-8 byte order mark: without one, Excel reads the file as ANSI and shows "Zoë" as "ZoÃ«".
 */
export function registerToCsv(entries: readonly RegisterEntry[], timeZone: string): string {
  return '\uFEFF' + formatCsv(
    REGISTER_CSV_HEADER,
    entries.map((e) => [
      e.audience,
      e.personId,
      e.displayName,
      e.status,
      e.latestVersionNumber,
      e.lastAck?.versionNumber,
      e.lastAck?.acknowledgedAt.toISOString(),
      e.lastAck?.expiresAt.toISOString(),
      e.lastAck?.method,
      e.lastAck?.signedBy,
      e.expiredBecause,
      e.history.map((h) => `v${h.versionNumber} ${localDateTime(h.acknowledgedAt, timeZone).date} ${h.method}`).join('; '),
    ]),
  );
}

/** Anonymous counts per audience for governors (the tab's governor view): numbers only, never names. People who left are not counted. */
export async function governorAupCounts(deps: RegisterDeps, tenantId: string): Promise<AupCounts[]> {
  const entries = await buildAupRegister(deps, tenantId);
  const versions = await listLatestAupVersions(deps.db, tenantId);
  const statusesOf = (audience: Audience) => entries.flatMap((e) => (e.audience === audience && e.status !== 'left' ? [e.status] : []));
  return versions.map((v) => countStatuses(v.audience, v.versionNumber, statusesOf(v.audience)));
}

export interface UserAupStatus {
  audience: Audience;
  title: string;
  versionId: string;
  versionNumber: number;
  status: AupStatus;
  acknowledgedAt?: Date;
  acknowledgedVersion?: number;
  expiresAt?: Date;
  expiredBecause?: 'time' | 'new-version';
  history: { title: string; audience: Audience; versionNumber: number; acknowledgedAt: Date; method: AckMethod; contentHash: string }[];
}

/**
 * One person's AUP status, for "what have I agreed to?" and for the DSL's view of a concern
 * about misuse of technology (the triage view calls this). Policies that apply: the audiences
 * the person is in, plus any policy they once signed.
 */
export async function getAupStatusForPerson(deps: RegisterDeps, tenantId: string, personId: string): Promise<UserAupStatus[]> {
  const { db } = deps;
  const now = deps.now();
  const id = personId.toLowerCase();
  const latest = await listLatestAupVersions(db, tenantId);
  const acks = await listAcknowledgementsOfPerson(db, tenantId, id);
  const audiences = new Set<Audience>([...(await audiencesOfPerson(db, tenantId, id)).map((a) => a.audience), ...acks.map((a) => a.audience)]);
  const out: UserAupStatus[] = [];
  for (const v of latest.filter((x: AupVersion) => audiences.has(x.audience))) {
    const mine = acks.filter((a) => a.audience === v.audience);
    const asked = (await listAskedPeople(db, tenantId, v.versionId)).has(id);
    const s = personPolicyStatus({ latestVersionId: v.versionId, latestVersionNumber: v.versionNumber, acks: mine, askedLatest: asked }, now, deps.rules);
    out.push({
      audience: v.audience,
      title: v.title,
      versionId: v.versionId,
      versionNumber: v.versionNumber,
      status: s.status,
      ...(s.lastAck ? { acknowledgedAt: s.lastAck.acknowledgedAt, acknowledgedVersion: s.lastAck.versionNumber, expiresAt: s.lastAck.expiresAt } : {}),
      ...(s.expiredBecause ? { expiredBecause: s.expiredBecause } : {}),
      history: [],
    });
  }
  const titles = new Map(latest.map((v) => [v.audience, v.title]));
  const history = acks.map((a) => ({ title: titles.get(a.audience) ?? a.audience, audience: a.audience, versionNumber: a.versionNumber, acknowledgedAt: a.acknowledgedAt, method: a.method, contentHash: a.contentHash }));
  for (const o of out) o.history = history.filter((h) => h.audience === o.audience);
  return out;
}
