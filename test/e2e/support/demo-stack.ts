import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJigsaw, type Jigsaw } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { silentLogger } from '../../../src/logging';
import { DEMO_SCHOOL, demoChannelMembers, writePlaygroundConfig } from '../../../src/demo/playground-config';
import { demoEnvironment, registerDemoDslChannel } from '../../../src/demo/demo-school';
import { startPlayground, type RunningPlayground } from '../../../src/demo/start-playground';
import { createTestDb } from '../../support/test-db';
import { PlaygroundDriver } from './playground-driver';

/** Jigsaw (local mode, in-memory store) behind the real Playground, with Chromium driving it: the demo school. */
export interface DemoStack {
  jigsaw: Jigsaw;
  playground: RunningPlayground;
  ui: PlaygroundDriver;
  stop(): Promise<void>;
}

export async function startDemoStack(env: Record<string, string> = {}): Promise<DemoStack> {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-e2e-'));
  const db = await createTestDb();
  const jigsaw = await createJigsaw(loadConfig({ ...demoEnvironment(), PORT: '0', OUTBOX_POLL_MS: '50', LOG_LEVEL: 'silent', ...env }), { logger: silentLogger, db });
  const server = await jigsaw.start();
  const configPath = join(dir, '.m365agentsplayground.yml');
  writePlaygroundConfig(configPath, DEMO_SCHOOL);
  const playground = await startPlayground({ botEndpoint: `${server.url}/api/messages`, configPath, channelMembers: demoChannelMembers() });
  await registerDemoDslChannel(db, playground.serviceUrl);
  const ui = await PlaygroundDriver.open(playground);
  return {
    jigsaw,
    playground,
    ui,
    async stop() {
      await ui.close().catch(() => undefined);
      await playground.stop();
      await jigsaw.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface UiReport {
  category: string;
  pupils: string;
  whatHappened: string;
  childWords?: string;
  location: string;
  urgency: 'urgent' | 'standard';
}

/** Reports a concern as the current personal-chat user through the cards; returns its reference. */
export async function reportThroughUi(ui: PlaygroundDriver, report: UiReport, screenshotPrefix?: string): Promise<string> {
  await ui.openPersonalChat();
  await ui.sendText('report');
  await ui.waitForCard('Report a safeguarding or online-safety concern');
  await ui.fillCard({ category: report.category, about: 'pupil' });
  if (screenshotPrefix) await ui.screenshot(`${screenshotPrefix}-1-category`);
  await ui.clickCardAction('Continue');
  await ui.waitForCard('Pupil(s) concerned');
  const { category: _category, ...details } = report;
  await ui.fillCard(Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)) as Record<string, string>);
  if (screenshotPrefix) await ui.screenshot(`${screenshotPrefix}-2-details`);
  await ui.clickCardAction('Send to the safeguarding team');
  const receipt = await ui.waitForCard('Thank you: your concern has been recorded');
  const reference = /C-\d{4}-\d{5}/.exec(await receipt.innerText())?.[0];
  if (!reference) throw new Error('no reference on the receipt');
  if (screenshotPrefix) await ui.screenshot(`${screenshotPrefix}-3-receipt`);
  return reference;
}
