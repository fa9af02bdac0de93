import { randomUUID } from 'node:crypto';
import { ConcernRepository } from '../../src/store/concern.repo';
import type { Db } from '../../src/store/db';
import { NarrativeCipher } from '../../src/store/narrative-cipher';
import { TabConcernRepository } from '../../src/store/tab-concerns.repo';
import { upsertTenant } from '../../src/store/tenant.repo';
import { submitConcernReport } from '../../src/services/report-concern';
import { applyTriageAction } from '../../src/services/triage-concern';
import { buildGovernorReport, type GovernorReport } from '../../src/services/tab-reports';
import type { TriageCommand } from '../../src/domain/concerns/triage';
import { createTestDb, storeKind } from '../support/test-db';

// The governors' report is not live. A governor who read it every day used to see a category
// count go up by one (a concern of that kind reported that day), and status and outcome counts
// change (the day a concern was closed, and whether it went to the police). The report now covers
// the twelve complete months to the last one, each concern counted as it stood when that period
// ended, so it reads the same all month: nothing recorded after the period's end changes a figure.

const TENANT = randomUUID();
const KEYS = `k1:${Buffer.alloc(32, 0x47).toString('base64')}`;
const REPORTER = { aadObjectId: 'gov-period-reporter', name: 'Sam Teacher' };
const DSL = { aadObjectId: 'gov-period-dsl', name: 'Dana Lead' };

describe(`governors' report: a past period, as it stood at its end (${storeKind()})`, () => {
  let db: Db;
  let concerns: ConcernRepository;
  let tabConcerns: TabConcernRepository;
  let clock = new Date('2026-10-05T09:00:00Z');
  const tick = (minutes = 1) => (clock = new Date(clock.getTime() + minutes * 60_000));

  async function reportConcern(n: number): Promise<string> {
    tick();
    const outcome = await submitConcernReport(
      { db, concerns, now: () => clock },
      {
        tenantId: TENANT,
        timeZone: 'Europe/London',
        reporter: REPORTER,
        raw: { about: 'pupil', category: 'online-bullying', pupils: `Pupil ${n}`, whatHappened: `Messages in a group chat, case ${n}.`, occurredOn: clock.toISOString().slice(0, 10), location: 'Online', urgency: 'standard' },
      },
    );
    if (outcome.kind !== 'accepted') throw new Error(`report refused: ${outcome.kind}`);
    return outcome.concern.concernId;
  }

  async function triage(concernId: string, command: TriageCommand) {
    tick();
    const result = await applyTriageAction(
      { db, concerns, now: () => clock, patterns: { threshold: 100, windowDays: 30 } },
      { tenantId: TENANT, concernId, actor: DSL, command, actionId: randomUUID(), verb: `concern.${command.kind}` },
    );
    if (result.kind !== 'applied') throw new Error(`${command.kind} not applied: ${JSON.stringify(result).slice(0, 200)}`);
  }

  const readAt = (at: string): Promise<GovernorReport> =>
    buildGovernorReport({ db, tabConcerns, now: () => new Date(at), aupValidityMonths: 12, minCount: 3, timeZone: 'Europe/London' }, TENANT);
  const cell = (cells: { key: string; count: number | null }[], key: string) => cells.find((c) => c.key === key)?.count;

  let october: string[];
  beforeAll(async () => {
    db = await createTestDb();
    await upsertTenant(db, { tenantId: TENANT, schoolName: 'Period Primary', timeZone: 'Europe/London' });
    const cipher = NarrativeCipher.fromConfig(KEYS);
    concerns = new ConcernRepository(cipher);
    tabConcerns = new TabConcernRepository(cipher);
    // October: twelve concerns; three left new, three acknowledged, three in progress, three closed.
    october = [];
    for (let n = 0; n < 12; n++) october.push(await reportConcern(n));
    for (const id of october.slice(3)) await triage(id, { kind: 'take-ownership' });
    for (const id of october.slice(6, 9)) await triage(id, { kind: 'add-note', note: 'Spoke to the class teacher.' });
    for (const id of october.slice(9)) await triage(id, { kind: 'close', outcome: 'monitor', rationale: 'Resolved in school.' });
  });
  afterAll(() => db?.close());

  it('counts the complete months only, each concern as it stood at the end, and nothing done since changes it until the month ends', async () => {
    const before = await readAt('2026-11-10T12:00:00Z');
    expect([before.periodStart, before.periodEnd]).toEqual(['2025-11-01', '2026-10-31']);
    expect(before.total).toBe(12);
    expect(cell(before.byMonth, '2026-10')).toBe(12);
    expect(before.byStatus.map((c) => [c.key, c.count])).toEqual([['new', 3], ['acknowledged', 3], ['in-progress', 3], ['closed', 3]]);
    expect(before.outcomes.map((c) => [c.key, c.count])).toEqual([['monitor', 3]]);
    expect(before.acknowledgement.acknowledged).toBe(9);

    // Today (10 November): three new concerns, an acknowledgement, an update, a closing (to the
    // police) and a reopening.
    clock = new Date('2026-11-10T13:00:00Z');
    for (let n = 12; n < 15; n++) await reportConcern(n);
    await triage(october[0]!, { kind: 'take-ownership' });
    await triage(october[3]!, { kind: 'add-note', note: 'Parents informed.' });
    await triage(october[6]!, { kind: 'close', outcome: 'police', rationale: 'Referred to the police.' });
    await triage(october[9]!, { kind: 'reopen', reason: 'The messages started again.' });

    // The same report that day, and to the last minute of November (GMT).
    expect(await readAt('2026-11-10T14:00:00Z')).toEqual(before);
    expect(await readAt('2026-11-30T23:59:59Z')).toEqual(before);

    // December: November has ended and is in the report, with everything as it stood at its end.
    const december = await readAt('2026-12-01T00:00:01Z');
    expect([december.periodStart, december.periodEnd]).toEqual(['2025-12-01', '2026-11-30']);
    expect(december.total).toBe(15);
    expect(cell(december.byMonth, '2026-11')).toBe(3);
    expect(cell(december.byMonth, '2026-10')).toBe(12);
    expect(december.byStatus.map((c) => [c.key, c.count])).toEqual([['new', 5], ['acknowledged', 3], ['in-progress', 4], ['closed', 3]]);
    // Two closed with "monitor", one with "police": both small, both hidden (suppression as ever).
    expect(december.outcomes.map((c) => [c.key, c.count])).toEqual([['monitor', null], ['police', null]]);
    expect(december.acknowledgement.acknowledged).toBe(10);
  });
});
