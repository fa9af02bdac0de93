// A member of staff's tab in Chromium: only "My reports" (reference, date, status), their AUP
// status, and nothing of any case; the DSL's API refuses them. axe on the view.
import { PEOPLE } from '../support/harness';
import { seriousAxeViolations, shoot, startTabWorld, type TabWorld } from './support/tab-world';

let world: TabWorld;
beforeAll(async () => {
  world = await startTabWorld();
}, 120_000);
afterAll(async () => world?.stop());

describe('a member of staff', () => {
  it('sees their own reports and nothing of the cases', async () => {
    const page = await world.open(PEOPLE.teacher);
    await page.getByRole('heading', { level: 1, name: 'My reports' }).waitFor();
    await page.getByRole('cell', { name: world.concerns.amelia.reference }).waitFor();
    // One view only: no navigation to anything else.
    expect(await page.getByRole('tab').count()).toBe(0);
    const text = await page.locator('main').innerText();
    for (const secret of ['Amelia', 'Jordan', 'Mr Example', 'WhatsApp', 'Grooming', 'Online bullying']) expect(text).not.toContain(secret);
    expect(text).toContain('Closed');
    expect(text).toContain('Being looked at');
    await page.getByRole('cell', { name: /Staff Acceptable Use Policy 2026/ }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'staff-my-reports');

    // Asking the API directly for the queue or a concern, with the same token, is refused.
    const status = await page.evaluate(async (concernId) => {
      const token = sessionStorage.getItem('jigsaw.devToken');
      const q = await fetch('/api/tab/concerns', { headers: { authorization: `Bearer ${token}` } });
      const c = await fetch(`/api/tab/concerns/${concernId}`, { headers: { authorization: `Bearer ${token}` } });
      return [q.status, c.status];
    }, world.concerns.amelia.concernId);
    expect(status).toEqual([403, 403]);
    await page.close();
  }, 60_000);

  it('without a token the page asks for Teams and shows nothing', async () => {
    const page = await world.browser.context.newPage();
    await page.goto(`${world.h.url}/tab/personal`);
    await page.getByText('Open Jigsaw from Microsoft Teams').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'no-token');
    await page.close();
  }, 30_000);
});
