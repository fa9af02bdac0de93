import type { Host } from './host';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export type Api = <T>(path: string, init?: { method?: 'GET' | 'POST'; body?: unknown }) => Promise<T>;

/**
 * Sends one request with the host's token. A 401 means the token was refused before anything was
 * done (Teams tokens expire while a tab stays open), so in Teams it is sent once more with a
 * fresh token; every call goes through here, the file downloads too.
 */
async function sendWithToken(host: Host, path: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }): Promise<Response> {
  const send = async (fresh: boolean) =>
    fetch(`/api/tab/${path}`, { method: init.method, headers: { authorization: `Bearer ${await host.getToken(fresh)}`, ...init.headers }, body: init.body, credentials: 'omit', cache: 'no-store' });
  const res = await send(false);
  if (res.status !== 401 || host.kind !== 'teams') return res;
  await res.body?.cancel().catch(() => undefined);
  return send(true);
}

/** Calls /api/tab/… with the host's token; on 401 asks the host once more for a fresh token. */
export function createApi(host: Host): Api {
  return async function call<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
    const res = await sendWithToken(host, path, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new ApiError(res.status, String(body.error ?? 'error'), String(body.message ?? messageFor(res.status)), body);
    return body as T;
  } as Api;
}

function messageFor(status: number): string {
  if (status === 401) return 'Jigsaw could not confirm who you are. Close and reopen the tab in Teams.';
  if (status === 403) return 'Your role does not include this.';
  if (status === 404) return 'This is not available to you.';
  return 'Something went wrong. Please try again.';
}

/** POSTs and receives a file (the transfer PDF); errors as JSON, and an expired token retried, like every other call. */
export async function downloadFile(host: Host, path: string, body: unknown): Promise<{ blob: Blob; fileName: string }> {
  const res = await sendWithToken(host, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    const err = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    throw new ApiError(res.status, String(err.error ?? 'error'), String(err.message ?? messageFor(res.status)), err);
  }
  const fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'file.pdf';
  return { blob: await res.blob(), fileName };
}
