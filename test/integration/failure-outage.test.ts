import { REPORT_VERBS } from '../../src/cards/report-card';
import { cardText } from '../support/card-validation';
import { eventually, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';

/**
 * Teams unreachable for a simulated 10 minutes, on PostgreSQL.
 *
 * Compression: Jigsaw's clock (the `now` it is given: outbox due times, back-off, lag) runs
 * 60× faster than real time, so 10 simulated minutes take 10 real seconds; the back-off settings
 * (OUTBOX_MIN_BACKOFF_MS=1000, OUTBOX_MAX_BACKOFF_SECONDS=60) are in simulated time, as in
 * production. botbuilder's own connector retries (3, at 0.5–4 s) run on the real clock, so one
 * delivery attempt against a down connector costs 3–7 real seconds = 3–7 simulated minutes:
 * fewer attempts than a real outage would see, which this test does not depend on.
 */
const run = process.env.JIGSAW_TEST_STORE === 'postgres' ? describe : describe.skip;
const SPEED = 60;

run('failure: Teams down for a simulated 10 minutes (postgres; the PGlite project skips it, the outbox suite covers PGlite)', () => {
  let h: Harness;
  const realStart = Date.now();
  const simulated = () => new Date(realStart + (Date.now() - realStart) * SPEED);
  beforeAll(async () => {
    h = await startHarness({
      now: simulated,
      connector: { rateLimits: false },
      env: { OUTBOX_MIN_BACKOFF_MS: '1000', OUTBOX_MAX_BACKOFF_SECONDS: '60', OUTBOX_ALERT_AFTER_ATTEMPTS: '1000', READY_MAX_OUTBOX_LAG_SECONDS: '120' },
    });
  });
  afterAll(() => h.stop());

  it('drains the outbox afterwards, in order, exactly once', async () => {
    await h.fake.down('refuse');
    const outageStart = simulated().getTime();
    const references: string[] = [];
    // Ten reports spread over the outage, one every 54 simulated seconds. This waits for a time on
    // Jigsaw's clock, not for background work: the clock follows the real one (see above).
    for (let i = 0; i < 10; i++) {
      while (simulated().getTime() - outageStart < i * 54_000) await new Promise((r) => setTimeout(r, 20));
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
        category: 'online-bullying',
        about: 'pupil',
        pupils: 'Outage Pupil',
        whatHappened: `Report ${i} made while Teams was unreachable.`,
        occurredOn: '2026-11-20',
        location: 'Library',
        urgency: 'standard',
        submissionId: `00000000-0000-4000-8000-0000000a${String(i).padStart(4, '0')}`,
      });
      references.push(/C-\d{4}-\d{5}/.exec(cardText(res.body.value))![0]);
    }
    // Until 10 simulated minutes have passed since the outage began.
    while (simulated().getTime() - outageStart < 10 * 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(h.fake.findByText(/Concern C-/).filter((m) => m.conversationId === SCHOOL.dslChannel.id)).toHaveLength(0);
    const duringOutage = await h.db.query<{ attempts: number }>("SELECT attempts FROM outbox WHERE kind = 'concern.post-to-dsl-channel' AND status <> 'sent'");
    expect(duringOutage).toHaveLength(10);
    // Retried with back-off during the outage (the head of the queue at least once).
    expect(Math.max(...duringOutage.map((r) => r.attempts))).toBeGreaterThanOrEqual(1);
    // The backlog is visible to the platform: not ready while lag exceeds the threshold.
    expect((await fetch(`${h.url}/readyz`)).status).toBe(503);

    await h.fake.up();
    const posted = () => h.fake.findByText(/"text":"Concern C-\d{4}-\d{5}"/).filter((m) => m.conversationId === SCHOOL.dslChannel.id);
    await eventually(() => posted().length >= 10, 60_000, 'backlog delivered');
    // Everything delivered, then the worker stopped, which waits for any delivery in progress:
    // from then on nothing more reaches Teams, so a duplicate would be in what we count.
    await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 30_000, 'outbox drained');
    await h.app.worker.stop();
    const order = posted().map((m) => /Concern (C-\d{4}-\d{5})/.exec(JSON.stringify(m.body))![1]);
    expect(order).toEqual(references);
    expect(await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).toEqual([]);
    await eventually(async () => (await fetch(`${h.url}/readyz`)).status === 200, 5000, 'ready again');
  }, 120_000);
});
