import type { Db } from '../store/db';
import { silentLogger } from '../logging';
import { leaseKeeper } from './job-lease';

// A store stand-in: the renewal UPDATE answers one row while the lease is still ours.
function leaseDb(stillOurs: () => boolean) {
  const db = { kind: 'pglite', renewals: 0, async query() { db.renewals += 1; return stillOurs() ? [{ '?column?': 1 }] : []; } };
  return db as typeof db & Db;
}
const flush = () => new Promise((r) => jest.requireActual<typeof import('node:timers')>('node:timers').setImmediate(r));

describe('leaseKeeper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('renews at most once a minute while the job holds the lease', async () => {
    const db = leaseDb(() => true);
    const onLost = jest.fn();
    const keep = leaseKeeper({ db, tenantId: 't', job: 'j', holder: 'me', leaseMs: 60_000, now: () => new Date(), logger: silentLogger, onLost });
    keep();
    expect(db.renewals).toBe(0);
    jest.advanceTimersByTime(61_000);
    keep();
    keep();
    await flush();
    expect(db.renewals).toBe(1);
    expect(onLost).not.toHaveBeenCalled();
  });

  it('tells the job when the lease has passed to another holder', async () => {
    const db = leaseDb(() => false);
    const onLost = jest.fn();
    const keep = leaseKeeper({ db, tenantId: 't', job: 'j', holder: 'me', leaseMs: 60_000, now: () => new Date(), logger: silentLogger, onLost });
    jest.advanceTimersByTime(61_000);
    keep();
    await flush();
    expect(onLost).toHaveBeenCalledTimes(1);
  });
});
