import { normaliseName, PupilNameIndex } from './pupil-names';

const roster = [
  { id: 'p-amelia', givenName: 'Amelia', familyName: 'Okonkwo' },
  { id: 'p-zoe', givenName: 'Zoë', familyName: 'Brontë-Smith' },
  { id: 'p-sean', givenName: 'Seán', familyName: "O'Brien", preferredName: 'Shaun' },
  { id: 'p-mary', givenName: 'Mary Jane', familyName: 'van der Berg' },
  { id: 'p-jo', givenName: 'Jo', familyName: 'Lee' },
];
const index = new PupilNameIndex(roster);

describe('normaliseName', () => {
  it.each([
    ['OKONKWO Amelia', 'okonkwo amelia'],
    ['amelia.okonkwo', 'amelia okonkwo'],
    ['Amelia_Okonkwo', 'amelia okonkwo'],
    ['AmeliaOkonkwo', 'amelia okonkwo'],
    ['Zoë Brontë-Smith', 'zoe bronte smith'],
    ["Seán O'Brien", 'sean obrien'],
    ['Łucja Wiśniewska', 'lucja wisniewska'],
    ['Yıldız Đorđević', 'yildiz dordevic'],
    ['Søren Æbelø Straße', 'soren aebelo strasse'],
    ['SENRegister2026.xlsx', 'sen register2026 xlsx'],
    ['  --  ', ''],
  ])('%s → %s', (input, expected) => expect(normaliseName(input)).toBe(expected));
});

describe('PupilNameIndex.findPupils', () => {
  it.each([
    ['given then family', 'Amelia Okonkwo report.docx', ['p-amelia']],
    ['family in capitals then given (MIS order)', 'OKONKWO Amelia - EHCP.pdf', ['p-amelia']],
    ['dotted lower case', 'amelia.okonkwo.jpg', ['p-amelia']],
    ['underscores', 'Amelia_Okonkwo_photo.png', ['p-amelia']],
    ['camelCase', 'AmeliaOkonkwoReading.pdf', ['p-amelia']],
    ['glued lower case', 'ameliaokonkwo.png', ['p-amelia']],
    ['surname, comma, given', 'Okonkwo, Amelia.docx', ['p-amelia']],
    ['diacritics in the file, roster with diacritics', 'Zoë Brontë-Smith.docx', ['p-zoe']],
    ['no diacritics in the file, roster with them', 'zoe bronte smith plan.docx', ['p-zoe']],
    ['apostrophe dropped', 'Sean OBrien.docx', ['p-sean']],
    ['preferred name', 'Shaun OBrien IEP.docx', ['p-sean']],
    ['multi-word names', 'VAN DER BERG Mary Jane.pdf', ['p-mary']],
    ['two pupils', 'Amelia Okonkwo and Jo Lee.docx', ['p-amelia', 'p-jo']],
    ['given name alone is not enough', 'Amelia.docx', []],
    ['family name alone is not enough', 'Okonkwo family letter.docx', []],
    ['not adjacent', 'Amelia and Okonkwo.docx', []],
    ['a name inside a longer word does not count', 'Joleen notes.docx', []],
  ])('%s: %s', (_label, fileName, expected) => {
    expect(index.findPupils(fileName).map((m) => m.pupilId).sort()).toEqual(expected.sort());
  });

  it('stays fast with a large roster (one probe per token)', () => {
    const big = Array.from({ length: 20_000 }, (_, i) => ({ id: `p${i}`, givenName: `Given${i}`, familyName: `Family${i}` }));
    const bigIndex = new PupilNameIndex(big);
    const started = Date.now();
    let hits = 0;
    for (let i = 0; i < 50_000; i += 1) hits += bigIndex.findPupils(`Report ${i} family${i % 20_000} given${i % 20_000}.docx`).length;
    expect(hits).toBe(50_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
