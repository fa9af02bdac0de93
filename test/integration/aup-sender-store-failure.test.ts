import type { Db } from '../../src/store/db';
import { upsertTenant } from '../../src/store/tenant.repo';
import { replaceAudienceMembers } from '../../src/store/aup.repo';
import { publishAupVersion } from '../../src/services/aup-publish';
import { AupSender } from '../../src/jobs/aup-sender';
import { DEFAULT_AUP_RULES } from '../../src/domain/aup/status';
import { silentLogger } from '../../src/logging';
import { createTestDb, storeKind } from '../support/test-db';
import { RecordingGateway } from '../support/recording-gateway';
import { personId, STAFF_DRAFT } from '../support/aup-fixtures';

// Teams accepted the card, then the store refused to record it (a dropped connection, a
// statement timeout). The card is in the person's chat: the row must not go back to the queue
// (that would be a second card); it is left for the sweep or the next start to mark uncertain.
const TENANT = 'aup-sender-store-failure-tenant';
const [A, B, ADMIN] = [personId(1), personId(2), personId(60)];
const NAMES: Record<string, string> = { [A]: 'Alice Able', [B]: 'Bob Baker' };

/** The store, except that the first write recording a send as 'sent' fails (after Teams took the card). */
function failingFirstSentWrite(db: Db): { db: Db; failed: Promise<void> } {
  let fail = true;
  let signal!: () => void;
  const failed = new Promise<void>((r) => (signal = r));
  const wrapped: Db = {
    kind: db.kind,
    async query(text, params) {
      if (fail && /^\s*UPDATE aup_sends SET status = 'sent'/.test(text)) {
        fail = false;
        signal();
        throw new Error('connection terminated unexpectedly');
      }
      return db.query(text, params);
    },
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return { db: wrapped, failed };
}

describe(`AUP sender: a card Teams accepted but the store could not record (${storeKind()})`, () => {
  let db: Db;
  const now = () => new Date();
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Test School', timeZone: 'Europe/London' });
  });
  afterAll(() => db.close());

  it('is not sent again: the row becomes uncertain, everyone else gets one card', async () => {
    const gateway = new RecordingGateway(ADMIN);
    await replaceAudienceMembers(db, TENANT, 'staff', [A, B].map((id) => ({ personId: id, aadObjectId: id, displayName: NAMES[id]! })), 'group', now());
    await publishAupVersion({ db, now }, { tenantId: TENANT, draft: STAFF_DRAFT, publishedBy: ADMIN });
    const options = { sendsPerSecond: 50, perConversationPerSecond: 7, concurrency: 1, maxAttempts: 5, pollMs: 10, baseBackoffMs: 10, maxBackoffMs: 100 };
    const flaky = failingFirstSentWrite(db);
    const first = new AupSender({ db: flaky.db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now }, options);
    first.start();
    first.poke();
    await flaky.failed;
    await first.stop();

    // The service restarts: the next sender takes over whatever the first one left.
    const second = new AupSender({ db, gateway, logger: silentLogger, rules: DEFAULT_AUP_RULES, defaultServiceUrl: 'https://smba.example/teams/', botId: '28:bot', now }, options);
    second.start();
    await second.idle(10_000);
    await second.stop();

    const cards = gateway.take().map((s) => s.to);
    expect(cards.filter((to) => to === A)).toHaveLength(1);
    expect(cards.filter((to) => to === B)).toHaveLength(1);
    const rows = await db.query<{ person_id: string; status: string }>(`SELECT person_id, status FROM aup_sends WHERE tenant_id = $1 AND purpose = 'ask' ORDER BY person_id`, [TENANT]);
    // Exactly one of the two (whichever went first) could not be recorded: uncertain, not re-sent.
    expect(rows.map((r) => r.status).sort()).toEqual(['sent', 'uncertain']);
  });
});
