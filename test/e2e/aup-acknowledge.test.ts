// An AUP acknowledgement through the real Playground UI in Chromium: the admin publishes the
// staff AUP, Sam Teacher receives the card in personal chat, presses "I have read and agree",
// sees the card refresh to "Acknowledged on …", and asks "what have I agreed to?".
// Runs with JIGSAW_E2E=1 (npm run test:e2e).
import { DEMO_SCHOOL } from '../../src/demo/playground-config';
import { syncAudienceFromCsv } from '../../src/services/aup-audience';
import { publishAupVersion } from '../../src/services/aup-publish';
import { type DemoStack, startDemoStack } from './support/demo-stack';

describe('acknowledge the staff AUP in Teams', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack();
  }, 120_000);
  afterAll(() => stack?.stop());

  it('delivers the card, records the agreement and answers "what have I agreed to?"', async () => {
    const { ui, jigsaw } = stack;
    const sam = DEMO_SCHOOL.users.samTeacher;
    // Sam has chatted with Jigsaw, so it can reach him (otherwise it installs itself for him).
    await ui.openPersonalChat();
    await ui.sendText('help');
    await ui.waitForCard('Jigsaw: report a concern in under a minute');

    const deps = { db: jigsaw.db, now: () => new Date() };
    await syncAudienceFromCsv(deps, { tenantId: DEMO_SCHOOL.tenantId, audience: 'staff', csv: `person_id,name,email\n${sam.aadObjectId},${sam.name},${sam.email}\n` });
    await publishAupVersion(deps, {
      tenantId: DEMO_SCHOOL.tenantId,
      publishedBy: DEMO_SCHOOL.users.danaLead.aadObjectId,
      draft: {
        audience: 'staff',
        title: 'Staff Acceptable Use Policy 2026/27',
        body: 'I will only use school systems for school purposes. I will report any online-safety concern to the DSL.',
        effectiveOn: '2026-11-01',
        summary: 'Personal devices must not store pupil data; report concerns through Jigsaw.',
      },
    });
    jigsaw.aup.sender.poke();

    const card = await ui.waitForCard('Staff Acceptable Use Policy 2026/27', 30_000);
    await ui.screenshot('aup-1-card');
    await ui.clickCardAction('I have read and agree', card);
    await ui.waitForCard(/Acknowledged on/);
    await ui.screenshot('aup-2-acknowledged');

    const [row] = await jigsaw.db.query<{ n: number }>('SELECT count(*)::int AS n FROM aup_acknowledgements WHERE tenant_id = $1 AND person_id = $2', [DEMO_SCHOOL.tenantId, sam.aadObjectId]);
    expect(row.n).toBe(1);

    await ui.sendText('what have I agreed to?');
    const mine = await ui.waitForCard('Your Acceptable Use Policies');
    expect(await mine.innerText()).toContain('Staff Acceptable Use Policy 2026/27');
    await ui.screenshot('aup-3-what-have-i-agreed-to');
  });
});
