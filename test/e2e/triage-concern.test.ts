// DSL triage through the real Playground UI in Chromium: a DSL in the Safeguarding channel takes
// ownership, records a referral and closes the concern; a non-DSL member of staff pressing the
// card gets the read-only view; the reporter receives the feedback messages.
// Runs with JIGSAW_E2E=1 (npm run test:e2e).
import { DEMO_SCHOOL } from '../../src/demo/playground-config';
import { type DemoStack, reportThroughUi, startDemoStack } from './support/demo-stack';

describe('triage a concern in the Safeguarding channel', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack();
  }, 120_000);
  afterAll(() => stack?.stop());

  it('DSL takes ownership, records a referral and closes; a non-DSL sees read-only; the reporter is told', async () => {
    const { ui } = stack;
    const triaged = await reportThroughUi(ui, {
      category: 'grooming',
      pupils: 'Jay Patel (5C)',
      whatHappened: 'Jay said a man he met in an online game asked him to keep their chats secret and to meet.',
      childWords: 'He said I am his special friend.',
      location: 'Online game chat; told me at break',
      urgency: 'standard',
    });
    const other = await reportThroughUi(ui, {
      category: 'online-bullying',
      pupils: 'Mia Jones',
      whatHappened: 'Mia is being excluded from a class group chat and mocked.',
      location: 'Online, WhatsApp',
      urgency: 'standard',
    });

    await ui.openChannel(DEMO_SCHOOL.team.safeguarding.name);

    // A member of staff who is not a DSL presses the card: read-only, nothing of the case.
    await ui.actAs(DEMO_SCHOOL.users.alexSupport.name);
    const otherCard = await ui.waitForCard(other, 30_000);
    await ui.clickCardAction('Open triage actions', otherCard);
    const readOnly = await ui.waitForCard(other);
    const readOnlyText = await readOnly.innerText();
    expect(readOnlyText).not.toContain('Mia Jones');
    expect(readOnlyText).not.toContain('excluded');
    await ui.screenshot('triage-1-read-only-for-non-dsl');

    // The DSL opens the triage actions on the other concern.
    await ui.actAs(DEMO_SCHOOL.users.danaLead.name);
    let card = await ui.waitForCard(triaged, 30_000);
    await ui.clickCardAction('Open triage actions', card);
    card = await ui.waitForCard(triaged);
    await ui.clickCardAction('Take ownership', card);
    card = await ui.waitForCard('Dana Lead');
    await ui.screenshot('triage-2-owned');
    {
      const record = card.getByRole('button', { name: 'Record action', exact: true });
      const open = card.getByRole('button', { name: 'Open triage actions', exact: true });
      await record.or(open).first().waitFor({ timeout: 20_000 });
      if (!(await record.count())) {
        await ui.clickCardAction('Open triage actions', card);
        card = await ui.waitForCard('Dana Lead');
      }
    }

    await ui.clickCardAction('Record action', card);
    await ui.fillCard({ outcome: 'social-care-referral', actionNote: 'Referred to MASH by phone; reference 12345.' }, card);
    await ui.clickCardAction('Record action', card, { last: true });
    // The shared card is updated through the outbox for everyone; the Playground (one view, no
    // automatic refresh for another user) then shows the shared card again: reopen the actions.
    card = await ui.waitForCard(/Referral to children's social care/);
    await ui.screenshot('triage-3-referral-recorded');
    // Whichever lands last (the action card answering the invoke, or the shared card's update)
    // is shown: wait for one of them, and reopen the actions if it is the shared card.
    const close = card.getByRole('button', { name: 'Close', exact: true });
    const open = card.getByRole('button', { name: 'Open triage actions', exact: true });
    await close.or(open).first().waitFor({ timeout: 20_000 });
    if (!(await close.count())) {
      await ui.clickCardAction('Open triage actions', card);
      card = await ui.waitForCard(/Referral to children's social care/);
    }

    await ui.clickCardAction('Close', card);
    await ui.fillCard({ closeOutcome: 'social-care-referral', closeRationale: 'Children\'s social care have taken the lead; school monitoring continues.' }, card);
    await ui.clickCardAction('Close concern', card);
    card = await ui.waitForCard(new RegExp(`${triaged}[\\s\\S]*Closed`));
    await ui.screenshot('triage-4-closed');

    // The reporter (Sam) gets the reference and status only.
    await ui.actAs(undefined);
    await ui.openPersonalChat();
    const acknowledged = await ui.waitForCard(new RegExp(`${triaged}[\\s\\S]*Acknowledged`), 30_000);
    expect(await acknowledged.innerText()).not.toContain('Jay');
    const closed = await ui.waitForCard(new RegExp(`${triaged}[\\s\\S]*Closed`), 30_000);
    expect(await closed.innerText()).not.toContain('Jay');
    await ui.screenshot('triage-5-reporter-feedback');
  });
});
