import type { Db } from '../store/db';
import { type AupSend, getAupBroadcast, getAupVersion, getLatestAupVersion, listAcknowledgementsOfPerson, listAupSendsForPerson, listOutstandingForVersion, isAudienceMember, IN_VERSION_AUDIENCE, SKIPPED_LEFT_AUDIENCE, SKIPPED_REPLACED } from '../store/aup.repo';
import { getTenant } from '../store/tenant.repo';
import { buildAupCard, buildAupOutstandingCard, type AupCardView } from '../cards/aup-card';
import { formatDay, formatLocal, formatLocalDay } from '../domain/clock';
import { personTarget } from './person-target';

import { ackExpiresAt, deadlineOf, type AupRules } from '../domain/aup/status';
import { type AupVersion, isOfflineAudience } from '../domain/aup/types';
import type { OutgoingMessage, PersonTarget, SentMessage } from './teams-gateway';

export type AupDelivery =
  | { kind: 'skip'; reason: string }
  | { kind: 'send'; target: PersonTarget; message: OutgoingMessage; versionId: string }
  | { kind: 'update'; sent: SentMessage; message: OutgoingMessage; versionId: string };

export interface AupDeliveryDeps {
  db: Db;
  /** Optional memo for a sender's lifetime: versions never change, time zones rarely. */
  cache?: AupDeliveryCache;
  now: () => Date;
  rules: AupRules;
  /** Where Teams is reached to open a chat with someone who never messaged the bot. */
  defaultServiceUrl: string;
  botId: string;
}

export class AupDeliveryCache {
  private readonly versions = new Map<string, AupVersion>();
  private readonly zones = new Map<string, { tz: string; at: number }>();
  private readonly latest = new Map<string, { versionId: string; at: number }>();

  async version(db: Db, tenantId: string, versionId: string): Promise<AupVersion | undefined> {
    const key = `${tenantId}|${versionId}`;
    const hit = this.versions.get(key);
    if (hit) return hit;
    const v = await getAupVersion(db, tenantId, versionId);
    if (v) this.versions.set(key, v); // immutable: safe to keep
    return v;
  }

  async timeZone(db: Db, tenantId: string): Promise<string> {
    const hit = this.zones.get(tenantId);
    if (hit && Date.now() - hit.at < 60_000) return hit.tz;
    const tz = (await getTenant(db, tenantId))?.timeZone ?? 'Europe/London';
    this.zones.set(tenantId, { tz, at: Date.now() });
    return tz;
  }

  /**
   * The latest version id of an audience, re-read at most once a second, or at once with `reread`
   * (the memo may predate a version just published: it must not be taken as "replaced").
   */
  async latestVersionId(db: Db, tenantId: string, audience: string, reread = false): Promise<string | undefined> {
    const key = `${tenantId}|${audience}`;
    const hit = this.latest.get(key);
    if (hit && !reread && Date.now() - hit.at < 1000) return hit.versionId;
    const v = await getLatestAupVersion(db, tenantId, audience as AupVersion['audience']);
    if (v) this.latest.set(key, { versionId: v.versionId, at: Date.now() });
    return v?.versionId;
  }
}

/**
 * Decides, from the store as it is now, what a queue row becomes: a card to send, an update
 * to a card already sent, or nothing (acknowledged meanwhile, or a newer version replaced it).
 * Purposes: 'ask', 'ask/r1' (reminder 1), 'renew:<date>', 'renew:<date>/r1', 'refresh:<sendId>:<t>'.
 */
