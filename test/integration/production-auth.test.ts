import { loadConfig } from '../../src/config';
import { createJigsaw, type Jigsaw } from '../../src/app';
import { silentLogger } from '../../src/logging';
import { personalInvoke, personalMessage } from '../support/activities';
import { PEOPLE, SCHOOL, TEST_ENCRYPTION_KEYS } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';

describe(`production mode (${storeKind()})`, () => {
  let app: Jigsaw;
  let url: string;
  beforeAll(async () => {
    const config = loadConfig({
      BOT_ID: '00000000-1111-4222-8333-444444444444',
      BOT_PASSWORD: 'not-a-real-secret',
      BOT_TENANT_ID: SCHOOL.tenantId,
      ALLOWED_TENANT_IDS: SCHOOL.tenantId,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      BOOTSTRAP_TENANT_ID: SCHOOL.tenantId,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    expect(config.mode).toBe('production');
    app = await createJigsaw(config, { logger: silentLogger, db: await createTestDb(), runWorker: false });
    url = (await app.start()).url;
  });
  afterAll(async () => {
    await app.stop();
    await app.db.close();
  });

  const ctx = { serviceUrl: 'http://127.0.0.1:9/never-called', tenantId: SCHOOL.tenantId, botId: '28:bot' };
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it.each([
    ['no Authorization header', {}],
    ['a malformed bearer token', { authorization: 'Bearer not-a-jwt' }],
    ['a token with no signature', { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"aud":"x"}').toString('base64url')}.` }],
    ['a non-bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('rejects a message with %s with 401 and does nothing', async (_name, headers) => {
    const res = await post(personalMessage(ctx, PEOPLE.teacher, 'a:1conv', 'hello'), headers);
    expect(res.status).toBe(401);
  });

  it('rejects an unauthenticated card submission with 401 and stores nothing', async () => {
    const res = await post(
      personalInvoke(ctx, PEOPLE.teacher, 'a:1conv', 'report.submit', {
        submissionId: '00000000-0000-4000-8000-00000000aaaa',
        category: 'online-bullying',
        about: 'pupil',
        pupils: 'X',
        whatHappened: 'An attacker tries to inject a concern.',
        occurredOn: '2026-11-20',
        location: 'nowhere',
        urgency: 'standard',
      }),
    );
    expect(res.status).toBe(401);
    expect(await app.db.query('SELECT 1 FROM concerns')).toHaveLength(0);
  });
});
