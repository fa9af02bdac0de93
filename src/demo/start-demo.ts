import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { createJigsaw } from '../app';
import { createLogger, describeError } from '../logging';
import { DEMO_SCHOOL, demoChannelMembers, writePlaygroundConfig } from './playground-config';
import { startPlayground } from './start-playground';
import { demoEnvironment, registerDemoDslChannel } from './demo-school';
import { startDemoIdentityProvider } from './demo-identity-provider';

/**
 * `npm start`: Jigsaw in local mode on embedded PGlite (./data) behind the Microsoft 365 Agents
 * Playground, set up as a demo school whose Safeguarding channel is already the DSL channel.
 * Everything binds 127.0.0.1; nothing needs Teams credentials or the internet.
 */
async function startDemo(): Promise<void> {
  if (process.env.BOT_ID) throw new ConfigError(['BOT_ID the demo runs in local mode: unset BOT_ID (use `npm run start:server` with your real settings)']);
  // The tab signs in through a local identity provider here (no Teams SSO in the Playground).
  const identity = await startDemoIdentityProvider(DEMO_SCHOOL.tenantId);
  const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn', ...demoEnvironment(), ...identity.env, ...process.env };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const jigsaw = await createJigsaw(config, { logger });
  await registerDemoDslChannel(jigsaw.db, DEMO_SCHOOL.serviceUrl);
  const server = await jigsaw.start();

  const configPath = join(config.store.dataDir, '.m365agentsplayground.yml');
  writePlaygroundConfig(configPath, DEMO_SCHOOL);
  const playground = await startPlayground({
    botEndpoint: `${server.url}/api/messages`,
    configPath,
    port: DEMO_SCHOOL.playgroundPort,
    connectorPort: DEMO_SCHOOL.connectorPort,
    channelMembers: demoChannelMembers(),
  });

  const u = DEMO_SCHOOL.users;
  const tabLinks = [
    `  The Jigsaw tab, signed in as (links valid for 12 hours):`,
    `  - ${u.danaLead.name} (DSL, admin):  ${await identity.tabUrl(server.url, u.danaLead)}`,
    `  - ${u.samTeacher.name} (staff):      ${await identity.tabUrl(server.url, u.samTeacher)}`,
    `  - ${u.jordanHead.name} (headteacher): ${await identity.tabUrl(server.url, u.jordanHead)}`,
    '',
  ];
  process.stdout.write(
    [
      '',
      `  Jigsaw demo for ${DEMO_SCHOOL.schoolName} is running.`,
      '',
      `  Open ${playground.url} in your browser.`,
      '',
      `  - You are ${DEMO_SCHOOL.users.samTeacher.name} (a class teacher) in a personal chat with Jigsaw: type "hello" to report a concern.`,
      `  - Then open the "${DEMO_SCHOOL.team.name}" team's "${DEMO_SCHOOL.team.safeguarding.name}" channel to see it as the DSL team does.`,
      `  - The bot listens on ${server.url}/api/messages; data is kept in ${config.store.dataDir}.`,
      '',
      ...tabLinks,
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  const shutdown = async () => {
    await playground.stop();
    await jigsaw.stop();
    await identity.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

startDemo().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('The demo failed to start:', describeError(err));
  process.exit(1);
});
