import { Writable } from 'node:stream';
import { REPORT_VERBS } from '../../src/cards/report-card';
import { loadConfig } from '../../src/config';
import { createJigsaw } from '../../src/app';
import { createLogger, silentLogger } from '../../src/logging';
import type { Db } from '../../src/store/db';
import { cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness, TEST_ENCRYPTION_KEYS } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';

const DETAILS = {
  category: 'online-bullying',
  about: 'pupil',
  pupils: 'Tallulah Featherstonehaugh (5C)\nZebedee Quartermaine',
  whatHappened: 'Tallulah said an older cousin films her on a tablet at the weekend and posts the clips.',
  childWords: 'He says it is our secret game and I must not tell Mum.',
  occurredOn: '2026-11-19',
  location: 'At home, reported in the Blue Room',
  actionTaken: 'Listened, did not ask leading questions, wrote this down straight away.',
  urgency: 'urgent',
};
/** Everything personal the journey uses: none of it may appear in a log line. */
const SENSITIVE = ['Tallulah', 'Featherstonehaugh', 'Zebedee', 'Quartermaine', 'older cousin', 'films her', 'secret game', 'not tell Mum', 'Blue Room', 'leading questions', 'Whisper-Willow'];

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

/**
 * A Db whose queries fail while `broken` is set, and never answer while `hung` is (a network that
 * silently drops traffic) until `release()`: the store "unreachable" without stopping it.
 */
function breakable(db: Db): Db & { broken: boolean; hung: boolean; release(): void } {
  const waiting: ((err: Error) => void)[] = [];
  const wrapper = Object.create(db) as Db & { broken: boolean; hung: boolean; release(): void };
  wrapper.broken = false;
  wrapper.hung = false;
  wrapper.release = () => {
    wrapper.hung = false;
    for (const reject of waiting.splice(0)) reject(new Error('connection reset'));
  };
  wrapper.query = (text, params) => {
    if (wrapper.hung) return new Promise((_resolve, reject) => waiting.push(reject));
    return wrapper.broken ? Promise.reject(new Error('connection refused')) : db.query(text, params);
  };
  return wrapper;
}

