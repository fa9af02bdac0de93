import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StaticResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Hosts that may frame the tab: the Teams, Outlook and Microsoft 365 clients. */
const FRAME_ANCESTORS = "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.teams.microsoft.us https://*.office.com https://*.cloud.microsoft https://*.microsoft365.com https://outlook.office.com https://outlook.office365.com";

/**
 * The tab's static files (built by esbuild into dist/tab), read once. Only the built files are
 * served, by name: no path from the URL ever reaches the file system. Fluent UI injects its
 * styles at run time, hence style-src 'unsafe-inline'; scripts come from this origin only.
 */
export function createTabAssets(dir: string, options: { devTokens: boolean }) {
  const files = new Map<string, { type: string; body: Buffer | string }>();
  const load = (name: string, type: string) => {
    const path = join(dir, name);
    if (existsSync(path)) files.set(name, { type, body: readFileSync(path) });
  };
  load('tab.js', 'text/javascript; charset=utf-8');
  load('tab.css', 'text/css; charset=utf-8');
  const indexPath = join(dir, 'index.html');
  const index = existsSync(indexPath)
    ? readFileSync(indexPath, 'utf8').replace('<meta name="jigsaw-dev-tokens" content="0">', `<meta name="jigsaw-dev-tokens" content="${options.devTokens ? '1' : '0'}">`)
    : undefined;
  const security = {
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors ${FRAME_ANCESTORS}`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  return {
    built: index !== undefined,
    /** `name` is what follows /tab/: an asset, or any page of the app (personal, configure, …). */
    serve(name: string): StaticResponse {
      const asset = files.get(name);
      if (asset) return { status: 200, headers: { ...security, 'content-type': asset.type, 'cache-control': 'no-cache' }, body: asset.body };
      if (!/^[a-z-]{1,40}$/.test(name)) return { status: 404, headers: { ...security, 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
      if (index === undefined) return { status: 503, headers: { ...security, 'content-type': 'text/plain; charset=utf-8' }, body: 'The tab has not been built: run npm run build.' };
      return { status: 200, headers: { ...security, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, body: index };
    },
  };
}
export type TabAssets = ReturnType<typeof createTabAssets>;
