import { ConfigError, credentialWarnings, loadConfig, summarizeConfig } from './config';
import { createJigsaw } from './app';
import { createLogger, describeError, safeLogField } from './logging';
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
  // On the operator's console, not in the logs: start-up's own errors name the setting to fix.
  const { errorName, errorCode } = describeError(err);
  const message = err && typeof err === 'object' ? safeLogField((err as { message?: unknown }).message, 300) : '';
  console.error(`Jigsaw failed to start: ${message || [errorName, errorCode].filter(Boolean).join(' ')}`);
  process.exit(1);
});
