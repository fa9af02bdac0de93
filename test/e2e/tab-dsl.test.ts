// The DSL's tab in Chromium: the queue with filters, a concern with its chronology and an action,
// a pupil's chronology, the access log, taking over a colleague's concern; light, dark and
// high-contrast themes; axe on each view.
import { readFileSync } from 'node:fs';
import { PEOPLE } from '../support/harness';
import { announced, recordAnnouncements, seriousAxeViolations, shoot, startTabWorld, type TabWorld } from './support/tab-world';

let world: TabWorld;
beforeAll(async () => {
  world = await startTabWorld();
}, 120_000);
afterAll(async () => world?.stop());

describe('the DSL', () => {
  it('works the queue, a concern, a pupil chronology and the access log', async () => {
    const page = await world.open(PEOPLE.dsl1);
    await page.getByRole('heading', { level: 1, name: 'Concerns' }).waitFor();
    await page.getByRole('button', { name: `Open concern ${world.concerns.jordan.reference}` }).waitFor();
    const tabs = await page.getByRole('tab').allInnerTexts();
    expect(tabs).toEqual(['Concerns', 'Access log', 'My reports']);
    // Never a concern about an adult in the DSL queue.
    expect(await page.getByText('Mr Example').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-1-queue');

    // Filter by 4C from the keyboard: focus the select and choose "Contact".
    await page.getByLabel('4C').selectOption('contact');
    await page.getByText('1 concern', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /^Open concern/ }).count()).toBe(1);
    await shoot(page, 'dsl-2-queue-filtered');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Search').fill('okonkwo');
    await page.getByLabel('Search').press('Enter');
    await page.getByText('2 concerns', { exact: true }).waitFor();

    // Open a concern with the keyboard.
    await page.getByRole('button', { name: `Open concern ${world.concerns.amelia.reference}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: new RegExp(world.concerns.amelia.reference) }).waitFor();
    await page.getByText('They said nobody wants me there.').waitFor();
    await page.getByText('Spoke to Amelia with her class teacher', { exact: false }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-3-concern');

    // Record an action through the same service as the card.
    await page.getByLabel('Action', { exact: true }).selectOption('record-action');
    await page.getByLabel('Action or outcome').selectOption('inform-parents');
    await page.getByLabel('Note').fill('Mum phoned; she will check the group chat with Amelia tonight.');
    await page.getByRole('button', { name: 'Record an action or outcome' }).click();
    await page.getByText(/Recorded: Action recorded: Inform parents/).waitFor();
    await page.getByText('Mum phoned; she will check the group chat with Amelia tonight.').waitFor();
    await shoot(page, 'dsl-4-concern-action-recorded');

    // Link another concern: a wrong reference comes back next to its field, with what was typed kept.
    await page.getByLabel('Action', { exact: true }).selectOption('link');
    const references = page.getByLabel('Concern references to link');
    await references.fill('C-2026-99999');
    await page.getByRole('button', { name: 'Link pupils or concerns' }).click();
    await page.getByText('No concern C-2026-99999 that you can link to was found.').waitFor();
    expect(await references.inputValue()).toBe('C-2026-99999');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-4b-link-refused');
    await references.fill(world.concerns.jordan.reference);
    await page.getByRole('button', { name: 'Link pupils or concerns' }).click();
    await page.getByText('Recorded: Linked to other pupils or concerns').waitFor();

    // The pupil's chronology across concerns.
    await page.getByRole('button', { name: 'Chronology of Amelia Okonkwo (6B)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Chronology: Amelia Okonkwo (6B)' }).waitFor();
    await page.getByText(world.concerns.ameliaAgain.reference).first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-5-pupil-chronology');

    // Moving school: export the file as a PDF and record the new school's receipt.
    await page.getByRole('textbox', { name: 'New school' }).fill('Avenue House School');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export the file (PDF)' }).click();
    const file = await download;
    const bytes = readFileSync((await file.path())!);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(file.suggestedFilename()).toMatch(/^child-protection-file-[0-9a-f]{8}\.pdf$/);
    // Another DSL records the receipt while this page still offers it: the refusal is said as a
    // message of its own, not as an error of the "New school" box it has nothing to do with.
    // The page must offer it first (its list is read again after the export), or it would show
    // the receipt already recorded and offer nothing.
    const recordReceipt = page.getByRole('button', { name: 'Record that Avenue House School confirmed receipt' });
    await recordReceipt.waitFor();
    const transfersPath = `${world.h.url}/api/tab/concerns/${world.concerns.amelia.concernId}/pupils/0/transfers`;
    const dsl2 = { authorization: `Bearer ${await world.idp.mint(PEOPLE.dsl2)}`, 'content-type': 'application/json' };
    const { transfers } = (await (await fetch(transfersPath, { headers: dsl2 })).json()) as { transfers: { transferId: string }[] };
    expect(transfers).toHaveLength(1);
    const receipt = await fetch(`${world.h.url}/api/tab/transfers/${transfers[0]!.transferId}/receipt`, { method: 'POST', headers: dsl2, body: JSON.stringify({}) });
    expect(receipt.status).toBe(200);
    await recordReceipt.click();
    await page.getByRole('group').getByText('That transfer is unknown or its receipt is already recorded.').waitFor();
    expect(await page.getByRole('textbox', { name: 'New school' }).getAttribute('aria-invalid')).not.toBe('true');
    await page.getByText(/^Confirmed /).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-5b-pupil-file-transferred');

    // The access log shows those views.
    await page.getByRole('tab', { name: 'Access log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
    await page.getByRole('cell', { name: "Opened a pupil's chronology" }).first().waitFor();
    expect(await page.getByRole('cell', { name: "Opened a concern's details" }).count()).toBeGreaterThan(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-6-access-log');
    await page.close();
  }, 90_000);

  it('takes over a concern from a DSL who is away: a stale page and a closed concern refused, the reason kept', async () => {
    const { breach } = world.concerns;
    // What other DSLs do meanwhile, through the same API.
    const elsewhere = async (who: { aadObjectId: string; name: string }, kind: string, values: Record<string, string>) => {
      const res = await fetch(`${world.h.url}/api/tab/concerns/${breach.concernId}/actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await world.idp.mint(who)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind, values }),
      });
      expect(res.status).toBe(200);
    };
    const page = await world.open(PEOPLE.dsl1);
    await page.getByRole('button', { name: `Open concern ${breach.reference}` }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(breach.reference) }).waitFor();
    const owner = page.locator('dt:text-is("Owner") + dd');
    expect(await owner.innerText()).toBe(PEOPLE.dsl2.name);
    // Offered last: the action chosen on opening is still "Add a note".
    const action = page.getByLabel('Action', { exact: true });
    expect(await action.inputValue()).toBe('add-note');
    expect((await action.locator('option').allInnerTexts()).at(-1)).toBe('Take over');
    await action.selectOption('take-over');
    await page.getByText(`You become the owner instead of ${PEOPLE.dsl2.name}.`, { exact: false }).waitFor();
    const reason = page.getByLabel(/^Why you are taking it over/);
    await reason.fill('Priya is on leave until Monday.');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-7-take-over');
    // Every answer to the button is announced to a screen reader, each refusal and then the
    // success, though the message appears in the same place each time.
    await recordAnnouncements(page);

    // Ari took it over while the page was open: refused, the reason kept, and the page now shows Ari.
    await elsewhere(PEOPLE.admin, 'take-over', { takeOverReason: 'Covering for Priya.', fromOwner: PEOPLE.dsl2.aadObjectId });
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText(`The owner has changed since you last saw this concern: ${PEOPLE.admin.name} owns this concern now. Nothing was recorded.`).waitFor();
    await page.getByText(`You become the owner instead of ${PEOPLE.admin.name}.`, { exact: false }).waitFor();
    expect(await owner.innerText()).toBe(PEOPLE.admin.name);
    expect(await reason.inputValue()).toBe('Priya is on leave until Monday.');
    await shoot(page, 'dsl-7b-take-over-stale');

    // Closed meanwhile: refused, the reason kept.
    await elsewhere(PEOPLE.admin, 'close', { closeOutcome: 'no-further-action', closeRationale: 'Link removed; nobody outside the school opened it.' });
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText('This concern is closed. Reopen it (with the reason) to record anything more.').waitFor();
    expect(await reason.inputValue()).toBe('Priya is on leave until Monday.');

    // Reopened (Ari still owns it): pressing again takes it over from Ari, as the page shows.
    await elsewhere(PEOPLE.admin, 'reopen', { reopenReason: 'The link was shared again.' });
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText('Recorded: Ownership taken over').waitFor();
    await owner.filter({ hasText: PEOPLE.dsl1.name }).waitFor();
    await page.getByText('Priya is on leave until Monday.').waitFor();
    expect(await page.locator('dt:text-is("Taken over from") + dd').allInnerTexts()).toEqual([PEOPLE.dsl2.name, PEOPLE.admin.name]);
    // Dana owns it now: no "Take over", and the form is back on an action that is offered.
    expect(await action.locator('option').allInnerTexts()).not.toContain('Take over');
    expect(await action.inputValue()).toBe('add-note');
    const heard = (await announced(page)).join(' | ');
    expect(heard).toContain(`The owner has changed since you last saw this concern: ${PEOPLE.admin.name} owns this concern now.`);
    expect(heard).toContain('This concern is closed. Reopen it (with the reason) to record anything more.');
    expect(heard).toContain('Recorded: Ownership taken over');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, 'dsl-7c-taken-over');
    await page.close();
  }, 90_000);

  it.each(['dark', 'contrast'] as const)('follows the Teams %s theme', async (theme) => {
    const page = await world.open(PEOPLE.dsl2, { theme });
    await page.getByRole('button', { name: `Open concern ${world.concerns.jordan.reference}` }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, `dsl-queue-${theme}`);
    await page.getByRole('button', { name: `Open concern ${world.concerns.jordan.reference}` }).click();
    await page.getByText('He said it is our secret.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shoot(page, `dsl-concern-${theme}`);
    await page.close();
  }, 60_000);
});
