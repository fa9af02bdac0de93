import { findUpns, isTemporaryUpn, isValidUpn, upnCheckLetter } from './upn';

describe('isValidUpn', () => {
  it.each([
    // DfE's own worked example.
    ['A123456789012', true],
    ['P820200112001', true],
    ['R938412310456', true],
    // Temporary UPN: ends in a letter.
    ['A82020011200A', true],
    // Wrong check letter.
    ['B123456789012', false],
    ['Q820200112001', false],
    // Letters the alphabet leaves out (I, O, S) can never be check letters.
    ['I123456789012', false],
    ['O123456789012', false],
    // Wrong length, lower case, spaces.
    ['A12345678901', false],
    ['A1234567890123', false],
    ['a123456789012', false],
    ['A 123456789012', false],
  ])('%s → %s', (candidate, expected) => {
    expect(isValidUpn(candidate)).toBe(expected);
  });

  it('computes the check letter from positions 2..13', () => {
    expect(upnCheckLetter('123456789012')).toBe('A');
    expect(upnCheckLetter('12345678901')).toBeNull();
  });

  it('tells temporary UPNs apart', () => {
    expect(isTemporaryUpn('A82020011200A')).toBe(true);
    expect(isTemporaryUpn('A123456789012')).toBe(false);
  });
});

describe('findUpns', () => {
  it.each([
    ['a CSV row', 'A123456789012,Okonkwo,Amelia', ['A123456789012'], 0],
    ['two, one repeated', 'P820200112001 P820200112001 R938412310456', ['P820200112001', 'R938412310456'], 0],
    ['a look-alike failing the check is not evidence', 'order B123456789012 shipped', [], 1],
    ['glued to other characters is not a candidate', 'XA123456789012 A1234567890129', [], 0],
    ['temporary UPN in a tab-separated row', 'A82020011200A\tYear 3', ['A82020011200A'], 0],
    ['nothing', 'no numbers here', [], 0],
  ])('%s', (_label, text, valid, rejected) => {
    expect(findUpns(text)).toEqual({ valid, rejected });
  });
});
