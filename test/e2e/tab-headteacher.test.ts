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
});
