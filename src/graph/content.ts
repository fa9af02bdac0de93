// The first bytes of a file (64 KB by default) for content evidence — read only for exposed
// CSV/XLSX/TXT files. `/content` answers 302 to a pre-authenticated URL; the SDK's
// RedirectHandler follows it (dropping the token for another host) and the Range header asks
// for the first bytes only. A server that ignores Range gets its body cut to `maxBytes`.
import type { GraphEdge } from './graph-client';
import { GraphRequestError, graphErrorOf } from './graph-errors';
import type { ContentSample } from './types';

export const DEFAULT_SAMPLE_BYTES = 64 * 1024;

export async function readFirstBytes(edge: GraphEdge, target: { driveId: string; itemId: string }, maxBytes = DEFAULT_SAMPLE_BYTES): Promise<ContentSample> {
  const url = `/drives/${encodeURIComponent(target.driveId)}/items/${encodeURIComponent(target.itemId)}/content`;
  const r = await edge.send('GET', url, { headers: { Range: `bytes=0-${maxBytes - 1}` }, binary: true });
  if (r.status === 416) return { bytes: Buffer.alloc(0), totalSize: 0, truncated: false }; // empty file
  if (r.status !== 200 && r.status !== 206) {
    let body: unknown;
    try {
      body = JSON.parse((r.body as Buffer).toString('utf8'));
    } catch {
      body = undefined;
    }
    const e = graphErrorOf(body);
    throw new GraphRequestError(r.status, e.code, e.message, url);
  }
  const all = r.body as Buffer;
  const range = /\/(\d+)$/u.exec(r.headers.get('content-range') ?? '');
  const totalSize = range ? Number(range[1]) : r.status === 200 ? all.length : null;
  const bytes = all.length > maxBytes ? all.subarray(0, maxBytes) : all;
  return { bytes, totalSize, truncated: totalSize !== null ? totalSize > bytes.length : all.length > maxBytes };
}
