import { parsePolicyFile } from './policy-file';

describe('policy file', () => {
  it('reads the settings block and the markdown body', () => {
    const r = parsePolicyFile('---\naudience: pupils-ks2\ntitle: "Keeping safe: stop, think, before you click!"\neffective: 2026-12-01\nsummary: Rules to keep you safe online.\nchanges: New rule about AI chatbots.\n---\nI will only use the internet when a teacher says I can.\n');
    expect(r).toEqual({
      draft: {
        audience: 'pupils-ks2',
        title: 'Keeping safe: stop, think, before you click!',
        effectiveOn: '2026-12-01',
        summary: 'Rules to keep you safe online.',
        changeSummary: 'New rule about AI chatbots.',
        body: 'I will only use the internet when a teacher says I can.',
      },
    });
  });
  it('a link alone is enough', () => {
    expect(parsePolicyFile('---\naudience: staff\ntitle: Staff AUP\neffective: 2026-12-01\nlink: https://school.example/aup.pdf\n---\n')).toMatchObject({ draft: { linkUrl: 'https://school.example/aup.pdf' } });
  });
  it('lists every problem', () => {
    expect(parsePolicyFile('---\naudience: teachers\neffective: soon\nlink: http://x\n---\n')).toEqual({
      problems: [
        'audience must be one of staff, governors, volunteers, pupils-ks1, pupils-ks2, pupils-ks3, pupils-ks4, pupils-ks5, parents',
        'title is required (at most 200 characters)',
        'effective must be a date, YYYY-MM-DD',
        'link must be an https:// address',
      ],
    });
    expect(parsePolicyFile('no settings')).toEqual({ problems: [expect.stringContaining('---')] });
  });
});
