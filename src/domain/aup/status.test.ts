import { addMonths, ackExpiresAt, countStatuses, deadlineOf, dueReminder, personPolicyStatus, DEFAULT_AUP_RULES } from './status';

const at = (iso: string) => new Date(iso);
const V1 = { versionId: 'v1', versionNumber: 1 };
const V2 = { versionId: 'v2', versionNumber: 2 };

describe('addMonths / expiry', () => {
  it.each([
    ['2026-01-31T10:00:00Z', 1, '2026-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2026-11-22T09:30:00Z', 12, '2027-11-22T09:30:00.000Z'],
    ['2026-12-15T00:00:00Z', 3, '2027-03-15T00:00:00.000Z'],
  ])('%s + %i months = %s', (from, months, expected) => {
    expect(addMonths(at(from), months).toISOString()).toBe(expected);
  });

  it('an acknowledgement lapses after the configured months', () => {
    expect(ackExpiresAt(at('2026-11-22T09:00:00Z'), { validityMonths: 6 }).toISOString()).toBe('2027-05-22T09:00:00.000Z');
  });
});

describe('personPolicyStatus', () => {
  const rules = { validityMonths: 12 };
  it('never asked, nothing signed', () => {
    expect(personPolicyStatus({ latestVersionId: 'v1', latestVersionNumber: 1, acks: [], askedLatest: false }, at('2026-12-01T00:00:00Z'), rules).status).toBe('never-asked');
  });
  it('asked and not signed is outstanding', () => {
    expect(personPolicyStatus({ latestVersionId: 'v1', latestVersionNumber: 1, acks: [], askedLatest: true }, at('2026-12-01T00:00:00Z'), rules).status).toBe('outstanding');
  });
  it('signed the latest version within 12 months is current', () => {
    const s = personPolicyStatus({ latestVersionId: 'v1', latestVersionNumber: 1, acks: [{ ...V1, acknowledgedAt: at('2026-11-22T09:00:00Z') }], askedLatest: true }, at('2027-11-22T08:59:59Z'), rules);
    expect(s.status).toBe('current');
    expect(s.lastAck?.expiresAt.toISOString()).toBe('2027-11-22T09:00:00.000Z');
  });
  it('expires exactly 12 months later', () => {
    const s = personPolicyStatus({ latestVersionId: 'v1', latestVersionNumber: 1, acks: [{ ...V1, acknowledgedAt: at('2026-11-22T09:00:00Z') }], askedLatest: true }, at('2027-11-22T09:00:00Z'), rules);
    expect(s).toMatchObject({ status: 'expired', expiredBecause: 'time' });
  });
  it('expires when a new version is published, even the next day', () => {
    const s = personPolicyStatus({ latestVersionId: 'v2', latestVersionNumber: 2, acks: [{ ...V1, acknowledgedAt: at('2026-11-22T09:00:00Z') }], askedLatest: true }, at('2026-11-23T09:00:00Z'), rules);
    expect(s).toMatchObject({ status: 'expired', expiredBecause: 'new-version', lastAck: { versionNumber: 1 } });
  });
  it('the newest acknowledgement decides', () => {
    const s = personPolicyStatus(
      { latestVersionId: 'v2', latestVersionNumber: 2, acks: [{ ...V2, acknowledgedAt: at('2026-12-01T09:00:00Z') }, { ...V1, acknowledgedAt: at('2026-11-22T09:00:00Z') }], askedLatest: true },
      at('2026-12-02T00:00:00Z'),
      rules,
    );
    expect(s).toMatchObject({ status: 'current', lastAck: { versionId: 'v2' } });
  });
});

describe('reminder schedule', () => {
  const sent = at('2026-11-02T08:00:00Z');
  const day = (n: number) => new Date(sent.getTime() + n * 86_400_000);
  it.each([
    [6.9, 0, undefined],
    [7, 0, 1],
    [8, 1, undefined],
    [14, 1, 2],
    [20, 2, undefined],
    // After an outage only the latest due reminder goes: never two in one run.
    [15, 0, 2],
  ])('day %f with %i sent → reminder %p', (d, already, expected) => {
    expect(dueReminder(sent, day(d), already, DEFAULT_AUP_RULES)).toBe(expected);
  });
  it('configurable days', () => {
    expect(dueReminder(sent, day(3), 0, { reminderDays: [3] })).toBe(1);
  });
  it('deadline after the configured days', () => {
    expect(deadlineOf(sent, { deadlineDays: 21 }).toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });
});

it('counts statuses without names', () => {
  expect(countStatuses('staff', 2, ['current', 'current', 'expired', 'outstanding', 'never-asked'])).toEqual({ audience: 'staff', versionNumber: 2, current: 2, expired: 1, outstanding: 1, neverAsked: 1, total: 5 });
});
