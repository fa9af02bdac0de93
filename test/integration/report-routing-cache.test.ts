import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/store/db';
import { ConcernRepository } from '../../src/store/concern.repo';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { assignRole, clearRole, RoutingDirectoryCache, upsertTenant } from '../../src/store/tenant.repo';
import { registerDslChannel } from '../../src/store/conversation.repo';
import { listOutbox } from '../../src/store/outbox.repo';
import { submitConcernReport } from '../../src/services/report-concern';
import { reporterStatusText } from '../../src/services/tab-concerns';
import { TabConcernRepository } from '../../src/store/tab-concerns.repo';
import { createTestDb, storeKind } from '../support/test-db';

// The intake keeps the routing directory between reports; every insert checks it against the
// store in the same statement, so a role or channel changed anywhere (another instance, the
// CLI) routes the very next concern, and a stale check writes nothing, not even a reference.
describe(`routing directory kept between reports (${storeKind()})`, () => {
  const TENANT = '6f1c2b3a-0000-4000-8000-0000000000c7';
  const reporter = { aadObjectId: 'aaaaaaaa-0000-4000-8000-0000000000c7', name: 'Sam Teacher' };
  const head1 = 'cccccccc-0000-4000-8000-000000000001';
  const head2 = 'cccccccc-0000-4000-8000-000000000002';
  const concerns = new ConcernRepository(NarrativeCipher.fromConfig(`k1:${Buffer.alloc(32, 7).toString('base64')}`));
  const routing = new RoutingDirectoryCache();
  let db: Db;
  const report = (about: 'pupil' | 'adult') =>
    submitConcernReport(
      { db, concerns, now: () => new Date(), routing },
      {
        tenantId: TENANT,
        timeZone: 'Europe/London',
        reporter,
        submissionId: randomUUID(),
        raw: { about, category: about === 'adult' ? 'concern-about-adult' : 'online-bullying', pupils: about === 'pupil' ? 'Amelia Okonkwo' : '', adultName: about === 'adult' ? 'Mr Example' : '', whatHappened: 'Something the DSL must know.', occurredOn: '2026-11-20', location: 'Online', urgency: 'standard' },
      },
    );
  const accepted = async (about: 'pupil' | 'adult') => {
    const outcome = await report(about);
    if (outcome.kind !== 'accepted') throw new Error(`refused: ${JSON.stringify(outcome.errors)}`);
    return outcome;
  };
  const outboxFor = async (concernId: string) => (await listOutbox(db, TENANT)).filter((m) => m.payload.concernId === concernId).map((m) => ({ kind: m.kind, target: m.targetKey, status: m.status }));

  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Avenue House', timeZone: 'Europe/London' });
    await assignRole(db, TENANT, 'headteacher', head1);
  });
  afterAll(() => db.close());

  it('routes with a role changed after the directory was kept', async () => {
    const first = await accepted('adult');
    expect(await outboxFor(first.concern.concernId)).toEqual([{ kind: 'concern.send-to-person', target: `user:${head1}`, status: 'pending' }]);

    // Changed behind the cache's back (as another instance or the CLI would).
    await clearRole(db, TENANT, 'headteacher');
    await assignRole(db, TENANT, 'headteacher', head2);
    const [{ n: countersBefore }] = await db.query<{ n: number }>('SELECT last_value AS n FROM concern_reference_counters WHERE tenant_id = $1', [TENANT]);
    const second = await accepted('adult');
    expect(await outboxFor(second.concern.concernId)).toEqual([{ kind: 'concern.send-to-person', target: `user:${head2}`, status: 'pending' }]);
    // The refused first attempt used no reference number.
    expect(Number(second.concern.reference.slice(-5))).toBe(Number(countersBefore) + 1);
  });

  it('holds the channel card until a channel exists, and posts the next one at once after setup', async () => {
    const held = await accepted('pupil');
    expect(held.problems).toEqual(['no-dsl-channel']);
    expect(await outboxFor(held.concern.concernId)).toEqual([{ kind: 'concern.post-to-dsl-channel', target: 'dsl-channel', status: 'held' }]);
    // The reporter's "My reports" says it is not delivered, as the receipt did.
    const mine = await new TabConcernRepository(NarrativeCipher.fromConfig(`k1:${Buffer.alloc(32, 7).toString('base64')}`)).listReportsBy(db, TENANT, reporter.aadObjectId);
    const row = mine.find((r) => r.reference === held.concern.reference);
    expect(row && reporterStatusText(row)).toBe('Not delivered yet: the DSL channel is not set up. Speak to a DSL in person');

    await registerDslChannel(db, { tenantId: TENANT, teamId: 'team', channelId: 'channel', serviceUrl: 'https://teams.example/', botId: '28:bot', registeredBy: head2 });
    const posted = await accepted('pupil');
    expect(posted.problems).toEqual([]);
    expect(await outboxFor(posted.concern.concernId)).toEqual([{ kind: 'concern.post-to-dsl-channel', target: 'dsl-channel', status: 'pending' }]);
  });

  it('writes nothing when the insert is given a directory the store no longer holds', async () => {
    const concernId = randomUUID();
    const now = new Date();
    const stale = '{"channel" : false, "roles" : {}}';
    await expect(
      concerns.insert(
        db,
        { tenantId: TENANT, concernId, reporter, report: { pupils: ['A Pupil'], about: 'pupil', category: 'online-bullying', whatHappened: 'x', occurredOn: '2026-11-20', location: 'y', urgency: 'standard' }, recipient: 'dsl-team', now },
        { type: 'reported', actor: reporter, details: {} },
        { outbox: [{ tenantId: TENANT, idempotencyKey: `concern:${concernId}:dsl-channel`, kind: 'concern.post-to-dsl-channel', targetKey: 'dsl-channel', payload: { concernId } }], routingInputs: stale },
      ),
    ).rejects.toMatchObject({ name: 'StaleRoutingError' });
    for (const table of ['concerns', 'concern_keys', 'concern_pupils', 'concern_events']) {
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE concern_id = $1`, [concernId]);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    expect(await outboxFor(concernId)).toEqual([]);
  });
});
