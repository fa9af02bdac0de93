import { describeError, type Logger } from './logging';

/** What the process runs: created (store opened, migrations applied), then started, then stopped. */
export interface StoppableService {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

export interface ProcessHooks {
  /** Registers the handler for SIGTERM and SIGINT. */
  onSignal(handler: (signal: string) => void): void;
  exit(code: number): void;
  logger: Logger;
}

/**
 * Runs the service until the platform asks it to stop. The signal handlers are in place before
 * the store is opened: App Service and Container Apps send SIGTERM while a new instance may still
 * be migrating, and Node's default for SIGTERM ends the process mid-step (a PGlite data
 * directory mid-write, a migration's connection dropped). A stop asked for during start-up waits
 * for the step in hand, then stops without starting. A second signal while stopping changes
 * nothing: the platform's own kill after its grace period is the backstop.
 */
export async function runUntilStopped(create: () => Promise<StoppableService>, hooks: ProcessHooks): Promise<void> {
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let stopAsked: string | undefined;
  let service: StoppableService | undefined;

  const stop = async (signal: string) => {
    phase = 'stopping';
    hooks.logger.info({ signal }, 'stopping');
    try {
      await service?.stop();
    } catch (err) {
      hooks.logger.error(describeError(err), 'stopping failed');
      hooks.exit(1);
      return;
    }
    hooks.exit(0);
  };

  hooks.onSignal((signal) => {
    if (phase === 'running') void stop(signal);
    else if (phase === 'starting' && !stopAsked) {
      stopAsked = signal;
      hooks.logger.info({ signal }, 'stop asked for during start-up: stopping when the current step has finished');
    } else hooks.logger.info({ signal }, 'already stopping');
  });

  service = await create();
  if (stopAsked) return stop(stopAsked);
  await service.start();
  if (stopAsked) return stop(stopAsked);
  phase = 'running';
}
