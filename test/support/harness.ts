import { loadConfig } from '../../src/config';
import { createJigsaw, type Jigsaw, type JigsawOptions } from '../../src/app';
import { createLogger, silentLogger } from '../../src/logging';
import type { Db } from '../../src/store/db';
import { createTeamsConnectorFake, type TeamsConnectorFake, type TeamsConnectorFakeOptions } from '../fakes/teams-connector';
import { type ActivityContext, channelMessage, personalInvoke, personalMessage, type TestUser } from './activities';
import { createTestDb } from './test-db';

export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 0x5a).toString('base64')}`;

/** A demo school used across integration tests. Ids are shaped like Entra/Teams ids. */
export const SCHOOL = {
  tenantId: '6f1c2b3a-0000-4000-8000-000000000001',
  botId: '28:jigsaw-bot',
  team: { id: '19:safeguardingteam0000000000000000@thread.tacv2', name: 'Safeguarding' },
  dslChannel: { id: '19:dslprivatechannel000000000000@thread.tacv2', name: 'DSL team' },
};

const user = (aadObjectId: string, name: string): TestUser => ({ aadObjectId, name, teamsId: `29:${aadObjectId}` });
export const PEOPLE = {
  teacher: user('aaaaaaaa-0000-4000-8000-00000000000a', 'Sam Teacher'),
  dsl1: user('bbbbbbbb-0000-4000-8000-00000000000b', 'Dana Lead'),
  dsl2: user('cccccccc-0000-4000-8000-00000000000c', 'Priya Deputy'),
  head: user('dddddddd-0000-4000-8000-00000000000d', 'Helen Head'),
  chair: user('eeeeeeee-0000-4000-8000-00000000000e', 'Chris Chair'),
  dpo: user('ffffffff-0000-4000-8000-00000000000f', 'Dee DPO'),
  admin: user('abababab-0000-4000-8000-0000000000ab', 'Ari Admin'),
};

export interface Harness {
  app: Jigsaw;
  fake: TeamsConnectorFake;
  db: Db;
  url: string;
  ctx: ActivityContext;
  post(activity: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  say(who: TestUser, text: string): Promise<{ status: number; body: any }>;
  invoke(who: TestUser, verb: string, data: Record<string, unknown>): Promise<{ status: number; body: any }>;
  inChannel(who: TestUser, text: string): Promise<{ status: number; body: any }>;
  personalConversationId(who: TestUser): string;
  stop(): Promise<void>;
}

export async function startHarness(options: { env?: Record<string, string>; connector?: TeamsConnectorFakeOptions; fake?: TeamsConnectorFake; db?: Db; registerChannel?: boolean; now?: () => Date; jigsaw?: Partial<JigsawOptions> } = {}): Promise<Harness> {
  const fake = options.fake ?? await createTeamsConnectorFake({
    tenantId: SCHOOL.tenantId,
    botId: SCHOOL.botId,
    users: Object.values(PEOPLE).map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, id: p.teamsId })),
    teams: [
      {
        id: SCHOOL.team.id,
        name: SCHOOL.team.name,
        members: Object.values(PEOPLE).map((p) => p.aadObjectId),
        channels: [{ id: SCHOOL.dslChannel.id, name: SCHOOL.dslChannel.name, membershipType: 'private', members: [PEOPLE.dsl1.aadObjectId, PEOPLE.dsl2.aadObjectId, PEOPLE.admin.aadObjectId] }],
      },
    ],
    ...options.connector,
  });
  const db = options.db ?? (await createTestDb());
  const cleanupOnFailure = async () => {
    if (!options.fake) await fake.stop();
    if (!options.db) await db.close();
  };
  const config = loadConfig({
    PORT: '0',
    BOOTSTRAP_TENANT_ID: SCHOOL.tenantId,
    SCHOOL_NAME: 'Halley Primary',
    ADMIN_AAD_IDS: PEOPLE.admin.aadObjectId,
    HEADTEACHER_AAD_ID: PEOPLE.head.aadObjectId,
    CHAIR_AAD_ID: PEOPLE.chair.aadObjectId,
    DPO_AAD_ID: PEOPLE.dpo.aadObjectId,
    OUTBOX_POLL_MS: '20',
    // A fixed key: a restarted app on the same store must decrypt what the first one wrote.
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...options.env,
  });
  let app: Jigsaw;
  let server: Awaited<ReturnType<Jigsaw['start']>>;
  try {
    app = await createJigsaw(config, { logger: process.env.TEST_LOG_LEVEL ? createLogger(process.env.TEST_LOG_LEVEL) : silentLogger, db, now: options.now, defaultServiceUrl: fake.serviceUrl, ...options.jigsaw });
    server = await app.start();
  } catch (err) {
    await cleanupOnFailure();
    throw err;
  }
  const ctx: ActivityContext = { serviceUrl: fake.serviceUrl, tenantId: SCHOOL.tenantId, botId: SCHOOL.botId };

  const post = async (activity: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(activity) });
    const raw = await response.text();
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: response.status, body };
  };
  const personalConversationId = (who: TestUser) => fake.personalConversationId(who.aadObjectId);
  const harness: Harness = {
    app,
    fake,
    db,
    url: server.url,
    ctx,
    post,
    say: (who, text) => post(personalMessage(ctx, who, personalConversationId(who), text)),
    invoke: (who, verb, data) => post(personalInvoke(ctx, who, personalConversationId(who), verb, data)),
    inChannel: (who, text) => post(channelMessage(ctx, who, SCHOOL.team, SCHOOL.dslChannel, text)),
    personalConversationId,
    async stop() {
      await app.stop();
      if (!options.fake) await fake.stop();
      if (!options.db) await db.close();
    },
  };
  if (options.registerChannel !== false) {
    const setup = await harness.inChannel(PEOPLE.admin, '<at>Jigsaw</at> setup');
    if (setup.status !== 200) throw new Error(`setup failed: ${setup.status}`);
  }
  return harness;
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value; // note: [] is truthy; use eventuallySome for lists
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `find` returns a non-empty list. */
export function eventuallySome<T>(find: () => T[] | Promise<T[]>, timeoutMs = 10_000, what = 'items'): Promise<T[]> {
  return eventually(async () => {
    const found = await find();
    return found.length ? found : undefined;
  }, timeoutMs, what);
}
