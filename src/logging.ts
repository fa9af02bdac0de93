import pino from 'pino';

/**
 * Structured JSON logs. Log ids, counts and durations, never concern text, pupil names or
 * tokens: known sensitive keys are redacted as a second line of defence.
 */
export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

const REDACT = [
  '*.text', '*.value', '*.whatHappened', '*.childWords', '*.pupils', '*.location', '*.actionTaken', '*.adultName',
  '*.token', '*.authorization', '*.password', '*.secret', 'req.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'jigsaw' }, redact: { paths: REDACT, censor: '[redacted]' } }, destination) as unknown as Logger;
}

/** Strips control characters from a field that came from outside, to defeat log injection. */
export function safeLogField(value: unknown, max = 200): string {
  // eslint-disable-next-line no-control-regex
  return String(value ?? '').replace(/[\u0000-\u001F\u007F-\u009F]/g, '').slice(0, max);
}

/**
 * Errors whose message the runtime writes about our own code (a property name, a bad length),
 * never about input: kept in logs because without them a bug cannot be found. A SyntaxError is
 * not one of them: JSON.parse quotes the text it could not read.
 */
const CODE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError']);

/**
 * Only the error's class, code and status: messages from SDKs, Graph, Teams and the database can
 * echo request content (a file or person's name, a value that failed a cast). The message is kept
 * only for the runtime's own errors about code (CODE_ERRORS).
 */
export function describeError(err: unknown): Record<string, unknown> {
  // Not `instanceof Error`: errors from another realm (vm contexts, some SDKs) fail that check.
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; statusCode?: unknown; message?: unknown };
    return { errorName: e.name, errorCode: e.code, status: e.statusCode, ...(CODE_ERRORS.has(String(e.name)) ? { errorMessage: safeLogField(e.message, 300) } : {}) };
  }
  return { errorName: typeof err };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
