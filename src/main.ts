import { ConfigError, credentialWarnings, loadConfig, summarizeConfig } from './config';
import { createJigsaw } from './app';
import { createLogger, describeError } from './logging';
import { runUntilStopped } from './process-lifecycle';

/** Entry point: the only place that reads process.env. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  logger.info(summarizeConfig(config), 'starting Jigsaw');
  for (const warning of credentialWarnings(config, new Date())) logger.warn({ setting: warning.split(':')[0] }, warning);
  await runUntilStopped(() => createJigsaw(config, { logger }), {
    onSignal: (handler) => {
      process.on('SIGINT', () => handler('SIGINT'));
      process.on('SIGTERM', () => handler('SIGTERM'));
    },
    exit: (code) => process.exit(code),
    logger,
  });
}

main().catch((err) => {
  // One line saying what to fix (the error's message names the setting), never a stack trace.
  const { errorName, errorCode, errorMessage } = describeError(err);
  console.error(`Jigsaw failed to start: ${String(errorMessage || [errorName, errorCode].filter(Boolean).join(' '))}`);
  process.exit(1);
});
