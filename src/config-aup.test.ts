import { ConfigError, loadConfig } from './config';

describe('AUP settings', () => {
  it('defaults: 25 requests/s, 7 per conversation, 12 months, reminders at 7 and 14 days, deadline 21', () => {
    expect(loadConfig({}).aup).toEqual({
      sendsPerSecond: 25,
      perConversationPerSecond: 7,
      senderConcurrency: 8,
      maxSendAttempts: 10,
      validityMonths: 12,
      reminderDays: [7, 14],
      deadlineDays: 21,
      schedulerIntervalSeconds: 900,
      teamsAppId: undefined,
      audienceGroups: {},
    });
  });

  it('reads overrides and audience groups', () => {
    const g1 = '11111111-0000-4000-8000-000000000001';
    const g2 = '11111111-0000-4000-8000-000000000002';
    const aup = loadConfig({ AUP_SENDS_PER_SECOND: '10', AUP_VALIDITY_MONTHS: '24', AUP_REMINDER_DAYS: '3, 10', AUP_DEADLINE_DAYS: '14', AUP_AUDIENCE_GROUPS: `staff:${g1}|${g2}, governors:${g2}`, AUP_TEAMS_APP_ID: 'a1b2c3d4-0000-4000-8000-00000000a0b5' }).aup;
    expect(aup).toMatchObject({ sendsPerSecond: 10, validityMonths: 24, reminderDays: [3, 10], deadlineDays: 14, audienceGroups: { staff: [g1, g2], governors: [g2] }, teamsAppId: 'a1b2c3d4-0000-4000-8000-00000000a0b5' });
  });

  it.each([
    [{ AUP_SENDS_PER_SECOND: '100' }, 'AUP_SENDS_PER_SECOND'],
    [{ AUP_PER_CONVERSATION_PER_SECOND: '8' }, 'AUP_PER_CONVERSATION_PER_SECOND'],
    [{ AUP_REMINDER_DAYS: '14,7' }, 'AUP_REMINDER_DAYS'],
    [{ AUP_REMINDER_DAYS: '7,30' }, 'AUP_DEADLINE_DAYS'],
    [{ AUP_AUDIENCE_GROUPS: 'teachers:11111111-0000-4000-8000-000000000001' }, 'AUP_AUDIENCE_GROUPS'],
    [{ AUP_TEAMS_APP_ID: 'jigsaw' }, 'AUP_TEAMS_APP_ID'],
  ])('%o is refused, naming %s', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (e) {
      expect((e as ConfigError).problems.some((p) => p.startsWith(setting))).toBe(true);
    }
  });
});
