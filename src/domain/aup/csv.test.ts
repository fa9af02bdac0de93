import { formatCsv, parseCsv, parseCsvRecords } from './csv';

describe('csv', () => {
  it('reads quotes, doubled quotes, CRLF, BOM and blank lines', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",z')).toEqual([['a', 'b'], ['x, y', 'say "hi"'], ['multi\nline', 'z']]);
  });
  it('normalises headers', () => {
    expect(parseCsvRecords('Person ID,Acknowledged-On\n1,2026-01-01').records).toEqual([{ person_id: '1', acknowledged_on: '2026-01-01' }]);
  });
  it('round-trips and neutralises formulas', () => {
    const out = formatCsv(['name', 'n'], [['=HYPERLINK("x")', 3], ["O'Brien, Siân", -1]]);
    expect(out).toBe('name,n\r\n"\'=HYPERLINK(""x"")",3\r\n"O\'Brien, Siân",-1\r\n');
    expect(parseCsv(out)[2]).toEqual(["O'Brien, Siân", '-1']);
  });
});
