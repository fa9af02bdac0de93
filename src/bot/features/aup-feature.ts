import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Db } from '../../store/db';
import { savePersonalConversation } from '../../store/conversation.repo';
import { countAupSends, getAupVersion, getLatestAupVersion, listAcknowledgementsOfPerson, listAupSendsForPerson, versionReplacingAupBroadcast } from '../../store/aup.repo';
import { hasRole } from '../../store/tenant.repo';
import { type AdaptiveCard, CARD_CONTENT_TYPE, card, heading, text } from '../../cards/card-kit';
import { AUP_VERBS, buildAupCard, buildAupProgressCard, buildMyAupCard, onPaperWords, type AupCardView } from '../../cards/aup-card';
import { formatLocal, formatLocalDay } from '../../domain/clock';
import { ackExpiresAt, type AupRules } from '../../domain/aup/status';
import { type AupVersion, isOfflineAudience } from '../../domain/aup/types';
import { acknowledgeAup } from '../../services/aup-acknowledge';
import { getAupStatusForPerson } from '../../services/aup-register';
import { formatDay } from '../../domain/clock';
import type { Logger } from '../../logging';
import type { BotFeature, InvokeRequest, MessageRequest } from '../bot-feature';

export interface AupFeatureDeps {
  db: Db;
  now: () => Date;
  rules: AupRules;
  logger: Logger;
  /** Wakes the AUP sender (an acknowledgement queues updates of the person's other cards). */
  onQueued?: () => void;
}

/** Card data is untrusted: only a version id, which the store then confirms. Never identity. */
const VersionData = z.object({ versionId: z.string().uuid() }).passthrough();

// The whole message must be the question: a concern typed into the chat that mentions the AUP
// ("he broke the acceptable use policy by…") must still reach the report flow.
export const WHAT_HAVE_I_AGREED = /^\s*(what (have|did) i (agree|agreed|sign|signed)( to)?|(show )?my (aups?|policies|agreements)|aups?|acceptable use( polic(y|ies))?)\s*[?.!]*\s*$/i;

/**
 * AUPs in the bot: "I have read and agree" (aup.agree), the card's refresh (aup.refresh),
 * "what have I agreed to?" (aup.my-status or typed), and the admin's progress card (aup.progress).
 */
