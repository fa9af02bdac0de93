import { describeFailure } from './audit-context';

describe('describeFailure', () => {
  it.each([
    [new Error('GET https://graph/x?token=abc123&top=5 failed'), 'Error: GET https://graph/x?token=…&top=5 failed'],
    [new Error('line\nbreak'), 'Error: line break'],
    ['plain', 'plain'],
  ])('%s', (err, expected) => expect(describeFailure(err)).toBe(expected));
});
