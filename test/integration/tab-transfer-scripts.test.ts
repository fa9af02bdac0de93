import { PEOPLE, SCHOOL, startHarness, type Harness } from '../support/harness';
import { reportAndAwaitCard } from '../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../support/test-identity-provider';
import { parsePdf } from '../support/pdf-text';

// The file sent to a new school is the record of what a child said: it must show the child's name
// and words exactly as written, in whatever script, and say so when a character cannot be shown.

let h: Harness;
let idp: TestIdentityProvider;

async function exportFile(concernId: string, position = 0) {
  const token = await idp.mint(PEOPLE.dsl1);
  const res = await fetch(`${h.url}/api/tab/concerns/${concernId}/pupils/${position}/transfers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ destinationSchool: 'Ελληνικό Σχολείο Λονδίνου' }),
  });
  expect(res.status).toBe(200);
  const parsed = parsePdf(Buffer.from(await res.arrayBuffer()));
  return parsed.pages.flatMap((p) => p.lines.slice(0, -1).map((l) => l.text)).join(' ');
}

beforeAll(async () => {
  idp = await startTestIdentityProvider(SCHOOL.tenantId);
  h = await startHarness({ env: idp.env });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await idp?.stop();
});

it("shows a Polish, Greek and Cyrillic name and the child's words exactly as written", async () => {
  const concern = await reportAndAwaitCard(h, PEOPLE.teacher, {
    pupils: 'Łucja Żółć-Wiśniewska, Νίκος Παπαδόπουλος, Дмитрий Иванов',
    whatHappened: 'Łucja, Νίκος and Дмитрий were shown a video by an older pupil (Şükrü, Zoë said).',
    childWords: 'Мама сказала никому не говорить. Ο Νίκος φοβάται.',
  });
  const text = await exportFile(concern.concernId);
  expect(text).toContain('Child protection file: Łucja Żółć-Wiśniewska CONFIDENTIAL.');
  expect(text).toContain('Pupils named: Łucja Żółć-Wiśniewska, Νίκος Παπαδόπουλος, Дмитрий Иванов');
  expect(text).toContain('to Ελληνικό Σχολείο Λονδίνου.');
  expect(text).toContain('One of these concerns names other children too ("Pupils named", and perhaps in the text). They are third parties: before sending, check that the new school needs what this file says about them, and redact what it does not.');
  expect(text).toContain('What happened: Łucja, Νίκος and Дмитрий were shown a video by an older pupil (Şükrü, Zoë said).');
  expect(text).toContain('The child\'s words: "Мама сказала никому не говорить. Ο Νίκος φοβάται."');
  expect(text).not.toContain('cannot show');
  expect(await exportFile(concern.concernId, 2)).toContain('Child protection file: Дмитрий Иванов CONFIDENTIAL.');
});

it('copies a Chinese name as written, and says at the end that it could not be drawn and where the exact text is kept', async () => {
  const concern = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: '王伟 (4A)', whatHappened: 'Wang Wei said: 我不想回家.', childWords: '' });
  const text = await exportFile(concern.concernId);
  expect(text).toContain('Child protection file: 王伟 (4A)');
  expect(text).toContain('What happened: Wang Wei said: 我不想回家.');
  // Only this child is named: no third-party note.
  expect(text).not.toContain('third parties');
  expect(text).toContain('Characters this PDF cannot show');
  expect(text).toMatch(/7 different characters in this file are not in the PDF's font and are shown as \uFFFD: U\+738B, U\+4F1F, U\+6211, U\+4E0D, U\+60F3, U\+56DE, U\+5BB6\. Copying the text from this PDF gives them as written\./);
  expect(text).toContain("Halley Primary's safeguarding records keep the exact text: ask its DSL if any of it matters.");
});
