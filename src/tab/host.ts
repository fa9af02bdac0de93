import { app, authentication } from '@microsoft/teams-js';

export type ThemeName = 'default' | 'dark' | 'contrast';

/** Where the tab's token comes from: Teams SSO, or (dev/test only) a token handed in the URL fragment. */
export interface Host {
  kind: 'teams' | 'dev' | 'none';
  theme: ThemeName;
  /** The page the manifest opened: personal, configure, channel. */
  page: string;
  getToken(forceRefresh?: boolean): Promise<string>;
  onThemeChange(handler: (theme: ThemeName) => void): void;
}

const DEV_TOKEN_KEY = 'jigsaw.devToken';

function normaliseTheme(value: string | null | undefined): ThemeName {
  return value === 'dark' ? 'dark' : value === 'contrast' ? 'contrast' : 'default';
}

function devTokensAllowed(): boolean {
  // The server writes this meta tag; it is 1 only outside production with TAB_DEV_TOKENS set.
  return document.querySelector('meta[name="jigsaw-dev-tokens"]')?.getAttribute('content') === '1';
}

/** Takes a token from #token=… once, keeps it for the session and removes it from the address bar. */
function takeDevToken(): string | undefined {
  const match = /(?:^#|&)token=([A-Za-z0-9_.-]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(DEV_TOKEN_KEY, match[1]!);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(DEV_TOKEN_KEY) ?? undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

/**
 * Connects to Teams when the tab runs inside it. Outside a Teams host (a plain browser, the
 * browser tests) teams-js cannot initialise; then only a dev/test build of the server lets the
 * page use a token from its URL fragment.
 */
export async function connectHost(): Promise<Host> {
  const page = window.location.pathname.split('/').filter(Boolean)[1] ?? 'personal';
  const params = new URLSearchParams(window.location.search);
  const framed = window.parent !== window || Boolean((window as unknown as { nativeInterface?: unknown }).nativeInterface);
  if (framed) {
    try {
      await withTimeout(app.initialize(), 8000);
      const context = await app.getContext();
      return {
        kind: 'teams',
        theme: normaliseTheme(context.app.theme),
        page,
        getToken: () => authentication.getAuthToken(),
        onThemeChange: (handler) => app.registerOnThemeChangeHandler((theme) => handler(normaliseTheme(theme))),
      };
    } catch {
      // Not a Teams host after all: fall through.
    }
  }
  const theme = normaliseTheme(params.get('theme'));
  const token = devTokensAllowed() ? takeDevToken() : undefined;
  if (token) {
    return { kind: 'dev', theme, page, getToken: async () => token, onThemeChange: () => undefined };
  }
  return {
    kind: 'none',
    theme,
    page,
    getToken: async () => {
      throw new Error('Open Jigsaw from Microsoft Teams to sign in.');
    },
    onThemeChange: () => undefined,
  };
}
