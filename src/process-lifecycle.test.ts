import { runUntilStopped, type ProcessHooks, type StoppableService } from './process-lifecycle';
import type { Logger } from './logging';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A service whose creation (the store opening, migrations) finishes when the test says. */
function harness() {
  const calls: string[] = [];
  const created = deferred();
  const exited = deferred<number>();
  let signal: ((s: string) => void) | undefined;
  const logged: string[] = [];
  const logger = { info: (_o: unknown, msg: string) => logged.push(msg), error: (_o: unknown, msg: string) => logged.push(msg) } as unknown as Logger;
  const service: StoppableService = {
    start: async () => void calls.push('start'),
    stop: async () => void calls.push('stop'),
  };
  const hooks: ProcessHooks = {
    onSignal: (h) => (signal = h),
    exit: (code) => {
      calls.push(`exit ${code}`);
      exited.resolve(code);
    },
    logger,
  };
  const run = runUntilStopped(async () => {
    calls.push('create');
    await created.promise;
    calls.push('created');
    return service;
  }, hooks);
  return { calls, logged, created, exited, run, send: (s: string) => signal!(s) };
}

describe('runUntilStopped', () => {
  it('takes SIGTERM during start-up (migrations) without ending the step: it stops when the step is done, never starting', async () => {
    const h = harness();
    h.send('SIGTERM');
    expect(h.calls).toEqual(['create']);
    h.created.resolve();
    await h.run;
    expect(await h.exited.promise).toBe(0);
    expect(h.calls).toEqual(['create', 'created', 'stop', 'exit 0']);
    expect(h.logged).toContain('stop asked for during start-up: stopping when the current step has finished');
  });

  it('starts, then stops once on SIGTERM even when the platform sends it twice', async () => {
    const h = harness();
    h.created.resolve();
    await h.run;
    expect(h.calls).toEqual(['create', 'created', 'start']);
    h.send('SIGTERM');
    h.send('SIGTERM');
    expect(await h.exited.promise).toBe(0);
    expect(h.calls.filter((c) => c === 'stop')).toHaveLength(1);
    expect(h.logged).toContain('already stopping');
  });

  it('registers its signal handler before creating the service', async () => {
    const order: string[] = [];
    const run = runUntilStopped(async () => {
      order.push('create');
      return { start: async () => undefined, stop: async () => undefined };
    }, { onSignal: () => order.push('onSignal'), exit: () => undefined, logger: { info: () => undefined } as unknown as Logger });
    await run;
    expect(order).toEqual(['onSignal', 'create']);
  });
});
