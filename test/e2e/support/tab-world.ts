// The tab in Debian's Chromium against the real server (harness), signed in with tokens from the
// test identity provider the server trusts. Seeds a small school: concerns in several categories
// and states, a concern about an adult, a published staff AUP, a governor.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { PEOPLE, SCHOOL, startHarness, type Harness } from '../../support/harness';
import { reportAndAwaitCard } from '../../support/triage';
import { startTestIdentityProvider, type TestIdentityProvider } from '../../support/test-identity-provider';
import { assignRole } from '../../../src/store/tenant.repo';
import { replaceAudienceMembers } from '../../../src/store/aup.repo';
import { publishAupVersion } from '../../../src/services/aup-publish';
import { acknowledgeAup } from '../../../src/services/aup-acknowledge';
import { STAFF_DRAFT } from '../../support/aup-fixtures';
import { seedSharingAudit } from '../../support/tab-sharing-fixtures';
import { launchChromium, type LaunchedBrowser } from './playground-driver';

export const GOVERNOR = { aadObjectId: '99999999-0000-4000-8000-000000000099', name: 'Gwen Governor' };
const ROOT = resolve(__dirname, '..', '..', '..');
const SHOTS = join(ROOT, 'test-results');

export interface TabWorld {
  h: Harness;
  idp: TestIdentityProvider;
  browser: LaunchedBrowser;
  concerns: Record<'amelia' | 'jordan' | 'ameliaAgain' | 'breach' | 'filtering' | 'adult', { reference: string; concernId: string }>;
  open(who: { aadObjectId: string; name: string }, options?: { view?: string; theme?: 'dark' | 'contrast'; page?: string }): Promise<Page>;
  stop(): Promise<void>;
}

/** Builds dist/tab from the sources under test, so the browser runs what `npm run build` ships. */
function buildTab(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-tab.js')], { cwd: ROOT, stdio: 'pipe' });
}

/** `now`: the app's clock (the governors' test moves it on a month, so the world's concerns are in a complete month). */
export async function startTabWorld(options: { now?: () => Date } = {}): Promise<TabWorld> {
  buildTab();
  const idp = await startTestIdentityProvider(SCHOOL.tenantId);
  const h = await startHarness({ env: { ...idp.env, TAB_DEV_TOKENS: 'true' }, now: options.now });
  await assignRole(h.db, SCHOOL.tenantId, 'governor', GOVERNOR.aadObjectId);
  const amelia = await reportAndAwaitCard(h, PEOPLE.teacher);
  const jordan = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Jordan Blake (5A)', category: 'grooming', urgency: 'urgent', whatHappened: 'Jordan said a man he met in a game asked him to meet at the park on Saturday and not to tell anyone.', childWords: 'He said it is our secret.' });
  const ameliaAgain = await reportAndAwaitCard(h, PEOPLE.dsl2, { pupils: 'amelia okonkwo', category: 'social-media', whatHappened: 'Amelia posted her home address on a public video.' });
  const breach = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Class 6B', category: 'data-breach', whatHappened: 'A spreadsheet of 6B pupils with dates of birth was shared by link with anyone.' });
  const filtering = await reportAndAwaitCard(h, PEOPLE.teacher, { pupils: 'Noah Fisher', category: 'filtering-failure', whatHappened: 'A gambling site loaded on a Year 5 laptop.' });
  const adult = await reportAndAwaitCard(h, PEOPLE.teacher, { about: 'adult', adultName: 'Mr Example (supply teacher)', category: 'concern-about-adult', pupils: '', whatHappened: 'A supply teacher followed pupils on social media and messaged one of them.' });

  const act = async (who: { aadObjectId: string; name: string }, concernId: string, kind: string, values: Record<string, string> = {}) => {
    const res = await fetch(`${h.url}/api/tab/concerns/${concernId}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.mint(who)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind, values }),
    });
    if (res.status !== 200) throw new Error(`${kind} answered ${res.status}: ${await res.text()}`);
  };
  await act(PEOPLE.dsl1, amelia.concernId, 'take-ownership');
  await act(PEOPLE.dsl1, amelia.concernId, 'add-note', { note: 'Spoke to Amelia with her class teacher. Screenshots kept by the DSL; parents to be told today.' });
  await act(PEOPLE.dsl1, amelia.concernId, 'set-risk', { riskLevel: 'medium', riskReason: 'Repeated messages from several pupils.' });
  await act(PEOPLE.dsl2, filtering.concernId, 'take-ownership');
  await act(PEOPLE.dsl2, filtering.concernId, 'close', { closeOutcome: 'filtering-change', closeRationale: 'Site category blocked by the filtering provider the same day.' });
  await act(PEOPLE.dsl2, breach.concernId, 'take-ownership');

  // A published staff AUP that the teacher has agreed to and two others have not.
  const now = () => new Date();
  await replaceAudienceMembers(h.db, SCHOOL.tenantId, 'staff', [PEOPLE.teacher, PEOPLE.dsl1, PEOPLE.admin].map((p) => ({ personId: p.aadObjectId, aadObjectId: p.aadObjectId, displayName: p.name })), 'group', now());
  const published = await publishAupVersion({ db: h.db, now }, { tenantId: SCHOOL.tenantId, draft: STAFF_DRAFT, publishedBy: PEOPLE.admin.aadObjectId });
  await acknowledgeAup({ db: h.db, now, validityMonths: 12 }, { tenantId: SCHOOL.tenantId, person: { aadObjectId: PEOPLE.teacher.aadObjectId, name: PEOPLE.teacher.name }, versionId: published.version.versionId });

  await seedSharingAudit(h.db, SCHOOL.tenantId, PEOPLE.teacher);

  const browser = await launchChromium();
  return {
    h,
    idp,
    browser,
    concerns: { amelia, jordan, ameliaAgain, breach, filtering, adult },
    async open(who, options = {}) {
      const page = await browser.context.newPage();
      page.setDefaultTimeout(15_000);
      const query = new URLSearchParams();
      if (options.view) query.set('view', options.view);
      if (options.theme) query.set('theme', options.theme);
      const token = await idp.mint(who);
      await page.goto(`${h.url}/tab/${options.page ?? 'personal'}${query.size ? `?${query}` : ''}#token=${token}`);
      return page;
    },
    async stop() {
      await browser.close();
      await h.stop();
      await idp.stop();
    },
  };
}

