// The report journey through the real Microsoft 365 Agents Playground UI in Debian's Chromium:
// a member of staff reports a concern in personal chat, sees the receipt, and the concern card
// arrives in the Safeguarding (DSL) channel. Runs with JIGSAW_E2E=1 (npm run test:e2e).
import { DEMO_SCHOOL } from '../../src/demo/playground-config';
import { type DemoStack, startDemoStack } from './support/demo-stack';

describe('report a concern through the Teams Playground', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack();
  }, 120_000);
  afterAll(() => stack?.stop());

  it('takes a report in personal chat and posts it to the DSL channel', async () => {
    const { ui } = stack;
    await ui.openPersonalChat();
    await ui.sendText('hello');
    await ui.waitForCard('Report a safeguarding or online-safety concern');
    await ui.fillCard({ category: 'nudes-sharing', about: 'pupil' });
    await ui.screenshot('report-1-category');
    await ui.clickCardAction('Continue');

    // Choosing nudes-sharing shows the UKCIS instruction before anything else.
    await ui.waitForCard('Sharing nudes or semi-nudes: read this first');
    await ui.fillCard({
      pupils: 'Amelia Okonkwo (6B)',
      whatHappened: 'Amelia told me an older pupil is asking her to send photos on Snapchat.',
      childWords: 'He keeps asking and says everyone does it.',
      location: 'Online, Snapchat; told me in the library',
      urgency: 'urgent',
    });
    await ui.screenshot('report-2-details');
    await ui.clickCardAction('Send to the safeguarding team');

    const receipt = await ui.waitForCard('Thank you: your concern has been recorded');
    const receiptText = await receipt.innerText();
    const reference = /C-\d{4}-\d{5}/.exec(receiptText)?.[0];
    expect(reference).toBeDefined();
    expect(receiptText).toContain('the Designated Safeguarding Lead (DSL) team');
    expect(receiptText).not.toContain('Amelia');
    await ui.screenshot('report-3-receipt');

    await ui.openChannel(DEMO_SCHOOL.team.safeguarding.name);
    const card = await ui.waitForCard(reference!, 30_000);
    const cardText = await card.innerText();
    for (const expected of ['URGENT', 'Sharing nudes / semi-nudes (Conduct)', 'Amelia Okonkwo (6B)', 'He keeps asking and says everyone does it.', 'Sam Teacher']) {
      expect(cardText).toContain(expected);
    }
    await ui.screenshot('report-4-dsl-channel');
  });
});
