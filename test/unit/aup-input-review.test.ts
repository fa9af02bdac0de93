import { validateDraft } from '../../src/domain/aup/policy-file';
import { parseAckImport } from '../../src/domain/aup/import-rows';

// Dates that do not exist (30 February, 29 February outside a leap year) are refused, not
// rolled over to March by the JavaScript date parser.
describe('AUP dates that do not exist', () => {
  const draft = { audience: 'staff', title: 'Staff AUP', body: 'I will.' };

  it.each(['2026-02-30', '2027-02-29', '2026-04-31', '2026-00-10'])('a policy effective on %s is refused', (effectiveOn) => {
    expect(validateDraft({ ...draft, effectiveOn })).toEqual({ problems: ['effective must be a date, YYYY-MM-DD'] });
  });

  it('a policy effective on 29 February of a leap year is accepted', () => {
    expect(validateDraft({ ...draft, effectiveOn: '2028-02-29' })).toHaveProperty('draft');
  });

  it.each(['2026-02-30', '2025-02-29', '2026-06-31'])('an acknowledgement dated %s is refused with its line', (date) => {
    const csv = `person_id,name,audience,version,acknowledged_on,method\nMIS-1,Zoë Brown,parents,,${date},paper\n`;
    expect(parseAckImport(csv, '2026-11-22')).toEqual({ rows: [], problems: ['line 2: acknowledged_on must be YYYY-MM-DD'] });
  });

  it('an acknowledgement on 29 February 2024 is accepted', () => {
    const csv = 'person_id,name,audience,version,acknowledged_on,method\nMIS-1,Zoë Brown,parents,,2024-02-29,paper\n';
    expect(parseAckImport(csv, '2026-11-22').rows).toHaveLength(1);
  });
});

describe('AUP import: line numbers', () => {
  it('counts blank lines and multi-line cells, so each problem names the line the spreadsheet shows', () => {
    const csv = [
      'person_id,name,audience,version,acknowledged_on,method',
      'MIS-1,"Zoë',
      'Brown",parents,,2026-09-10,paper',
      '',
      'MIS-2,Ann Other,parents,,someday,paper',
    ].join('\r\n');
    expect(parseAckImport(csv, '2026-11-22').problems).toEqual(['line 5: acknowledged_on must be YYYY-MM-DD']);
  });
});
