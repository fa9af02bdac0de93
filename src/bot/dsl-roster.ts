import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Db } from '../store/db';
import { type DslMember, getDslChannel } from '../store/conversation.repo';
import { updateDslRoster } from '../services/dsl-roster-changes';
import { dslRosterRefreshedAt } from '../store/triage.repo';
import { describeError, type Logger } from '../logging';

/**
 * Keeps "who is a DSL" close to the Teams roster of the DSL channel: the stored roster is a
 * cache that expires after `ttlMs` (membership events refresh it at once, see jigsaw-bot.ts).
 * If Teams cannot be asked, the stored roster stands and a warning is logged: refusing every
 * DSL because Teams is slow would stop safeguarding work.
 */
export class DslRosterCache {
  /** Last attempt per tenant, so a failing Teams is not asked on every invoke. */
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  async refreshIfStale(context: TurnContext, tenantId: string): Promise<void> {
    const now = this.now().getTime();
    const refreshedAt = await dslRosterRefreshedAt(this.db, tenantId);
    if (refreshedAt && now - refreshedAt.getTime() < this.ttlMs) return;
    const lastAttempt = this.attempts.get(tenantId);
    if (lastAttempt !== undefined && now - lastAttempt >= 0 && now - lastAttempt < Math.min(this.ttlMs, 30_000)) return;
    this.attempts.set(tenantId, now);
    const channel = await getDslChannel(this.db, tenantId);
    if (!channel) return;
    try {
      const members = await loadChannelMembers(context, channel.channelId);
      await updateDslRoster(this.db, tenantId, members);
      this.logger.info({ tenantId, dslMembers: members.length }, 'DSL roster refreshed from Teams');
    } catch (err) {
      this.logger.warn({ tenantId, ...describeError(err) }, 'could not refresh the DSL roster; using the stored one');
    }
  }
}

/** The members of a channel from the Teams roster (paged). */
export async function loadChannelMembers(context: TurnContext, channelId: string): Promise<DslMember[]> {
  const members: DslMember[] = [];
  let token: string | undefined;
  do {
    // Given a channel id, pagedmembers returns that channel's members: for a private channel, the DSL team.
    const page = await TeamsInfo.getPagedTeamMembers(context, channelId, 100, token);
    for (const m of page.members) {
      if (m.aadObjectId) members.push({ aadObjectId: m.aadObjectId, teamsUserId: m.id, displayName: m.name ?? m.givenName ?? 'DSL' });
    }
    token = page.continuationToken;
  } while (token);
  return members;
}
