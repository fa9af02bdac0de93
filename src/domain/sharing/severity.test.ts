import { assessSeverity, isMitigated } from './severity';
import type { ExposureScope, Severity } from './types';

const now = new Date('2026-11-22T06:00:00Z');
const in10Days = '2026-12-02T06:00:00.000Z';
const in60Days = '2027-01-21T06:00:00.000Z';

describe('assessSeverity', () => {
  it.each<[ExposureScope, boolean, string | null, boolean, Severity]>([
    ['anonymous', true, null, false, 'critical'],
    ['anonymous', false, null, false, 'high'],
    ['organization', true, null, false, 'high'],
    ['external', true, null, false, 'high'],
    ['organization', false, null, false, 'medium'],
    ['external', false, null, false, 'medium'],
    // Mitigations lower one step.
    ['anonymous', true, in10Days, false, 'high'],
    ['anonymous', true, null, true, 'high'],
    ['anonymous', false, null, true, 'medium'],
    ['organization', true, in10Days, false, 'medium'],
    ['external', false, null, true, 'low'],
    // Both mitigations still lower only one step.
    ['anonymous', true, in10Days, true, 'high'],
    // A far expiry is no mitigation.
    ['anonymous', true, in60Days, false, 'critical'],
    // Low does not go lower.
    ['organization', false, in10Days, true, 'low'],
  ])('%s, pupil data %s, expires %s, password %s → %s', (scope, pupilDataLikely, expiresAt, hasPassword, expected) => {
    expect(assessSeverity({ scope, pupilDataLikely, expiresAt, hasPassword }, now)).toBe(expected);
  });
});

describe('isMitigated', () => {
  it.each([
    [{ expiresAt: null, hasPassword: false }, false],
    [{ expiresAt: '2026-12-22T06:00:00.000Z', hasPassword: false }, true],
    [{ expiresAt: '2026-12-22T06:00:01.000Z', hasPassword: false }, false],
    [{ expiresAt: null, hasPassword: true }, true],
  ])('%j → %s', (exposure, expected) => expect(isMitigated(exposure, now)).toBe(expected));
});
