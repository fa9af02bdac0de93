// The Data Protection Officer's tab in Chromium: the access log (who opened which record), the
// records' retention (read-only), and no concern queue.
import { PEOPLE, SCHOOL } from '../support/harness';
import { placeLegalHold } from '../../src/services/legal-hold';
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
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Access log', 'Records', 'My reports']);
    const row = page.getByRole('row').filter({ hasText: world.concerns.jordan.reference }).filter({ hasText: PEOPLE.dsl1.name });
    await row.first().waitFor();
    expect(await row.first().innerText()).toContain("Opened a concern's details");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dpo-access-log');
    await page.close();
  }, 60_000);

  it('reads the records’ retention: periods, what is kept and why, and a legal hold', async () => {
    await placeLegalHold({ db: world.h.db, concerns: world.h.app.concerns, now: () => new Date() }, { tenantId: SCHOOL.tenantId, reference: world.concerns.jordan.reference, reason: 'Police request', actor: { aadObjectId: PEOPLE.dpo.aadObjectId, name: PEOPLE.dpo.name } });
    const page = await world.open(PEOPLE.dpo, { view: 'records' });
    await page.getByRole('heading', { level: 1, name: 'Records' }).waitFor();
    await page.getByText('25 years after they were recorded', { exact: false }).waitFor();
    const holds = page.getByRole('table', { name: 'Legal holds' });
    await holds.getByRole('cell', { name: world.concerns.jordan.reference }).waitFor();
    await holds.getByRole('cell', { name: 'Police request' }).waitFor();
    await page.getByText('Nothing is due for deletion.').waitFor();
    expect(await page.getByRole('button').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dpo-records');
    await page.close();
  }, 60_000);
});
