import { WHAT_HAVE_I_AGREED } from './aup-feature';

describe('"what have I agreed to?"', () => {
  it.each(['What have I agreed to?', 'what did I sign', 'my policies', 'My AUP', 'AUP', 'acceptable use policy?', '  what have i agreed  '])('answers %p', (text) => {
    expect(WHAT_HAVE_I_AGREED.test(text)).toBe(true);
  });
  it.each(['He broke the acceptable use policy by sharing his password', 'A pupil asked what have I agreed to online', 'report', 'hello'])('leaves %p to the report flow', (text) => {
    expect(WHAT_HAVE_I_AGREED.test(text)).toBe(false);
  });
});
