// A fetch-compatible transport over node:https with an explicit CA bundle and a keep-alive
// agent, used by both msal-node (as its `system.networkClient`) and the Graph client (as the
// last middleware).
//
// Why it exists: msal-node v7 and the Graph client both call the global fetch (undici), which
// trusts only the bundled roots plus NODE_EXTRA_CA_CERTS read at process start. That is enough in
// production (public CAs) and for a child process pointed at the fake tenant, but a running jest
// worker cannot add a CA to the global fetch without an undici Dispatcher (no undici package
// here). `tls.caPem` in the options puts the CA on an https.Agent instead; with no caPem the
// production path keeps the global fetch untouched.
import * as http from 'node:http';
import * as https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TlsOptions {
  /** Extra CA certificate(s), PEM, trusted in addition to Node's bundled roots. */
  caPem?: string | string[];
}

export interface NodeFetchOptions extends TlsOptions {
  /** Concurrent sockets per origin. Default 32. */
  maxSockets?: number;
}

export interface NodeFetch {
  fetch: FetchLike;
  /** Closes idle keep-alive sockets (call on shutdown; tests call it in afterAll). */
  close(): void;
}

function toNodeHeaders(headers: Headers): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function bodyBuffer(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  throw new TypeError('node-fetch transport: unsupported request body type');
}

/** A fetch over node:https that trusts `caPem` as well as the bundled roots. Never follows redirects. */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const extra = options.caPem === undefined ? [] : Array.isArray(options.caPem) ? options.caPem : [options.caPem];
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: options.maxSockets ?? 32,
    ...(extra.length ? { ca: [...rootCertificates, ...extra] } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });

  const fetchImpl: FetchLike = async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input instanceof URL ? input.href : String(input));
    const headers = new Headers(request?.headers);
    new Headers(init?.headers).forEach((v, k) => headers.set(k, v));
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const body = init?.body !== undefined ? bodyBuffer(init.body) : request && request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    if (body) headers.set('content-length', String(body.length));
    const signal = init?.signal ?? request?.signal;
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise<Response>((resolve, reject) => {
      const req = lib.request(url, { method, headers: toNodeHeaders(headers), agent: url.protocol === 'http:' ? httpAgent : httpsAgent, signal: signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
            else if (v !== undefined) h.set(k, String(v));
          }
          const status = res.statusCode ?? 500;
          const nullBody = status === 204 || status === 205 || status === 304 || method === 'HEAD';
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: h }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return {
    fetch: fetchImpl,
    close: () => {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** msal-node's INetworkModule over a FetchLike (same contract as msal-node's own HttpClient). */
export class FetchNetworkClient implements INetworkModule {
  constructor(private readonly fetchImpl: FetchLike) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options);
  }

  private async send<T>(url: string, method: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const headers = new Headers();
    for (const [k, v] of Object.entries(options?.headers ?? {})) headers.append(k, v);
    const response = await this.fetchImpl(url, {
      method,
      headers,
      body: method === 'POST' ? options?.body ?? '' : undefined,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    });
    const dict: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      dict[k] = v;
    });
    return { headers: dict, body: (await response.json()) as T, status: response.status };
  }
}
