// An administrator's tab in Chromium: settings (roles, DSL channel, thresholds), the sharing
// audit (runs and findings) and the AUP register; the admin here is also on the DSL roster.
import { PEOPLE, SCHOOL } from '../support/harness';
import { seriousAxeViolations, shoot, startTabWorld, type TabWorld } from './support/tab-world';

let world: TabWorld;
beforeAll(async () => {
  world = await startTabWorld();
}, 120_000);
afterAll(async () => world?.stop());

describe('an administrator', () => {
  it('sees settings, the sharing audit and the AUP register', async () => {
    const page = await world.open(PEOPLE.admin, { view: 'admin-settings' });
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByRole('cell', { name: 'Chair of governors' }).waitFor();
    await page.getByText('DSL team', { exact: true }).first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'admin-1-settings');

    await page.getByRole('tab', { name: 'Sharing audit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sharing audit' }).waitFor();
    await page.getByRole('cell', { name: '/Documents/SENCo/Year 6 SEN register.xlsx' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'admin-2-sharing-audit');

    // Accept a finding with a reason, in an accessible dialog, from the keyboard.
    await page.getByRole('button', { name: 'Accept the link on Sports day rota.docx with a reason' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Keep this link?' });
    await dialog.waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('textbox').fill('The rota is meant for every member of staff.');
    await shoot(page, 'admin-3-accept-finding', { fullPage: false });
    await dialog.getByRole('button', { name: 'Accept with this reason' }).click();
    await page.getByText(/Sports day rota.docx: Accepted/).waitFor();
    expect(await page.getByRole('cell', { name: '/Documents/PE/Sports day rota.docx' }).count()).toBe(0);
    await page.getByRole('button', { name: /^Notify owners/ }).click();
    await page.getByText(/Queued a message to 1 owner about 1 finding/).waitFor();
    await shoot(page, 'admin-4-owners-notified');

    await page.getByRole('tab', { name: 'AUPs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Acceptable use policies' }).waitFor();
    await page.getByRole('cell', { name: PEOPLE.teacher.name }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'admin-5-aup-register');

    // Publish a governors' AUP from the tab.
    const form = page.getByRole('form', { name: 'Publish a new AUP version' });
    await form.getByLabel('Audience').selectOption('governors');
    await form.getByRole('textbox', { name: 'Title' }).fill('Governors’ Acceptable Use Policy 2026');
    await form.getByLabel('In force from').fill('2026-12-01');
    await form.getByRole('textbox', { name: 'Policy text (or give a link below)' }).fill('I will keep school information confidential and use school systems only for governance.');
    await form.getByRole('button', { name: 'Publish and send' }).click();
    await page.getByText(/Published version 1 of “Governors’ Acceptable Use Policy 2026”/).waitFor();
    await page.getByRole('cell', { name: /Governors’ Acceptable Use Policy 2026/ }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'admin-6-aup-published');

    // Keyboard: the view tabs are reachable and switch with the arrow keys.
    await page.getByRole('tab', { name: 'AUPs' }).focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Sharing audit' }).waitFor();
    await page.close();
  }, 90_000);

  it('sends again an AUP card that did not arrive, and asks first before sending one that may have', async () => {
    // The staff AUP's first cards: Teams refused the DSL's for good; the admin's may or may not have arrived.
    await world.h.app.aup.sender.idle(30_000);
    const mark = (who: { aadObjectId: string }, status: string, reason: string) =>
      world.h.db.query(`UPDATE aup_sends SET status = $3, last_error = $4 WHERE tenant_id = $1 AND person_id = $2 AND purpose = 'ask'`, [SCHOOL.tenantId, who.aadObjectId, status, reason]);
    await mark(PEOPLE.dsl1, 'failed', '403: Teams refused: the bot may not message this person');
    await mark(PEOPLE.admin, 'uncertain', 'the sender stopped while Teams was being called; not re-sent to avoid a second card');
    const page = await world.open(PEOPLE.admin, { view: 'aup-register' });
    const stuck = page.getByRole('region', { name: 'Cards that did not arrive' });
    await stuck.getByRole('cell', { name: PEOPLE.dsl1.name }).waitFor();
    await stuck.getByRole('cell', { name: 'May have arrived' }).waitFor();
    await stuck.getByRole('cell', { name: '403: Teams refused: the bot may not message this person' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'admin-9-aup-stuck');

    await stuck.getByRole('button', { name: 'Send again to the person whose card did not arrive' }).click();
    await stuck.getByText('Sending the card again to 1 person.').waitFor();
    await stuck.getByRole('button', { name: 'Send again to the person whose card may have arrived…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send the card again?' });
    await dialog.getByText(/they may see the card twice/).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Send again' }).click();
    await stuck.getByText(/Sending the card again to 1 person\. The earlier card may have reached them/).waitFor();
    await stuck.getByText('No other card is waiting to be sent again.').waitFor();
    await page.close();
  }, 90_000);

  it('takes a role away only after a confirmation that says what it means, and keeps focus in the table', async () => {
    const page = await world.open(PEOPLE.admin, { view: 'admin-settings' });
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByRole('cell', { name: 'Chair of governors' }).waitFor(); // the settings have been read
    const form = page.getByRole('form', { name: 'Give a role' });
    // Two people Jigsaw knows, as the form lists them, made governors here (the world's roles are all set in configuration).
    const people = (await form.getByLabel('Person').locator('option').allTextContents()).filter((name) => name !== 'Choose…');
    const [one, two] = people;
    expect([typeof one, typeof two]).toEqual(['string', 'string']);
    for (const name of [one, two]) {
      await form.getByLabel('Role').selectOption({ label: 'Governor' });
      await form.getByLabel('Person').selectOption({ label: name });
      await form.getByRole('button', { name: 'Give the role' }).click();
      await page.getByRole('button', { name: `Take the role Governor away from ${name}` }).waitFor();
    }
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');

    // Cancel leaves the role where it was.
    const first = page.getByRole('button', { name: `Take the role Governor away from ${one}` });
    await first.click();
    let dialog = page.getByRole('dialog', { name: 'Take the role away?' });
    await dialog.getByText(`${one} will no longer see what the Governor role opens in Jigsaw.`).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await first.waitFor(); // still there (hidden from the accessibility tree only while the dialog was open)

    // Confirmed: the row goes and focus moves to the Remove button now in its place.
    const second = `Take the role Governor away from ${two}`;
    await first.click();
    dialog = page.getByRole('dialog', { name: 'Take the role away?' });
    await dialog.getByRole('button', { name: 'Take the role away' }).click();
    await first.waitFor({ state: 'detached' });
    await page.waitForFunction((label) => document.activeElement?.getAttribute('aria-label') === label, second);

    // The last one: focus goes to the Roles heading.
    await page.getByRole('button', { name: second }).click();
    await page.getByRole('dialog', { name: 'Take the role away?' }).getByRole('button', { name: 'Take the role away' }).click();
    await page.getByRole('button', { name: second }).waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.id === 'settings-roles');
    expect(await focused()).toBe('Roles');
    await page.close();
  }, 90_000);
});
