// The headteacher's tab in Chromium: concerns about adults (theirs only, never in the DSL queue)
// and their details; no DSL queue.
import { PEOPLE } from '../support/harness';
import { seriousAxeViolations, shoot, startTabWorld, type TabWorld } from './support/tab-world';

let world: TabWorld;
beforeAll(async () => {
  world = await startTabWorld();
}, 120_000);
afterAll(async () => world?.stop());

describe('the headteacher', () => {
  it('sees the concern about an adult privately, with its details', async () => {
    const page = await world.open(PEOPLE.head);
    await page.getByRole('heading', { level: 1, name: 'Concerns about adults' }).waitFor();
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['About adults', 'Governors’ report', 'My reports']);
    await page.getByRole('button', { name: `Open concern ${world.concerns.adult.reference}` }).waitFor();
    expect(await page.getByRole('button', { name: /^Open concern/ }).count()).toBe(1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'headteacher-1-private-concerns');
    await page.getByRole('button', { name: `Open concern ${world.concerns.adult.reference}` }).click();
    await page.getByText('Mr Example (supply teacher)').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'headteacher-2-concern');
    await page.close();
  }, 60_000);

  it('gives a named person access by typing part of their name; they then find it under "About adults"', async () => {
    for (const who of [PEOPLE.teacher, PEOPLE.dpo, PEOPLE.chair]) await world.h.say(who, 'hello'); // Jigsaw knows people once they have chatted with it
    const page = await world.open(PEOPLE.head);
    await page.getByRole('button', { name: `Open concern ${world.concerns.adult.reference}` }).click();
    await page.getByText('Mr Example (supply teacher)').waitFor();
    await page.getByRole('button', { name: 'Take ownership' }).click();
    await page.getByText(/^Recorded:/).waitFor();

    await page.getByLabel('Action', { exact: true }).selectOption('add-participant');
    const picker = page.getByRole('combobox', { name: /^Give access to/ });
    await picker.click();
    await picker.pressSequentially('zzz');
    await page.getByText('Nobody of that name.', { exact: false }).waitFor();
    await picker.fill('');
    await picker.pressSequentially('dpo');
    await page.getByRole('option', { name: PEOPLE.dpo.name }).click();
    expect(await picker.inputValue()).toBe(PEOPLE.dpo.name);
    expect(await picker.getAttribute('aria-expanded')).toBe('false'); // the list closes once someone is chosen
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'headteacher-3-give-access');
    await page.getByRole('button', { name: 'Give someone access' }).click();
    await page.getByText(/^Recorded:/).waitFor();
    await page.close();

    const theirs = await world.open(PEOPLE.dpo, { view: 'private-concerns' });
    await theirs.getByRole('heading', { level: 1, name: 'Concerns about adults' }).waitFor();
    await theirs.getByRole('button', { name: `Open concern ${world.concerns.adult.reference}` }).waitFor();
    expect(await theirs.getByRole('tab').allInnerTexts()).toEqual(['About adults', 'Access log', 'Records', 'My reports']);
    await theirs.close();
  }, 60_000);

  it('withdraws that access after asking; the person no longer finds the concern', async () => {
    const page = await world.open(PEOPLE.head);
    await page.getByRole('button', { name: `Open concern ${world.concerns.adult.reference}` }).click();
    await page.getByRole('heading', { name: 'People with access' }).waitFor();
    const withdraw = page.getByRole('button', { name: `Withdraw access from ${PEOPLE.dpo.name}` });

    // Cancel leaves the access where it was.
    await withdraw.click();
    let dialog = page.getByRole('dialog', { name: `Withdraw ${PEOPLE.dpo.name}'s access?` });
    await dialog.getByText(`${PEOPLE.dpo.name} will no longer be able to open this concern`, { exact: false }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'headteacher-4-withdraw-access');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await withdraw.waitFor();

    // Confirmed: the person goes from the list, and focus goes to the section's heading (nobody is left).
    await withdraw.click();
    dialog = page.getByRole('dialog', { name: `Withdraw ${PEOPLE.dpo.name}'s access?` });
    await dialog.getByRole('button', { name: 'Withdraw access' }).click();
    await withdraw.waitFor({ state: 'detached' });
    await page.getByText(`Access withdrawn from ${PEOPLE.dpo.name}.`).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'access-heading');
    await page.getByText('Access was withdrawn', { exact: true }).waitFor(); // in the chronology
    await page.close();

    const theirs = await world.open(PEOPLE.dpo);
    await theirs.getByRole('tab', { name: 'My reports' }).waitFor();
    expect(await theirs.getByRole('tab').allInnerTexts()).toEqual(['Access log', 'Records', 'My reports']);
    await theirs.close();
  }, 60_000);
});
