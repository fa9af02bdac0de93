import { parseAckImport, parseAudienceCsv, toPersonId } from './import-rows';

const HEADER = 'person_id,name,audience,version,acknowledged_on,method,signed_by';

describe('acknowledgements import CSV', () => {
  it('reads paper and online-form rows, KS1 signed by a parent', () => {
    const { rows, problems } = parseAckImport(
      `${HEADER}\nMIS-1001,Zoë Brown,pupils-ks1,,2026-09-10,paper,Anna Brown\nP-77,Anna Brown,parents,1,2026-09-10,online-form,\n11111111-2222-4333-8444-555555555555,Sam Teacher,staff,,2026-09-01,paper,`,
      '2026-11-22',
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 2, personId: 'ext:MIS-1001', displayName: 'Zoë Brown', audience: 'pupils-ks1', versionNumber: undefined, acknowledgedOn: '2026-09-10', method: 'paper', signedBy: 'Anna Brown', email: undefined },
      { line: 3, personId: 'ext:P-77', displayName: 'Anna Brown', audience: 'parents', versionNumber: 1, acknowledgedOn: '2026-09-10', method: 'online-form', signedBy: undefined, email: undefined },
      expect.objectContaining({ personId: '11111111-2222-4333-8444-555555555555', audience: 'staff' }),
    ]);
  });
  it('reports every bad line and the missing columns', () => {
    expect(parseAckImport('name,audience\nx,staff', '2026-11-22').problems).toEqual([
      'the header has no "person_id" column',
      'the header has no "acknowledged_on" column',
      'the header has no "method" column',
    ]);
    const { problems } = parseAckImport(
      `${HEADER}\n,A,staff,,2026-01-01,paper,\nB1,B,teachers,,2026-01-01,paper,\nC1,C,staff,,2026-13-01,paper,\nD1,D,staff,,2027-01-01,paper,\nE1,E,staff,,2026-01-01,email,\nF1,F,pupils-ks1,,2026-01-01,paper,\nG1,G,staff,x,2026-01-01,paper,\nH1,H,staff,,2026-01-01,paper,\nH1,H,staff,,2026-01-02,paper,`,
      '2026-11-22',
    );
    expect(problems).toEqual([
      'line 2: person_id is empty',
      'line 3: unknown audience "teachers"',
      'line 4: acknowledged_on must be YYYY-MM-DD',
      'line 5: acknowledged_on is in the future',
      'line 6: method must be paper or online-form',
      "line 7: a KS1 pupil's acknowledgement needs signed_by (the parent or carer who signed)",
      'line 8: version must be a whole number (or empty for the latest)',
      'line 10: the same person, audience and version appear twice',
    ]);
  });
});

describe('audience CSV', () => {
  it('reads members; object ids are Teams users, other references are not', () => {
    const { members, problems } = parseAudienceCsv('person_id,name,email\n11111111-2222-4333-8444-555555555555,Val Volunteer,val@x.example\nCONTRACTOR-9,Cal Contractor,\n,Nobody,');
    expect(members).toEqual([
      { personId: '11111111-2222-4333-8444-555555555555', aadObjectId: '11111111-2222-4333-8444-555555555555', displayName: 'Val Volunteer', email: 'val@x.example' },
      { personId: 'ext:CONTRACTOR-9', displayName: 'Cal Contractor' },
    ]);
    expect(problems).toEqual(['line 4: person_id is empty']);
  });
  it('person ids', () => {
    expect(toPersonId(' ext:abc ')).toBe('ext:abc');
    expect(toPersonId('ABCDEF01-2222-4333-8444-555555555555')).toBe('abcdef01-2222-4333-8444-555555555555');
  });
});
