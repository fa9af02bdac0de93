// Typed failures of the Graph edge. Callers branch on the class, never on message text.

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

/** Error body of a Graph response → code and message, tolerating odd shapes. */
export function graphErrorOf(body: unknown): { code: string; message: string } {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  return { code: typeof e?.code === 'string' ? e.code : 'unknown', message: typeof e?.message === 'string' ? e.message : '' };
}
