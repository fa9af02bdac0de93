import type { Db } from '../store/db';
import { getDslChannel, registerDslChannel, replaceDslMembers } from '../store/conversation.repo';
import { DEMO_SCHOOL, type DemoSchool } from './playground-config';

/**
 * Settings for the demo school, applied under whatever the user set in the environment: the
 * Playground's tenant, its headteacher, DPO and IT manager. No chair of governors is in the
 * Playground's five users, so a concern about the headteacher shows the "held" receipt.
 */
export function demoEnvironment(demo: DemoSchool = DEMO_SCHOOL): Record<string, string> {
  return {
    BOOTSTRAP_TENANT_ID: demo.tenantId,
    SCHOOL_NAME: demo.schoolName,
    SCHOOL_TIMEZONE: demo.timeZone,
    ADMIN_AAD_IDS: demo.users.danaLead.aadObjectId,
    HEADTEACHER_AAD_ID: demo.users.jordanHead.aadObjectId,
    DPO_AAD_ID: demo.users.morganOffice.aadObjectId,
    IT_MANAGER_AAD_ID: demo.users.morganOffice.aadObjectId,
  };
}

/**
 * Registers the Playground's "Safeguarding" channel as the DSL channel, as an admin typing
 * `setup` there would, with the demo DSLs as its roster. Idempotent.
 */
export async function registerDemoDslChannel(db: Db, serviceUrl: string, demo: DemoSchool = DEMO_SCHOOL): Promise<void> {
  const existing = await getDslChannel(db, demo.tenantId);
  if (existing?.channelId === demo.team.safeguarding.id && existing.serviceUrl === serviceUrl) return;
  await registerDslChannel(db, {
    tenantId: demo.tenantId,
    teamId: demo.team.id,
    channelId: demo.team.safeguarding.id,
    channelName: demo.team.safeguarding.name,
    serviceUrl,
    botId: demo.bot.id,
    registeredBy: demo.users.danaLead.aadObjectId,
  });
  await replaceDslMembers(
    db,
    demo.tenantId,
    Object.values(demo.users)
      .filter((u) => u.isDsl)
      .map((u) => ({ aadObjectId: u.aadObjectId, teamsUserId: u.id, displayName: u.name })),
  );
}
