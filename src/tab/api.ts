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

/** Calls /api/tab/… with the host's token; on 401 asks the host once more for a fresh token. */
export function createApi(host: Host): Api {
  return async function call<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}, retried = false): Promise<T> {
    const token = await host.getToken(retried);
    const res = await fetch(`/api/tab/${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 401 && !retried && host.kind === 'teams') return call<T>(path, init, true);
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

/** POSTs and receives a file (the transfer PDF); errors as JSON like every other call. */
export async function downloadFile(host: Host, path: string, body: unknown): Promise<{ blob: Blob; fileName: string }> {
  const token = await host.getToken();
  const res = await fetch(`/api/tab/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) {
    const err = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    throw new ApiError(res.status, String(err.error ?? 'error'), String(err.message ?? messageFor(res.status)), err);
  }
  const fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'file.pdf';
  return { blob: await res.blob(), fileName };
}
