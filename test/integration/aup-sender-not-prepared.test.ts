import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { listAupSends, listStuckAupSends, replaceAudienceMembers, requeueStuckAupSends } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { AupSender, NOT_PREPARED_REASON } from '../../src/jobs/aup-sender';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { createTestDb, storeKind } from '../support/test-db';
import { RecordingGateway } from '../support/recording-gateway';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

// One person's card cannot be prepared: reading where their chat is fails every time (a corrupt
// row, a permission taken away). It must not be tried for ever: after AUP_MAX_SEND_ATTEMPTS it
// ends 'failed' with fixed words, is listed by `jigsaw aup stuck`, and `jigsaw aup retry` sends it.
const TENANT = 'aup-sender-not-prepared-tenant';
const [A, B, ADMIN] = [personId(1), personId(2), personId(60)];
const NAMES: Record<string, string> = { [A]: 'Alice Able', [B]: 'Bob Baker' };
const MAX_ATTEMPTS = 3;

/** The store, except that reading B's personal chat fails while `broken` is set; counts the refusals. */
function brokenChatOf(db: Db, aadObjectId: string): { db: Db; refusals: () => number; mend: () => void } {
  let broken = true;
  let refusals = 0;
  const wrapped: Db = {
    kind: db.kind,
    async query(text, params) {
      if (broken && /FROM personal_conversations/.test(text) && params?.includes(aadObjectId)) {
        refusals++;
        throw new Error(`could not read the chat of ${NAMES[aadObjectId]}`);
      }
      return db.query(text, params);
    },
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return { db: wrapped, refusals: () => refusals, mend: () => (broken = false) };
}

describe(`AUP sender: a card that cannot be prepared (${storeKind()})`, () => {
  let db: Db;
  const now = () => new Date();
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
  });
  afterAll(() => db.close());

  it('is tried AUP_MAX_SEND_ATTEMPTS times, then failed with a clear reason; a retry sends it once fixed', async () => {
    const gateway = new RecordingGateway(ADMIN);
    await replaceAudienceMembers(db, TENANT, 'staff', [A, B].map((id) => ({ personId: id, aadObjectId: id, displayName: NAMES[id]! })), 'group', now());
    const { version } = await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
    const store = brokenChatOf(db, B);
    const sender = new AupSender(
      { db: store.db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now },
      { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 1, maxAttempts: MAX_ATTEMPTS, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 40 },
    );
    try {
      sender.start();
      sender.poke();
      await sender.idle(20_000);
      expect(store.refusals()).toBe(MAX_ATTEMPTS);
      expect(gateway.take().map((s) => s.to)).toEqual([A]);
      const rows = await listAupSends(db, TENANT, version.versionId, 'ask');
      expect(rows.map((s) => [s.personId, s.status, s.lastError])).toEqual([
        [A, 'sent', undefined],
        [B, 'failed', NOT_PREPARED_REASON],
      ]);
      const stuck = await listStuckAupSends(db, TENANT, version.versionId);
      expect(stuck.map((s) => [s.displayName, s.status, s.reason])).toEqual([['Bob Baker', 'failed', NOT_PREPARED_REASON]]);
      // The reason is fixed words: nothing of the error (which named the person) is stored.
      expect(NOT_PREPARED_REASON).not.toContain('Bob');

      // The cause is fixed and the admin retries: the card goes, once.
      store.mend();
      expect(await requeueStuckAupSends(db, TENANT, version.versionId, stuck.map((s) => s.sendId), now())).toHaveLength(1);
      sender.poke();
      await sender.idle(20_000);
      expect(gateway.take().map((s) => s.to)).toEqual([B]);
      expect((await listAupSends(db, TENANT, version.versionId, 'ask')).map((s) => s.status)).toEqual(['sent', 'sent']);
    } finally {
      await sender.stop();
    }
  });
});
