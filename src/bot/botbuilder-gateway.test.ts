import { parseRetryAfter, toActivity, toDeliveryError } from './botbuilder-gateway';
import { teamsMention } from '../jobs/teams-text';

describe('toDeliveryError', () => {
  it('reads status and Retry-After the way botbuilder RestErrors carry them', () => {
    const headers = new Map([['retry-after', '7']]);
    const err = Object.assign(new Error('Too many requests'), { name: 'RestError', statusCode: 429, response: { status: 429, headers: { get: (n: string) => headers.get(n) } } });
    const mapped = toDeliveryError(err);
    expect(mapped.status).toBe(429);
    expect(mapped.retryAfterMs).toBe(7000);
    expect(mapped.throttled).toBe(true);
  });

  it('treats a network failure as retryable with no status', () => {
    const mapped = toDeliveryError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(mapped.status).toBeUndefined();
    expect(mapped.needsAttention).toBe(false);
  });

  it('flags 403 and 404 as needing someone to act', () => {
    expect(toDeliveryError({ statusCode: 403, message: 'BotNotInConversationRoster' }).needsAttention).toBe(true);
    expect(toDeliveryError({ statusCode: 413, message: 'Message size too big' }).needsAttention).toBe(true); // a card over 28 KB never gets smaller by retrying
    expect(toDeliveryError({ statusCode: 503, message: 'busy' }).needsAttention).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('accepts delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:10 GMT', Date.parse('Sun, 22 Nov 2026 10:00:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('toActivity', () => {
  it('sends each mention entity as teamsMention built it, its text found in the message text', () => {
    const names = ['[click](https://evil.example)', 'Eve</at> <at>Dana', '<script>x</script>', 'Tom &amp; Jerry'];
    const mentions = names.map((name, i) => teamsMention(`29:user${i}`, name));
    const activity = toActivity({ text: `Hello ${mentions.map((m) => m.text).join(' ')}.`, mentions: mentions.map((m) => m.entity) });
    const text = String(activity.text);
    expect(text.match(/<at>/g)).toHaveLength(names.length);
    expect(text).not.toMatch(/\[[^\]]*\]\([^)]*\)/);
    expect(activity.entities).toHaveLength(names.length);
    activity.entities!.forEach((entity, i) => {
      expect(entity).toEqual({ type: 'mention', text: mentions[i]!.text, mentioned: { id: `29:user${i}`, name: names[i] } });
      expect(text).toContain(String(entity.text));
    });
  });
});
