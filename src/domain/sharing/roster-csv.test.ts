import { parseRosterCsv, splitCsvLine } from './roster-csv';

describe('splitCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"Okonkwo, Jr",Amelia', ['Okonkwo, Jr', 'Amelia']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    [' a , b ', ['a', 'b']],
  ])('%s', (line, expected) => expect(splitCsvLine(line)).toEqual(expected));
});

describe('parseRosterCsv', () => {
  it('reads a SIMS-style export whatever the column order', () => {
    const csv = '\uFEFFUPN,Legal Surname,Legal Forename,Preferred Forename,Reg Group\r\nA123456789012,Okonkwo,Amelia,,6B\r\nP820200112001,Clarke,Zoë,Zo,6B\r\n,,,\r\n';
    expect(parseRosterCsv(csv)).toEqual({
      pupils: [
        { id: 'A123456789012', givenName: 'Amelia', familyName: 'Okonkwo', preferredName: null },
        { id: 'P820200112001', givenName: 'Zoë', familyName: 'Clarke', preferredName: 'Zo' },
      ],
      skippedLines: [4],
    });
  });

  it('accepts plain "First name, Last name" and numbers rows without an id column', () => {
    expect(parseRosterCsv('First Name,Last Name\nTom,Price\n').pupils).toEqual([{ id: 'row-2', givenName: 'Tom', familyName: 'Price', preferredName: null }]);
  });

  it('refuses a file without name columns', () => {
    expect(() => parseRosterCsv('UPN,Year\nA123456789012,6\n')).toThrow(/forename and a surname/);
  });
});
