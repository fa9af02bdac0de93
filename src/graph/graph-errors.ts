// Typed failures of the Graph edge. Callers branch on the class, never on message text.
import { GraphCallFailed, type GraphFailureKind } from '../jobs/sharing-audit/ports';
import { CredentialsRefused } from './credentials';

/** A delta token the service no longer accepts (410 resyncRequired): restart the drive from scratch. */
export class ResyncRequiredError extends Error {
  override readonly name = 'ResyncRequiredError';
  constructor(
    readonly driveId: string,
    /** Graph's error code (resyncRequired, resyncChangesApplyDifferences, …). */
    readonly code: string,
    /** A fresh enumeration URL when Graph sends one (Location header). */
    readonly location: string | null,
  ) {
    super(`Delta token for drive ${driveId} expired (${code}); a full resync is required`);
  }
}

/** A Graph request that failed after any retries; `status` 0 means no HTTP response. */
export class GraphRequestError extends Error {
  override readonly name = 'GraphRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestUrl: string,
    options?: { cause?: unknown },
  ) {
    super(`${status} ${code}: ${message}`, options);
  }
}

/**
 * Not sent: Microsoft 365 is throttling this app (a 429/503 pause, or its RateLimit headers
 * said the window is spent) for longer than a person should wait for an answer.
 */
export class GraphThrottled extends Error {
  override readonly name = 'GraphThrottled';
  constructor(readonly retryAfterMs: number) {
    super(`Graph is throttling this app for another ${Math.ceil(retryAfterMs / 1000)} s; the request was not sent`);
  }
}

/** Error body of a Graph response → code and message, tolerating odd shapes. */
export function graphErrorOf(body: unknown): { code: string; message: string } {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  return { code: typeof e?.code === 'string' ? e.code : 'unknown', message: typeof e?.message === 'string' ? e.message : '' };
}

// Socket-level failures (Node's net/undici codes) and msal-node's own network error codes.
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EPIPE|UND_ERR_.*|network_error|endpoints_resolution_error)$/u;

function isNetworkFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, errorCode, message } = e as { name?: string; code?: unknown; errorCode?: unknown; message?: unknown };
    if (name === 'AbortError' || name === 'TimeoutError') return true;
    if (typeof code === 'string' && NETWORK_CODES.test(code)) return true;
    if (typeof errorCode === 'string' && NETWORK_CODES.test(errorCode)) return true;
    if (name === 'TypeError' && message === 'fetch failed') return true;
  }
  return false;
}

/** The kind of a Graph failure (see GraphFailureKind), from any error the edge or msal throws. */
export function graphFailureKind(err: unknown): GraphFailureKind {
  if (err instanceof GraphCallFailed) return err.kind;
  if (err instanceof GraphThrottled) return 'busy';
  if (err instanceof GraphRequestError) {
    if (err.status === 401 || err.status === 403) return 'refused';
    if (err.status === 404 || err.status === 410) return 'not-found';
    if (err.status === 429) return 'busy';
    if (err.status === 0 || err.status === 408 || err.status >= 500) return 'unreachable';
    return 'error';
  }
  // Entra refusing the app's credential (expired secret, no consent): IT must fix it, not wait.
  if (err instanceof CredentialsRefused) return 'refused';
  return isNetworkFailure(err) ? 'unreachable' : 'error';
}

/** The HTTP status of a Graph failure, or null when there was no answer. */
export function graphFailureStatus(err: unknown): number | null {
  if (err instanceof GraphCallFailed) return err.httpStatus;
  if (err instanceof GraphRequestError && err.status > 0) return err.status;
  return null;
}

/**
 * A Graph failure as admins read it (the tab, an alert, a stored run): the caller's wording for
 * its kind, with the HTTP status where `{status}` stands, never Graph's own message (it can
 * echo file names or URLs).
 */
export function describeGraphFailure(err: unknown, wording: Readonly<Record<GraphFailureKind, string>>): string {
  const status = graphFailureStatus(err);
  return wording[graphFailureKind(err)].replace('{status}', status ? ` (${status})` : '');
}

/** Wraps any failure of the edge as the port's GraphCallFailed (kind and status; the original as cause). */
export function toGraphCallFailed(err: unknown): GraphCallFailed {
  if (err instanceof GraphCallFailed) return err;
  const kind = graphFailureKind(err);
  const status = graphFailureStatus(err);
  const name = (err as Error | undefined)?.name ?? 'Error';
  return new GraphCallFailed(kind, status, `Graph call failed (${kind}${status ? `, ${status}` : ''}; ${err instanceof GraphRequestError ? err.code : name})`, { cause: err });
}
