// Drives the Microsoft 365 Agents Playground UI (the local Teams emulator) in Debian's Chromium
// through playwright-core, for end-to-end tests. Facts about the Playground it relies on are in
// docs/playground.md. Selectors prefer roles, accessible names and text; the only class name used
// is `.ac-adaptiveCard`, the Adaptive Cards renderer's own stable root class.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page, type Route } from 'playwright-core';
import type { RunningPlayground } from '../../../src/demo/start-playground';

/** Debian's real binary (/usr/bin/chromium is a shell wrapper playwright cannot drive). */
export const CHROMIUM_PATH = process.env.JIGSAW_CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/** No GPU, no sandbox (containers), and nothing that phones home: the machine has no internet. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // The browser's own locale decides how <input type="date"> is shown (dd/mm/yyyy for en-GB),
  // as a UK school's Teams client would; the context's `locale` only sets navigator.language.
  '--lang=en-GB',
];

const DEFAULT_TIMEOUT = 15_000;

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/**
 * Starts Debian's Chromium with a fresh profile. Every request that is not to loopback is aborted
 * in the browser (the Playground's page asks a CDN for fonts; failing fast keeps tests quick and
 * makes sure nothing leaves the machine).
 */
export async function launchChromium(options: { headless?: boolean } = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install Debian's Chromium first: ` +
        '`apt-get update && apt-get install -y chromium` (or set JIGSAW_CHROMIUM_PATH). ' +
        '`npx playwright install` does not work here.',
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'jigsaw-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  await context.route('**/*', (route: Route) =>
    isLoopbackUrl(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
  );
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A value for one Adaptive Card input: text/date/time/choice title or value, choices for multi-select, on/off for toggles. */
export type CardValue = string | boolean | string[];

interface CardInputSpec {
  type: string;
  id: string;
  label?: string;
  title?: string;
  placeholder?: string;
  style?: string;
  isMultiSelect?: boolean;
  choices?: { title: string; value: string }[];
  valueOn?: string;
  valueOff?: string;
}

interface PlaygroundUser {
  id: string;
  name: string;
  aadObjectId: string;
}

interface PlaygroundConfigResponse {
  config: {
    bot: { id: string; name: string };
    currentUser: PlaygroundUser;
    users: PlaygroundUser[];
    teams: { name: string; channels: { id: string; name: string }[] }[];
  };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Walks a card (or any JSON) and yields its inputs, so a test can name an input by its id. */
function collectInputs(node: unknown, out: CardInputSpec[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectInputs(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.type === 'string' && record.type.startsWith('Input.') && typeof record.id === 'string') {
    out.push(record as unknown as CardInputSpec);
  }
  for (const value of Object.values(record)) collectInputs(value, out);
}

/** "2026-11-20" → "November 20, 2026": the Fluent date picker parses this as a local date (ISO would be UTC). */
function longDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${months[Number(m[2]) - 1]} ${Number(m[3])}, ${m[1]}`;
}

export type PlaygroundView = { kind: 'chat'; name: string } | { kind: 'channel'; name: string };

export interface OpenPlaygroundOptions {
  /** Where screenshots go; default <cwd>/test-results. */
  screenshotDir?: string;
  headless?: boolean;
}

/**
 * One browser tab on the Playground. Typical use (playground = await startPlayground(…)):
 *   const ui = await PlaygroundDriver.open(playground);
 *   await ui.openPersonalChat(); await ui.sendText('report');
 *   const card = await ui.waitForCard('Report a concern');
 *   await ui.fillCard({ summary: '…', when: '2026-11-20', category: 'Online safety', urgent: true }, card);
 *   await ui.clickCardAction('Submit', card);
 *   await ui.openChannel('Safeguarding'); await ui.actAs('Dana Lead'); await ui.waitForCard('New concern');
 */
export class PlaygroundDriver {
  readonly page: Page;
  private readonly browser: LaunchedBrowser;
  private readonly screenshotDir: string;
  private config!: PlaygroundConfigResponse['config'];
  private view: PlaygroundView = { kind: 'chat', name: 'Personal Chat' };
  /** Inputs of every card the page has received (newest last), to resolve input ids to labels. */
  private readonly seenInputs: CardInputSpec[] = [];
  private readonly playground: RunningPlayground | undefined;

  private constructor(browser: LaunchedBrowser, page: Page, screenshotDir: string, playground: RunningPlayground | undefined) {
    this.browser = browser;
    this.page = page;
    this.screenshotDir = screenshotDir;
    this.playground = playground;
  }

  /** Launches Chromium and opens the Playground (a RunningPlayground, or just its URL: then no actAs). */
  static async open(playground: RunningPlayground | string, options: OpenPlaygroundOptions = {}): Promise<PlaygroundDriver> {
    const url = typeof playground === 'string' ? playground : playground.url;
    const browser = await launchChromium({ headless: options.headless });
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      page.setDefaultTimeout(DEFAULT_TIMEOUT);
      const running = typeof playground === 'string' ? undefined : playground;
      const driver = new PlaygroundDriver(browser, page, resolve(options.screenshotDir ?? 'test-results'), running);
      await driver.attach(url);
      return driver;
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  private async attach(url: string): Promise<void> {
    // Cards arrive over the conversation WebSocket (createMessage/updateMessage) and as the
    // bodies of Action.Execute invoke responses; remember their inputs.
    this.page.on('websocket', (ws) => {
      ws.on('framereceived', (frame) => {
        const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString();
        if (!text.includes('"action"') || !text.includes('Input.')) return;
        try {
          collectInputs(JSON.parse(text), this.seenInputs);
        } catch {
          // Not JSON: ignore.
        }
      });
    });
    this.page.on('response', (response) => {
      if (!/\/_conversation\/v1\/invoke$/.test(response.url())) return;
      response
        .json()
        .then((body: unknown) => collectInputs(body, this.seenInputs))
        .catch(() => undefined);
    });

    const res = await this.page.request.get(new URL('/_internal/v1/config', url).toString());
    this.config = ((await res.json()) as PlaygroundConfigResponse).config;
    await this.page.goto(url);
    await this.page.getByRole('treeitem', { name: 'Personal Chat' }).waitFor();
    // The log panel repeats every message's text; hide it so text matches only hit the conversation.
    const hideLog = this.page.getByRole('button', { name: 'Hide log panel' });
    if (await hideLog.isVisible()) await hideLog.click();
  }

  /** Users from the Playground's config: the current user first. */
  users(): PlaygroundUser[] {
    return [this.config.currentUser, ...this.config.users];
  }

  private user(nameOrId: string): PlaygroundUser {
    const found = this.users().find((u) => u.id === nameOrId || u.name === nameOrId || u.aadObjectId === nameOrId);
    if (!found) throw new Error(`no Playground user "${nameOrId}"; known: ${this.users().map((u) => u.name).join(', ')}`);
    return found;
  }

  // ---------------------------------------------------------------- navigation

  async openPersonalChat(): Promise<void> {
    await this.page.getByRole('treeitem', { name: 'Personal Chat' }).click();
    this.view = { kind: 'chat', name: 'Personal Chat' };
    await this.composer().waitFor();
  }

  /** The one group chat (all users), by its configured name. */
  async openGroupChat(name: string): Promise<void> {
    await this.page.getByRole('tree', { name: 'Personal and Group Chat' }).getByRole('treeitem', { name }).click();
    this.view = { kind: 'chat', name };
    await this.composer().waitFor();
  }

  /** A team channel by name ("General", "Safeguarding"). Opening it sends the bot installationUpdate + conversationUpdate. */
  async openChannel(channelName: string): Promise<void> {
    const item = this.page
      .getByRole('tree', { name: 'Teams Channel' })
      .getByRole('treeitem', { name: new RegExp(` - ${escapeRegExp(channelName)}$`) });
    await item.click();
    this.view = { kind: 'channel', name: channelName };
    await this.composer().waitFor();
  }

  currentView(): PlaygroundView {
    return this.view;
  }

  /**
   * Makes the bot see later activities (messages, card actions, …) as coming from another
   * configured user (name, Teams id or AAD object id); undefined returns to the config's
   * currentUser. The Playground itself has no user switcher and always sends its currentUser, so
   * this works through the rewriting proxy startPlayground puts between the Playground and the bot
   * (open the driver with the RunningPlayground, not a bare URL). The page still labels your own
   * messages with the currentUser's name; the bot sees the other user. Meant for the group chat
   * and team channels (all users are members); in the personal chat the bot would see that user
   * in the currentUser's conversation id.
   */
  async actAs(user: string | undefined): Promise<void> {
    if (!this.playground) throw new Error('actAs needs PlaygroundDriver.open(runningPlayground), not a URL');
    const who = user === undefined ? undefined : this.user(user);
    this.playground.actAs(who && who.id !== this.config.currentUser.id ? who : undefined);
  }

  // ---------------------------------------------------------------- sending

  /** The compose box of the current view: in a channel the "Start a new post" box (next to the Post button). */
  private composer(): Locator {
    const editable = this.page.locator('[contenteditable="true"]');
    if (this.view.kind === 'channel') {
      return this.page
        .getByRole('group')
        .filter({ has: this.page.getByRole('button', { name: 'Post', exact: true }) })
        .getByRole('textbox')
        .and(editable);
    }
    return this.page.getByRole('textbox').and(editable).last();
  }

  /** Types "@Bot" and picks the bot from the typeahead, producing a real <at> mention entity. */
  private async typeBotMention(box: Locator): Promise<void> {
    const botName = this.config.bot.name;
    await box.pressSequentially(`@${botName.slice(0, Math.min(3, botName.length))}`);
    await this.page.getByRole('menuitem', { name: new RegExp(escapeRegExp(botName)) }).first().click();
    await box.pressSequentially(' ');
  }

  /**
   * Sends text in the current view and waits until the Playground accepted it. In a channel it
   * starts a new post. Outside the personal chat it @mentions the bot first (the Playground
   * forwards group chat and channel messages to the bot only when it is mentioned); pass
   * mentionBot: false to post without.
   */
  async sendText(text: string, options: { mentionBot?: boolean } = {}): Promise<void> {
    const box = this.composer();
    await box.click();
    // Outside the personal chat the Playground forwards only messages that @mention the bot.
    const mention = options.mentionBot ?? !(this.view.kind === 'chat' && this.view.name === 'Personal Chat');
    if (mention) await this.typeBotMention(box);
    await box.pressSequentially(text);
    const accepted = this.page.waitForResponse(
      (r) => r.request().method() === 'POST' && /\/_conversation\/v1\/conversations\/[^/]+\/messages$/.test(r.url()),
    );
    if (this.view.kind === 'channel') {
      await this.page.getByRole('button', { name: 'Post', exact: true }).click();
    } else {
      await box.press('Enter');
    }
    const response = await accepted;
    if (!response.ok()) {
      throw new Error(`the Playground refused the message (${response.status()}): ${await response.text()}`);
    }
  }

  /** Replies in the channel post (thread) that contains `postText`, mentioning the bot by default. */
  async replyToPost(postText: string | RegExp, text: string, options: { mentionBot?: boolean } = {}): Promise<void> {
    const post = this.posts().filter({ hasText: postText }).first();
    const box = post.getByRole('textbox').and(this.page.locator('[contenteditable="true"]'));
    await box.click();
    if (options.mentionBot ?? true) await this.typeBotMention(box);
    await box.pressSequentially(text);
    const accepted = this.page.waitForResponse((r) => r.request().method() === 'POST' && /\/messages$/.test(r.url()));
    await post.getByRole('button', { name: 'Send Message' }).click();
    const response = await accepted;
    if (!response.ok()) throw new Error(`the Playground refused the reply (${response.status()}): ${await response.text()}`);
  }

  // ---------------------------------------------------------------- reading

  /** Channel posts (each a thread), newest first as the Playground shows them. Excludes the composer. */
  private posts(): Locator {
    return this.page
      .getByRole('group')
      .filter({ hasNot: this.page.getByRole('button', { name: 'Post', exact: true }) })
      .filter({ has: this.page.getByRole('button', { name: 'Show more information' }) });
  }

  /** All cards in the conversation on screen. */
  cards(): Locator {
    return this.page.locator('.ac-adaptiveCard').filter({ visible: true });
  }

  /**
   * The newest card on screen: the last one in a chat; in a channel (newest post on top) the last
   * card of the newest post that has one.
   */
  latestCard(): Locator {
    if (this.view.kind === 'channel') {
      return this.posts().filter({ has: this.page.locator('.ac-adaptiveCard') }).first().locator('.ac-adaptiveCard').last();
    }
    return this.cards().last();
  }

  async latestCardText(): Promise<string> {
    const card = this.latestCard();
    await card.waitFor({ timeout: DEFAULT_TIMEOUT });
    return (await card.innerText()).trim();
  }

  /** Waits for a card containing `text` and returns it (the newest such card). */
  async waitForCard(text: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<Locator> {
    const matching = this.cards().filter({ hasText: text });
    const card = this.view.kind === 'channel' ? matching.first() : matching.last();
    await this.explainTimeout(`card with "${String(text)}"`, card.waitFor({ state: 'visible', timeout }));
    return card;
  }

  /**
   * Waits for a message or card in the conversation (not the chat list, not the log panel)
   * showing `text`, and returns that element. Any author matches: use text only the bot writes.
   */
  async waitForBotMessage(text: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<Locator> {
    // The left pane is a region; its chat previews repeat the last message, so exclude it.
    const inConversation = this.page.locator(':not([role="region"] *)');
    const match = this.page.getByText(text).and(inConversation).filter({ visible: true });
    const element = this.view.kind === 'channel' ? match.first() : match.last();
    await this.explainTimeout(`message "${String(text)}"`, element.waitFor({ state: 'visible', timeout }));
    return element;
  }

  /** On failure, says what the conversation did show and saves a screenshot. */
  private async explainTimeout(what: string, waiting: Promise<void>): Promise<void> {
    try {
      await waiting;
    } catch (error) {
      const shot = await this.screenshot(`timeout-${what.slice(0, 40)}`).catch(() => '(no screenshot)');
      const shown = await this.page
        .evaluate(() => (document.body.innerText || '').slice(-1500))
        .catch(() => '');
      throw new Error(`timed out waiting for ${what} in ${this.view.kind} "${this.view.name}".\nScreenshot: ${shot}\nPage text (end):\n${shown}\n${(error as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- cards

  /** The newest input with this id (else this label) in any card received so far. */
  private inputSpec(key: string): CardInputSpec | undefined {
    const newestFirst = [...this.seenInputs].reverse();
    return newestFirst.find((i) => i.id === key) ?? newestFirst.find((i) => i.label === key);
  }

  /**
   * Fills Adaptive Card inputs, each named by its input id (resolved through the card JSON) or its
   * label. Text/number: the text. Date: "YYYY-MM-DD". ChoiceSet: a choice title or value (an array
   * for multi-select), compact or expanded. Toggle: true/false (or its valueOn/valueOff).
   */
  async fillCard(values: Record<string, CardValue>, card: Locator = this.latestCard()): Promise<void> {
    await card.waitFor();
    for (const [key, value] of Object.entries(values)) {
      const spec = this.inputSpec(key);
      const label = spec ? (spec.label ?? spec.title ?? spec.placeholder ?? key) : key;
      await this.fillInput(card, label, value, spec);
    }
  }

  /** A choice's title from its value or title (titles are what the page shows). */
  private choiceTitle(spec: CardInputSpec | undefined, value: string): string {
    return spec?.choices?.find((c) => c.value === value)?.title ?? value;
  }

  /** Matches a choice's accessible name exactly but case-insensitively (the value may be lower case). */
  private choiceName(spec: CardInputSpec | undefined, value: string): RegExp {
    return new RegExp(`^\\s*${escapeRegExp(this.choiceTitle(spec, value))}\\s*$`, 'i');
  }

  private async fillInput(card: Locator, label: string, value: CardValue, spec: CardInputSpec | undefined): Promise<void> {
    const name = new RegExp(`^\\s*${escapeRegExp(label)}`, 'i');
    const type = spec?.type;
    const radiogroup = card.getByRole('radiogroup', { name });
    const combobox = card.getByRole('combobox', { name });
    const textbox = card.getByRole('textbox', { name }).or(card.getByRole('spinbutton', { name }));
    const checkboxes = card.getByRole('checkbox', { name });

    const isToggle = type === 'Input.Toggle' || (type === undefined && typeof value === 'boolean');
    if (isToggle) {
      const on = value === true || value === 'true' || (spec?.valueOn !== undefined && value === spec.valueOn);
      await checkboxes.first().setChecked(on);
      return;
    }

    const values = Array.isArray(value) ? value : [String(value)];
    if (type === 'Input.ChoiceSet' || type === undefined) {
      if (await radiogroup.count()) {
        await radiogroup.first().getByRole('radio', { name: this.choiceName(spec, values[0]) }).check();
        return;
      }
      if (Array.isArray(value) && (await checkboxes.count())) {
        // Expanded multi-select: one checkbox per choice, named "<label> <choice title>".
        const wanted = new Set(values.map((v) => this.choiceTitle(spec, v)));
        const titles = spec?.choices?.map((c) => c.title) ?? [...wanted];
        for (const title of titles) {
          const choice = card.getByRole('checkbox', { name: new RegExp(`^\\s*${escapeRegExp(label)}\\s+${escapeRegExp(title)}\\s*$`, 'i') });
          await choice.setChecked(wanted.has(title));
        }
        return;
      }
    }
    if (await combobox.count()) {
      const box = combobox.first();
      if ((await box.getAttribute('aria-haspopup')) === 'dialog' || type === 'Input.Date') {
        // Fluent date picker: accepts typed dates; Tab commits and closes the calendar.
        await box.fill(longDate(values[0]));
        await box.press('Tab');
        return;
      }
      if (type === 'Input.Time') {
        await box.fill(values[0]);
        await box.press('Tab');
        return;
      }
      // Compact ChoiceSet: a Fluent combobox with a listbox of options.
      await box.click();
      for (const v of values) {
        await this.page.getByRole('option', { name: this.choiceName(spec, v) }).click();
      }
      if ((await box.getAttribute('aria-expanded')) === 'true') await box.press('Escape');
      return;
    }
    if (await textbox.count()) {
      await textbox.first().fill(values[0]);
      return;
    }
    throw new Error(`no card input labelled "${label}" in this card`);
  }

  /**
   * Presses a card action button by its title. For Action.Execute / Action.Submit waits for the
   * Playground to hand it to the bot and throws if that failed; returns the invoke response body
   * (Action.Execute), if any.
   */
  async clickCardAction(title: string, card: Locator = this.latestCard(), options: { last?: boolean } = {}): Promise<unknown> {
    const sent = this.page
      .waitForResponse((r) => /\/_conversation\/v1\/(invoke|submit)$/.test(r.url()), { timeout: DEFAULT_TIMEOUT })
      .catch(() => undefined);
    // `last`: a shown card's submit can share its title with the button that showed it.
    const buttons = card.getByRole('button', { name: title, exact: true });
    await (options.last ? buttons.last() : buttons).click();
    const response = await sent;
    if (!response) return undefined; // e.g. Action.OpenUrl or Action.ShowCard
    if (!response.ok()) throw new Error(`card action "${title}" failed (${response.status()}): ${await response.text()}`);
    return response.json().catch(() => undefined);
  }

  // ---------------------------------------------------------------- evidence

  /** Saves a full-page screenshot to test-results/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(this.screenshotDir, { recursive: true });
    const path = join(this.screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
