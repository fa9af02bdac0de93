import type { Db } from './db';

/** Where the bot can reach a user or the DSL channel proactively. Plain data, no SDK types. */
export interface PersonalConversation {
  tenantId: string;
  aadObjectId: string;
  teamsUserId: string;
  conversationId: string;
  serviceUrl: string;
  botId: string;
  displayName?: string;
}

export interface DslChannel {
  tenantId: string;
  teamId: string;
  channelId: string;
  channelName?: string;
  serviceUrl: string;
  botId: string;
  registeredBy: string;
}

export interface DslMember {
  aadObjectId: string;
  teamsUserId: string;
  displayName: string;
}

export async function savePersonalConversation(db: Db, c: PersonalConversation): Promise<void> {
  await db.query(
    `INSERT INTO personal_conversations (tenant_id, aad_object_id, teams_user_id, conversation_id, service_url, bot_id, display_name, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (tenant_id, aad_object_id) DO UPDATE SET teams_user_id = EXCLUDED.teams_user_id,
       conversation_id = EXCLUDED.conversation_id, service_url = EXCLUDED.service_url, bot_id = EXCLUDED.bot_id,
       display_name = COALESCE(EXCLUDED.display_name, personal_conversations.display_name), updated_at = now()`,
    [c.tenantId, c.aadObjectId, c.teamsUserId, c.conversationId, c.serviceUrl, c.botId, c.displayName ?? null],
  );
}

export async function getPersonalConversation(db: Db, tenantId: string, aadObjectId: string): Promise<PersonalConversation | undefined> {
  const [r] = await db.query<Record<string, string>>(
    'SELECT * FROM personal_conversations WHERE tenant_id = $1 AND aad_object_id = $2',
    [tenantId, aadObjectId],
  );
  return (
    r && {
      tenantId: r.tenant_id,
      aadObjectId: r.aad_object_id,
      teamsUserId: r.teams_user_id,
      conversationId: r.conversation_id,
      serviceUrl: r.service_url,
      botId: r.bot_id,
      displayName: r.display_name ?? undefined,
    }
  );
}

export async function registerDslChannel(db: Db, c: DslChannel): Promise<void> {
  await db.query(
    `INSERT INTO dsl_channels (tenant_id, team_id, channel_id, channel_name, service_url, bot_id, registered_by, registered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (tenant_id) DO UPDATE SET team_id = EXCLUDED.team_id, channel_id = EXCLUDED.channel_id,
       channel_name = EXCLUDED.channel_name, service_url = EXCLUDED.service_url, bot_id = EXCLUDED.bot_id,
       registered_by = EXCLUDED.registered_by, registered_at = now()`,
    [c.tenantId, c.teamId, c.channelId, c.channelName ?? null, c.serviceUrl, c.botId, c.registeredBy],
  );
}

export async function getDslChannel(db: Db, tenantId: string): Promise<DslChannel | undefined> {
  const [r] = await db.query<Record<string, string>>('SELECT * FROM dsl_channels WHERE tenant_id = $1', [tenantId]);
  return (
    r && {
      tenantId: r.tenant_id,
      teamId: r.team_id,
      channelId: r.channel_id,
      channelName: r.channel_name ?? undefined,
      serviceUrl: r.service_url,
      botId: r.bot_id,
      registeredBy: r.registered_by,
    }
  );
}

/**
 * Replaces the DSL roster with the channel's current members (one transaction) and returns who
 * left it. Who joined and
 * who left the DSL team is recorded in `role_changes` (role `dsl`), made by the channel's
 * membership in Teams, like any other role change: access to safeguarding data is audited.
 */
export async function replaceDslMembers(db: Db, tenantId: string, members: readonly DslMember[]): Promise<{ aadObjectId: string; displayName: string }[]> {
  return db.transaction(async (tx) => {
    const before = await tx.query<{ aad_object_id: string; display_name: string }>('SELECT aad_object_id, display_name FROM dsl_members WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
    const was = new Set(before.map((r) => r.aad_object_id));
    const now = new Set(members.map((m) => m.aadObjectId));
    const record = (aadObjectId: string, displayName: string, change: 'assigned' | 'removed') =>
      tx.query(
        `INSERT INTO role_changes (tenant_id, role, aad_object_id, display_name, change, by_aad_id, by_name) VALUES ($1, 'dsl', $2, $3, $4, 'teams', 'the DSL channel’s membership in Teams')`,
        [tenantId, aadObjectId, displayName, change],
      );
    const left = before.filter((r) => !now.has(r.aad_object_id)).map((r) => ({ aadObjectId: r.aad_object_id, displayName: r.display_name }));
    for (const r of left) await record(r.aadObjectId, r.displayName, 'removed');
    const added = new Set<string>();
    for (const m of members) if (!was.has(m.aadObjectId) && !added.has(m.aadObjectId)) {
      added.add(m.aadObjectId);
      await record(m.aadObjectId, m.displayName, 'assigned');
    }
    await tx.query('DELETE FROM dsl_members WHERE tenant_id = $1', [tenantId]);
    for (const m of members) {
      await tx.query(
        `INSERT INTO dsl_members (tenant_id, aad_object_id, teams_user_id, display_name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, aad_object_id) DO NOTHING`,
        [tenantId, m.aadObjectId, m.teamsUserId, m.displayName],
      );
    }
    return left;
  });
}

export async function listDslMembers(db: Db, tenantId: string): Promise<DslMember[]> {
  const rows = await db.query<{ aad_object_id: string; teams_user_id: string; display_name: string }>(
    'SELECT aad_object_id, teams_user_id, display_name FROM dsl_members WHERE tenant_id = $1 ORDER BY display_name, aad_object_id',
    [tenantId],
  );
  return rows.map((r) => ({ aadObjectId: r.aad_object_id, teamsUserId: r.teams_user_id, displayName: r.display_name }));
}
