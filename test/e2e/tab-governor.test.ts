// A governor's tab in Chromium: the anonymised report with its charts, and no names anywhere.
import { PEOPLE } from '../support/harness';
import { GOVERNOR, seriousAxeViolations, shoot, startTabWorld, type TabWorld } from './support/tab-world';

let world: TabWorld;
// The report covers complete months only: once the world's concerns are reported, the app's clock
// moves on 40 days, so they are in the last complete month the governors see.
let ahead = 0;
beforeAll(async () => {
  world = await startTabWorld({ now: () => new Date(Date.now() + ahead) });
  ahead = 40 * 24 * 60 * 60_000;
}, 120_000);
afterAll(async () => world?.stop());

describe('a governor', () => {
  it('sees anonymised counts and charts, with no names or references', async () => {
    const page = await world.open(GOVERNOR);
    await page.getByRole('heading', { level: 1, name: 'Safeguarding report for governors' }).waitFor();
    await page.getByText('concerns recorded', { exact: true }).waitFor();
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Governors’ report', 'My reports']);
    await page.getByRole('figure', { name: 'Concerns by the 4Cs of online safety' }).waitFor();
    const text = await page.locator('main').innerText();
    for (const secret of ['Amelia', 'Okonkwo', 'Jordan', 'Noah', 'Mr Example', PEOPLE.teacher.name, PEOPLE.dsl1.name, PEOPLE.dsl2.name, world.concerns.amelia.reference, 'WhatsApp']) {
      expect(text).not.toContain(secret);
    }
    // The numbers are in an accessible table behind each chart; small ones are not shown at all.
    expect(await page.getByRole('table', { name: 'Concerns by the 4Cs of online safety' }).getByRole('row', { name: /Conduct fewer than 3/ }).count()).toBe(1);
    await page.getByText(/counts from 1 to 2 are shown as “fewer than 3”/).waitFor();
    await page.getByText(/the last twelve complete months, each as it stood at the end of/).waitFor();
    // One concern is closed: too few to show, and not shown as 0 either.
    expect(await page.getByRole('listitem').filter({ hasText: /closed$/ }).innerText()).toMatch(/^< 3\s+closed$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'governor-report');
    await page.close();
  }, 60_000);

  it('the chair sees the report and the concerns about adults addressed to the chair (none here)', async () => {
    const page = await world.open(PEOPLE.chair, { view: 'private-concerns' });
    await page.getByRole('heading', { level: 1, name: 'Concerns about adults' }).waitFor();
    await page.getByText('There are no concerns about adults for you.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'chair-private-concerns');
    await page.getByRole('tab', { name: 'Governors’ report' }).click();
    await page.getByText('concerns recorded', { exact: true }).waitFor();
    await shoot(page, 'chair-governor-report');
    await page.close();
  }, 60_000);
});
