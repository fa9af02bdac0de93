import type { Db } from '../store/db';
import { getDslChannel, getPersonalConversation, listDslMembers } from '../store/conversation.repo';
import type { PersonTarget } from './teams-gateway';

/**
 * Where a 1:1 message to someone goes: their personal chat with the bot when we know it;
 * otherwise a new chat is created through the DSL channel's service URL (the tenant's region),
 * with the Teams user id from the roster when the person is a DSL.
 */
export async function personTarget(deps: { db: Db; defaultServiceUrl: string; botId: string }, tenantId: string, aadObjectId: string): Promise<PersonTarget> {
  const known = await getPersonalConversation(deps.db, tenantId, aadObjectId);
  if (known) return { tenantId, aadObjectId, conversationId: known.conversationId, teamsUserId: known.teamsUserId, serviceUrl: known.serviceUrl, botId: known.botId };
  const channel = await getDslChannel(deps.db, tenantId);
  const member = (await listDslMembers(deps.db, tenantId)).find((m) => m.aadObjectId === aadObjectId);
  return { tenantId, aadObjectId, teamsUserId: member?.teamsUserId, serviceUrl: channel?.serviceUrl ?? deps.defaultServiceUrl, botId: deps.botId };
}
