// The Data Protection Officer's tab in Chromium: the access log (who opened which record), and
// no concern queue.
import { PEOPLE } from '../support/harness';
import { seriousAxeViolations, shoot, startTabWorld, type TabWorld } from './support/tab-world';

let world: TabWorld;
beforeAll(async () => {
  world = await startTabWorld();
}, 120_000);
afterAll(async () => world?.stop());

describe('the DPO', () => {
  it('reads the access log after a DSL opened a concern', async () => {
    const dsl = await world.open(PEOPLE.dsl1);
    await dsl.getByRole('button', { name: `Open concern ${world.concerns.jordan.reference}` }).click();
    await dsl.getByText('He said it is our secret.').waitFor();
    await dsl.close();

    const page = await world.open(PEOPLE.dpo);
    await page.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Access log', 'My reports']);
    const row = page.getByRole('row').filter({ hasText: world.concerns.jordan.reference }).filter({ hasText: PEOPLE.dsl1.name });
    await row.first().waitFor();
    expect(await row.first().innerText()).toContain("Opened a concern's details");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dpo-access-log');
    await page.close();
  }, 60_000);
});