export function createAupFeature(deps: AupFeatureDeps): BotFeature {
  const { db } = deps;

  async function cardFor(version: AupVersion, personId: string, timeZone: string, teamsUserId?: string): Promise<AdaptiveCard> {
    const latest = await getLatestAupVersion(db, version.tenantId, version.audience);
    const shown = latest ?? version;
    const ack = (await listAcknowledgementsOfPerson(db, version.tenantId, personId)).find((a) => a.versionId === shown.versionId && ackExpiresAt(a.acknowledgedAt, deps.rules) > deps.now());
    if (ack) return buildAupCard({ ...viewOf(shown), state: { kind: 'acknowledged', at: formatLocal(ack.acknowledgedAt, timeZone) } });
    // Offline audiences (KS1 pupils, parents) may read the policy but sign it on paper.
    if (isOfflineAudience(shown.audience)) return buildAupCard({ ...viewOf(shown), state: { kind: 'on-paper' } });
    return buildAupCard({ ...viewOf(shown), ...(teamsUserId ? { refreshUserIds: [teamsUserId] } : {}), state: { kind: 'ask' } });
  }

  async function myStatusCard(tenantId: string, personId: string, timeZone: string): Promise<AdaptiveCard> {
    const statuses = await getAupStatusForPerson({ db, now: deps.now, rules: deps.rules }, tenantId, personId);
    return buildMyAupCard(
      statuses.map((s) => ({
        title: s.title,
        audience: s.audience,
        versionNumber: s.versionNumber,
        versionId: s.versionId,
        status: s.status,
        ...(s.acknowledgedAt ? { acknowledgedAt: formatLocal(s.acknowledgedAt, timeZone), acknowledgedVersion: s.acknowledgedVersion } : {}),
        ...(s.expiresAt ? { expiresOn: formatLocalDay(s.expiresAt, timeZone) } : {}),
      })),
      statuses.flatMap((s) => s.history).sort((a, b) => b.acknowledgedAt.getTime() - a.acknowledgedAt.getTime()).map((h) => ({ title: h.title, versionNumber: h.versionNumber, at: formatLocal(h.acknowledgedAt, timeZone), method: h.method === 'teams' ? 'in Teams' : h.method })),
    );
  }

  return {
    name: 'aup',
    verbPrefixes: ['aup.'],

    async handleInvoke(request: InvokeRequest, context: TurnContext): Promise<AdaptiveCard> {
      const { tenant, person } = request;
      const personId = person.aadObjectId.toLowerCase();
      const teamsUserId = context.activity.from?.id;
      if (request.verb === AUP_VERBS.myStatus) return myStatusCard(tenant.tenantId, personId, tenant.timeZone);

      const parsed = VersionData.safeParse(request.data);
      if (!parsed.success) return message('That card could not be read', 'Type "what have I agreed to?" to see your Acceptable Use Policies.');
      const version = await getAupVersion(db, tenant.tenantId, parsed.data.versionId);
      if (!version) return message('This policy was not found', 'Type "what have I agreed to?" to see your Acceptable Use Policies.');

      switch (request.verb) {
        case AUP_VERBS.agree: {
          const outcome = await acknowledgeAup({ db, now: deps.now, validityMonths: deps.rules.validityMonths }, { tenantId: tenant.tenantId, person, versionId: version.versionId });
          switch (outcome.kind) {
            case 'recorded':
              deps.logger.info({ tenantId: tenant.tenantId, versionId: version.versionId, refreshed: outcome.refreshed }, 'AUP acknowledged');
              if (outcome.refreshed) deps.onQueued?.();
              return buildAupCard({ ...viewOf(version), state: { kind: 'acknowledged', at: formatLocal(outcome.acknowledgedAt, tenant.timeZone) } });
            case 'already':
              return buildAupCard({ ...viewOf(version), state: { kind: 'acknowledged', at: formatLocal(outcome.acknowledgedAt, tenant.timeZone) } });
            case 'superseded':
              // Show the version that now applies instead of recording agreement to an old one.
              return cardFor(outcome.latest, personId, tenant.timeZone, teamsUserId);
            case 'on-paper': {
              const words = onPaperWords(outcome.version.audience);
              return message(words.title, `Nothing was recorded in Teams. ${words.body}`);
            }
            case 'not-for-you':
              deps.logger.warn({ tenantId: tenant.tenantId, versionId: version.versionId }, 'AUP agreement from someone it was not sent to');
              return message('This policy was not sent to you', 'Your acknowledgement was not recorded. Type "what have I agreed to?" to see the policies that apply to you.');
            default:
              return message('This policy was not found', 'Type "what have I agreed to?" to see your Acceptable Use Policies.');
          }
        }
        case AUP_VERBS.refresh: {
          const sent = await listAupSendsForPerson(db, tenant.tenantId, version.versionId, personId);
          const mine = sent.length > 0 || (await getAupStatusForPerson({ db, now: deps.now, rules: deps.rules }, tenant.tenantId, personId)).some((s) => s.audience === version.audience);
          if (!mine) return message('This policy was not sent to you', 'Type "what have I agreed to?" to see the policies that apply to you.');
          return cardFor(version, personId, tenant.timeZone, teamsUserId);
        }
        case AUP_VERBS.progress: {
          if (!(await hasRole(db, tenant.tenantId, 'admin', personId))) return message('Only administrators can see broadcast progress', 'Nothing has changed.');
          const counts = await countAupSends(db, tenant.tenantId, version.versionId);
          const done = counts.queued + counts.sending === 0;
          // As the sender closes it: a version replaced mid-broadcast says so (once its counts are final).
          const replacedBy = done ? await versionReplacingAupBroadcast(db, tenant.tenantId, version.versionId) : undefined;
          return buildAupProgressCard({ versionId: version.versionId, title: version.title, audience: version.audience, versionNumber: version.versionNumber, ...counts, updatedAt: formatLocal(deps.now(), tenant.timeZone), done, ...(replacedBy !== undefined ? { replacedBy } : {}) });
        }
        default:
          return message('This action is not available', 'Type "what have I agreed to?" to see your Acceptable Use Policies.');
      }
    },

    async handleMessage(request: MessageRequest, context: TurnContext): Promise<boolean> {
      if (!WHAT_HAVE_I_AGREED.test(request.text)) return false;
      if (request.conversationType === 'personal' && context.activity.from?.aadObjectId) {
        // Keep the chat reference fresh, as the built-in replies do, so later cards reach this chat.
        await savePersonalConversation(db, {
          tenantId: request.tenant.tenantId,
          aadObjectId: context.activity.from.aadObjectId,
          teamsUserId: context.activity.from.id,
          conversationId: context.activity.conversation.id,
          serviceUrl: context.activity.serviceUrl,
          botId: context.activity.recipient.id,
          displayName: context.activity.from.name,
        });
      } else {
        await context.sendActivity('Ask me "what have I agreed to?" in a private chat: your policies are personal.');
        return true;
      }
      const status = await myStatusCard(request.tenant.tenantId, request.person.aadObjectId.toLowerCase(), request.tenant.timeZone);
      await context.sendActivity({ attachments: [{ contentType: CARD_CONTENT_TYPE, content: status }] });
      return true;
    },
  };
}

function viewOf(v: AupVersion): Omit<AupCardView, 'state'> {
  return {
    versionId: v.versionId,
    audience: v.audience,
    title: v.title,
    versionNumber: v.versionNumber,
    effectiveOn: formatDay(v.effectiveOn),
    ...(v.summary ? { summary: v.summary } : {}),
    ...(v.changeSummary ? { changeSummary: v.changeSummary } : {}),
    ...(v.body ? { body: v.body } : {}),
    ...(v.linkUrl ? { linkUrl: v.linkUrl } : {}),
  };
}

function message(title: string, body: string): AdaptiveCard {
  return card([heading(title, { size: 'Medium' }), text(body)]);
}