describe(`health, metrics and logs (${storeKind()})`, () => {
  describe('readiness and metrics', () => {
    let h: Harness;
    // Starts at the real time: outbox rows take created_at from the database's clock.
    let clock = Date.now();
    let db: ReturnType<typeof breakable>;
    beforeAll(async () => {
      db = breakable(await createTestDb());
      h = await startHarness({ db, now: () => new Date(clock), connector: { rateLimits: false }, env: { READY_MAX_OUTBOX_LAG_SECONDS: '60', OUTBOX_MIN_BACKOFF_MS: '50', OUTBOX_MAX_BACKOFF_SECONDS: '1' } });
    });
    afterAll(async () => {
      db.release();
      await h.stop();
      db.broken = false;
      await Object.getPrototypeOf(db).close();
    });

    it('is alive and ready with an empty outbox', async () => {
      expect(await json(await fetch(`${h.url}/healthz`))).toEqual({ status: 200, body: { status: 'alive' } });
      const ready = await json(await fetch(`${h.url}/readyz`));
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ store: 'ok', outboxLagSeconds: 0, maxOutboxLagSeconds: 60 });
    });

    it('reports outbox lag over READY_MAX_OUTBOX_LAG_SECONDS as not ready, and ready again once drained', async () => {
      await h.fake.down('503');
      clock = Date.now();
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, urgency: 'standard', submissionId: '00000000-0000-4000-8000-0000000000e1' });
      expect(cardText(res.body.value)).toMatch(/C-\d{4}-\d{5}/);
      clock += 120_000;
      const notReady = await json(await fetch(`${h.url}/readyz`));
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks.outboxLagSeconds).toBeGreaterThanOrEqual(120);

      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toMatch(/^jigsaw_outbox_pending [1-9]/m);
      expect(Number(/^jigsaw_outbox_lag_seconds (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(120);
      expect(metrics).toContain('# TYPE jigsaw_outbox_deliveries_total counter');

      await h.fake.up();
      // The app's clock stands still unless moved: move it past the outbox's back-off (at most
      // OUTBOX_MAX_BACKOFF_SECONDS) so the retry after the outage falls due.
      await eventually(
        async () => {
          clock += 1_000;
          return (await fetch(`${h.url}/readyz`)).status === 200;
        },
        20_000,
        'ready again',
      );
      const after = await (await fetch(`${h.url}/metrics`)).text();
      expect(after).toMatch(/^jigsaw_outbox_pending 0$/m);
      expect(after).toMatch(/^jigsaw_outbox_deliveries_total\{outcome="sent",kind="concern.post-to-dsl-channel"\} [1-9]/m);
      // Metrics carry kinds and outcomes only.
      for (const s of SENSITIVE) expect(after).not.toContain(s);
    }, 40_000);

    it('reports an unreachable store as not ready (503), and recovers', async () => {
      db.broken = true;
      const res = await json(await fetch(`${h.url}/readyz`));
      expect(res).toEqual({ status: 503, body: { ready: false, checks: { store: 'unreachable' } } });
      expect(await (await fetch(`${h.url}/metrics`)).text()).toMatch(/^jigsaw_store_up 0$/m);
      db.broken = false;
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    });

    it('answers not ready (503) when the store does not answer at all, rather than leaving the probe waiting', async () => {
      db.hung = true;
      try {
        const res = await json(await fetch(`${h.url}/readyz`));
        expect(res).toEqual({ status: 503, body: { ready: false, checks: { store: 'unreachable' } } });
      } finally {
        db.release();
      }
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    }, 20_000);
  });

  describe('/metrics in production mode', () => {
    const production = (extra: Record<string, string>) =>
      loadConfig({ BOT_ID: '00000000-1111-4222-8333-444444444444', BOT_PASSWORD: 'x', BOT_TENANT_ID: SCHOOL.tenantId, ALLOWED_TENANT_IDS: SCHOOL.tenantId, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, PORT: '0', LOG_LEVEL: 'silent', ...extra });

    it('is absent without METRICS_TOKEN, and needs the bearer token with it', async () => {
      const db = await createTestDb();
      try {
        const closed = await createJigsaw(production({}), { logger: silentLogger, db, runWorker: false });
        const closedUrl = (await closed.start()).url;
        expect((await fetch(`${closedUrl}/metrics`)).status).toBe(404);
        await closed.stop();

        const token = 'metrics-token-0123456789abcdef';
        const open = await createJigsaw(production({ METRICS_TOKEN: token }), { logger: silentLogger, db, runWorker: false });
        const url = (await open.start()).url;
        expect((await fetch(`${url}/metrics`)).status).toBe(401);
        expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcd' } })).status).toBe(401);
        const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(ok.status).toBe(200);
        expect(ok.headers.get('content-type')).toContain('text/plain; version=0.0.4');
        expect(await ok.text()).toContain('jigsaw_outbox_pending');
        await open.stop();
      } finally {
        await db.close();
      }
    });
  });

  describe('logs of a full report journey at debug level', () => {
    const lines: string[] = [];
    let h: Harness;
    beforeAll(async () => {
      const sink = new Writable({
        write(chunk, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      h = await startHarness({ connector: { rateLimits: false }, env: { LOG_LEVEL: 'debug' }, jigsaw: { logger: createLogger('debug', sink) } });
    });
    afterAll(() => h.stop());

    it('contain no pupil name, narrative or child\'s words', async () => {
      await h.say(PEOPLE.teacher, 'hello');
      // Typed straight into the chat: the text is kept in the form, never logged.
      await h.say(PEOPLE.teacher, 'I am worried about Tallulah Featherstonehaugh, her cousin films her');
      const start = await h.invoke(PEOPLE.teacher, REPORT_VERBS.chooseCategory, { category: DETAILS.category, about: 'pupil', submissionId: '00000000-0000-4000-8000-0000000000f1', kept: { pupils: DETAILS.pupils } });
      expect(start.status).toBe(200);
      // An invalid attempt (values echoed back in the form), then the real one.
      await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, whatHappened: 'Whisper-Willow', submissionId: '00000000-0000-4000-8000-0000000000f1' });
      const receipt = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, submissionId: '00000000-0000-4000-8000-0000000000f1' });
      const reference = /C-\d{4}-\d{5}/.exec(cardText(receipt.body.value))?.[0];
      expect(reference).toBeDefined();
      // Delivered to the channel (and the urgent @mention), then a repeat submission.
      await eventuallySome(() => h.fake.findByText(`Concern ${reference}`), 5000, 'channel card');
      await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...DETAILS, submissionId: '00000000-0000-4000-8000-0000000000f1' });
      await h.say(PEOPLE.teacher, 'help');
      await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(5);
      // The log is useful: it names the concern by reference.
      expect(log).toContain(reference!);
      for (const s of SENSITIVE) expect({ term: s, found: log.includes(s) }).toEqual({ term: s, found: false });
    });
  });
});
