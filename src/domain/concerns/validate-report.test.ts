import { messageBytes, REPORT_LIMITS, splitPupilNames, validateReport } from './validate-report';

// 14:00 in London on 22 November 2026 (GMT, so UTC equals local time).
const NOW = new Date('2026-11-22T14:00:00Z');
const TZ = 'Europe/London';

const valid = {
  pupils: 'Amelia Okonkwo',
  about: 'pupil',
  category: 'online-bullying',
  whatHappened: 'Amelia showed me messages from a group chat calling her names.',
  childWords: '"They said nobody wants me there."',
  occurredOn: '2026-11-22',
  occurredTime: '10:30',
  location: 'Year 6 classroom',
  actionTaken: 'Reassured her and reported it.',
  urgency: 'standard',
};

describe('validateReport', () => {
  it('accepts a complete report and returns the cleaned concern', () => {
    const result = validateReport(valid, NOW, TZ);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.report).toMatchObject({ pupils: ['Amelia Okonkwo'], about: 'pupil', category: 'online-bullying', urgency: 'standard', occurredOn: '2026-11-22' });
  });

  it('names every missing required field and keeps what was typed', () => {
    const result = validateReport({ childWords: 'she cried', location: 'hall' }, NOW, TZ);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['about', 'category', 'occurredOn', 'urgency', 'whatHappened']);
    expect(result.values).toEqual({ childWords: 'she cried', location: 'hall' });
  });

  it('requires pupils for a concern about a pupil but not for one about an adult', () => {
    const noPupils = { ...valid, pupils: '  ' };
    expect(validateReport(noPupils, NOW, TZ)).toMatchObject({ ok: false, errors: { pupils: expect.stringContaining('pupil') } });
    const adult = { ...noPupils, about: 'adult', category: 'concern-about-adult', adultName: 'J. Smith, TA' };
    expect(validateReport(adult, NOW, TZ).ok).toBe(true);
    expect(validateReport({ ...adult, adultName: '' }, NOW, TZ)).toMatchObject({ ok: false, errors: { adultName: expect.any(String) } });
  });

  it.each([
    ['a future date', { occurredOn: '2026-11-23' }, 'occurredOn', 'future'],
    ['an impossible date', { occurredOn: '2026-02-30' }, 'occurredOn', 'real date'],
    ['a date too long ago', { occurredOn: '1990-01-01' }, 'occurredOn', 'last 20 years'],
    ['a later time today', { occurredTime: '14:01' }, 'occurredTime', 'later than now'],
    ['a malformed time', { occurredTime: '25:00' }, 'occurredTime', 'hours and minutes'],
    ['too short an account', { whatHappened: 'sad' }, 'whatHappened', 'at least 10'],
    ['too long an account', { whatHappened: 'x'.repeat(4001) }, 'whatHappened', 'under 4000'],
    ['an unknown category', { category: 'space-aliens' }, 'category', 'listed'],
    ['an adult category about a pupil', { category: 'concern-about-adult' }, 'about', 'headteacher'],
    ['an unknown urgency', { urgency: 'whenever' }, 'urgency', 'listed'],
    ['too many pupils', { pupils: Array.from({ length: 21 }, (_, i) => `Pupil ${i}`).join(', ') }, 'pupils', 'at most 20'],
  ])('rejects %s with a message next to the field', (_name, change, field, message) => {
    const result = validateReport({ ...valid, ...change }, NOW, TZ);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[field as keyof typeof result.errors]).toContain(message);
    expect(Object.keys(result.errors)).toEqual([field]);
  });

  it('allows a time later than now on an earlier day', () => {
    expect(validateReport({ ...valid, occurredOn: '2026-11-21', occurredTime: '23:59' }, NOW, TZ).ok).toBe(true);
  });

  it('uses the school day, not UTC, for "today"', () => {
    // 23:30 UTC on 30 June is already 1 July in London (BST).
    const summerNight = new Date('2026-06-30T23:30:00Z');
    expect(validateReport({ ...valid, occurredOn: '2026-07-01', occurredTime: '00:15' }, summerNight, TZ).ok).toBe(true);
  });

  it('strips control and bidi-override characters but keeps line breaks', () => {
    const result = validateReport({ ...valid, whatHappened: 'Line one\u0007\r\nline two \u202Egnp.exe\u0000' }, NOW, TZ);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.report.whatHappened).toBe('Line one\nline two gnp.exe');
  });

  it('ignores keys that are not report fields', () => {
    const result = validateReport({ ...valid, reporterAadId: 'spoofed', verb: 'x' }, NOW, TZ);
    expect(result.values).not.toHaveProperty('reporterAadId');
  });
});