export async function planAupDelivery(deps: AupDeliveryDeps, row: AupSend): Promise<AupDelivery> {
  const { db } = deps;
  const version = deps.cache ? await deps.cache.version(db, row.tenantId, row.versionId) : await getAupVersion(db, row.tenantId, row.versionId);
  if (!version) return { kind: 'skip', reason: 'version not found' };
  const tz = deps.cache ? await deps.cache.timeZone(db, row.tenantId) : ((await getTenant(db, row.tenantId))?.timeZone ?? 'Europe/London');
  const view = (state: AupCardView['state']): AupCardView => ({
    versionId: version.versionId,
    audience: version.audience,
    title: version.title,
    versionNumber: version.versionNumber,
    effectiveOn: formatDay(version.effectiveOn),
    ...(version.summary ? { summary: version.summary } : {}),
    ...(version.changeSummary ? { changeSummary: version.changeSummary } : {}),
    ...(version.body ? { body: version.body } : {}),
    ...(version.linkUrl ? { linkUrl: version.linkUrl } : {}),
    state,
  });
  const acks = (await listAcknowledgementsOfPerson(db, row.tenantId, row.personId)).filter((a) => a.versionId === version.versionId);
  const validAck = acks.find((a) => ackExpiresAt(a.acknowledgedAt, deps.rules) > deps.now());

  if (row.purpose.startsWith('refresh:')) {
    const targetId = Number(row.purpose.split(':')[1]);
    const original = (await listAupSendsForPerson(db, row.tenantId, row.versionId, row.personId)).find((s) => s.sendId === targetId);
    if (!original?.activityId || !original.conversationId || !original.serviceUrl) return { kind: 'skip', reason: 'no card to refresh' };
    const state: AupCardView['state'] = validAck ? { kind: 'acknowledged', at: formatLocal(validAck.acknowledgedAt, tz) } : { kind: 'superseded' };
    return { kind: 'update', versionId: version.versionId, sent: { conversationId: original.conversationId, activityId: original.activityId, serviceUrl: original.serviceUrl }, message: { card: buildAupCard(view(state)), summary: 'Acceptable Use Policy' } };
  }

  if (row.purpose === 'report:deadline') {
    // To the online-safety lead: who is still outstanding, rendered now (late acknowledgements drop off).
    if (!row.aadObjectId) return { kind: 'skip', reason: 'no Teams account' };
    const broadcast = await getAupBroadcast(db, row.tenantId, version.versionId);
    const outstanding = await listOutstandingForVersion(db, row.tenantId, version.versionId);
    const total = await countAsked(db, row.tenantId, version.versionId);
    const card = buildAupOutstandingCard({
      title: version.title,
      audience: version.audience,
      versionNumber: version.versionNumber,
      deadline: formatLocal(deadlineOf(broadcast?.startedAt ?? version.publishedAt, deps.rules), tz),
      people: outstanding.map((p) => ({ name: p.teams ? p.displayName : `${p.displayName} (no Teams: paper or form)`, sentOn: formatLocal(p.sentAt, tz) })),
      total,
    });
    return { kind: 'send', versionId: version.versionId, target: await personTarget(deps, row.tenantId, row.aadObjectId), message: { card, summary: 'AUP: people still outstanding' } };
  }

  // Offline audiences sign on paper: a card queued for one (before they were offline) is not sent.
  if (isOfflineAudience(version.audience)) return { kind: 'skip', reason: 'signed on paper (offline audience)' };
  let latestId = deps.cache ? await deps.cache.latestVersionId(db, row.tenantId, version.audience) : (await getLatestAupVersion(db, row.tenantId, version.audience))?.versionId;
  // A memo from before this version was published would skip its cards for good: confirm from the store.
  if (deps.cache && latestId && latestId !== version.versionId) latestId = await deps.cache.latestVersionId(db, row.tenantId, version.audience, true);
  if (latestId && latestId !== version.versionId) return { kind: 'skip', reason: SKIPPED_REPLACED };
  // Someone taken out of the audience since the row was queued (left, a corrected list) is asked no more.
  if (!(await isAudienceMember(db, row.tenantId, version.audience, row.personId))) return { kind: 'skip', reason: SKIPPED_LEFT_AUDIENCE };
  // Answered, as listUnansweredAsks decides, even by an acknowledgement made before the card (paper
  // is dated 12:00 UTC on the day signed): the first card and its reminders by any acknowledgement
  // of this version (once it lapses, the renewal asks again); a renewal and its reminders by one
  // still current (the lapsed one is not) or made after the renewal card.
  const askedAt = row.purpose.includes('/r') ? await askSentAt(db, row, version) : undefined;
  const firstAsk = row.purpose === 'ask' || row.purpose.startsWith('ask/');
  if (validAck || (firstAsk && acks.length > 0) || (askedAt && acks.some((a) => a.acknowledgedAt >= askedAt))) return { kind: 'skip', reason: 'already acknowledged' };
  if (!row.aadObjectId) return { kind: 'skip', reason: 'no Teams account' };

  const reminder = /\/r(\d+)$/.exec(row.purpose);
  const state: AupCardView['state'] = reminder
    ? { kind: 'reminder', number: Number(reminder[1]), ...(askedAt ? { deadline: formatLocalDay(deadlineOf(askedAt, deps.rules), tz) } : {}) }
    : row.purpose.startsWith('renew:')
      ? { kind: 'renewal' }
      : { kind: 'ask' };
  const summary = state.kind === 'reminder' ? 'Reminder: please read and agree to the Acceptable Use Policy' : 'Please read and agree to the Acceptable Use Policy';
  const target = await personTarget(deps, row.tenantId, row.aadObjectId);
  const card = buildAupCard({ ...view(state), ...(target.teamsUserId ? { refreshUserIds: [target.teamsUserId] } : {}) });
  return { kind: 'send', versionId: version.versionId, target, message: { card, summary } };
}

async function countAsked(db: Db, tenantId: string, versionId: string): Promise<number> {
  const [row] = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM aup_sends s WHERE s.tenant_id = $1 AND s.version_id = $2 AND s.purpose = 'ask' AND ${IN_VERSION_AUDIENCE('s')}`, [tenantId, versionId]);
  return Number(row?.n ?? 0);
}

async function askSentAt(db: Db, row: AupSend, version: AupVersion): Promise<Date | undefined> {
  const base = row.purpose.replace(/\/r\d+$/, '');
  const ask = (await listAupSendsForPerson(db, row.tenantId, version.versionId, row.personId)).find((s) => s.purpose === base);
  return ask?.sentAt ?? ask?.createdAt;
}