/** Saves a full-page screenshot to test-results/tab-<name>.png. */
export async function shoot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `tab-${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  return path;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html?: string; failureSummary?: string }[];
}

/**
 * Fluent UI's focus manager (tabster) adds `<i tabindex="0" aria-hidden="true" data-tabster-dummy>`
 * bumpers that only pass focus on; axe's aria-hidden-focus flags them. A documented false
 * positive (microsoft/tabster#288, microsoft/fluentui#27517 "By Design"); Accessibility Insights
 * suppresses exactly these nodes (accessibility-insights-web#7605), and so do we — only these.
 */
function isTabsterBumper(ruleId: string, node: { html?: string }): boolean {
  return ruleId === 'aria-hidden-focus' && /^<i [^>]*data-tabster-dummy/.test(node.html ?? '');
}

/**
 * Starts recording what the page gives screen readers to announce: text put into a live region
 * (aria-live) and, where the browser has it, document.ariaNotify. Read it with `announced`.
 */
export async function recordAnnouncements(page: Page): Promise<void> {
  await page.evaluate(() => {
    const heard: string[] = [];
    (window as unknown as { __announced: string[] }).__announced = heard;
    const doc = document as Document & { ariaNotify?: (message: string, options?: unknown) => void };
    const notify = doc.ariaNotify?.bind(doc);
    if (notify) doc.ariaNotify = (message, options) => (heard.push(message), notify(message, options));
    new MutationObserver((records) => {
      for (const r of records) {
        const region = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[aria-live]');
        const text = region?.textContent?.trim();
        if (region && region.getAttribute('aria-live') !== 'off' && text && heard.at(-1) !== text) heard.push(text);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** What has been announced since `recordAnnouncements`, oldest first. */
export async function announced(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { __announced: string[] }).__announced]);
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does
 * not govern) and returns the serious and critical violations, WCAG 2.1 A and AA plus best practice.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Judge the settled page: colours measured mid fade-in (a dialog opening) are not what people see.
  // (Infinite ones, such as a spinner, are skipped; and at most 2 s is spent waiting.)
  await page.evaluate(() => {
    const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity);
    return Promise.race([Promise.all(finite.map((a) => a.finished.catch(() => undefined))), new Promise((r) => setTimeout(r, 2000))]);
  });
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !isTabsterBumper(v.id, n)) }))
    .filter((v) => v.nodes.length > 0)
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html?.slice(0, 200), failureSummary: n.failureSummary })) }));
}