describe('the narrative limit (bytes in a Teams message)', () => {
  const L = REPORT_LIMITS;
  // Three bytes each in UTF-8: the widest a character within the form's limits can be.
  const zh = (n: number) => '报'.repeat(n);
  /** Every free-text answer at its own character limit, in Chinese: the report the reviewer found. */
  const chineseAtTheLimits = {
    ...valid,
    pupils: Array.from({ length: 10 }, () => zh(L.pupilNameMax - 2)).join(', '), // 998 characters of 1000
    whatHappened: zh(L.whatHappenedMax),
    childWords: zh(L.childWordsMax),
    location: zh(L.locationMax),
    actionTaken: zh(L.actionTakenMax),
  };

  it('refuses a report in Chinese at every field limit, says what to cut next to the longest answer, and keeps everything typed', () => {
    const result = validateReport(chineseAtTheLimits, NOW, TZ);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors)).toEqual(['whatHappened']);
    expect(result.errors.whatHappened).toContain('too long for one Teams message');
    // Cutting "What happened" alone cannot save 15 KB and keep 10 characters: a share of everything.
    expect(result.errors.whatHappened).toMatch(/Shorten them by about \d+% in all/);
    expect(result.values).toEqual({ ...chineseAtTheLimits, occurredTime: '10:30' });
  });

  it('says how many characters to cut from the longest answer when that is enough, and accepts it once cut', () => {
    const report = { ...valid, whatHappened: zh(L.whatHappenedMax), childWords: zh(100), location: 'Year 6 classroom' };
    const fixed = messageBytes(report.pupils) + messageBytes(report.childWords) + messageBytes(report.location) + messageBytes(report.actionTaken);
    const result = validateReport(report, NOW, TZ);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const cut = Number(/Shorten this answer by about (\d+) characters/.exec(result.errors.whatHappened ?? '')?.[1]);
    expect(cut).toBe(Math.ceil((3 * L.whatHappenedMax + fixed - L.narrativeBytesMax) / 3));
    expect(validateReport({ ...report, whatHappened: zh(L.whatHappenedMax - cut) }, NOW, TZ).ok).toBe(true);
    expect(validateReport({ ...report, whatHappened: zh(L.whatHappenedMax - cut + 1) }, NOW, TZ).ok).toBe(false);
  });

  it('counts what a Teams message carries: UTF-8, with line breaks and quotes taking two bytes', () => {
    expect(messageBytes('abc')).toBe(3);
    expect(messageBytes('Zoë')).toBe(4);
    expect(messageBytes('报')).toBe(3);
    expect(messageBytes('😀')).toBe(4);
    expect(messageBytes('a\n"b"')).toBe(8);
  });

  it('never refuses a report in English within the character limits', () => {
    const english = (n: number) => 'Abcdefghi '.repeat(n / 10);
    const result = validateReport(
      { ...valid, pupils: Array.from({ length: 10 }, () => english(90)).join(', '), whatHappened: english(L.whatHappenedMax), childWords: english(L.childWordsMax), location: english(L.locationMax), actionTaken: english(L.actionTakenMax) },
      NOW,
      TZ,
    );
    expect(result).toMatchObject({ ok: true });
  });

  it('does not add the narrative message where a field is already over its own limit', () => {
    const result = validateReport({ ...chineseAtTheLimits, childWords: zh(L.childWordsMax + 1) }, NOW, TZ);
    expect(result).toMatchObject({ ok: false, errors: { childWords: expect.stringContaining(`under ${L.childWordsMax}`) } });
    if (result.ok) return;
    expect(Object.keys(result.errors)).toEqual(['childWords']);
  });
});

describe('splitPupilNames', () => {
  it('splits on lines, commas and semicolons and tidies spaces', () => {
    expect(splitPupilNames('Amelia  Okonkwo\nZoë Brown;  Sam Lee ,')).toEqual(['Amelia Okonkwo', 'Zoë Brown', 'Sam Lee']);
  });
});
