import { ConfigError, loadConfig } from '../../src/config';

// The tab's token settings: a test identity provider on loopback is accepted outside production
// only, and the URL fragment token (TAB_DEV_TOKENS) never in production.
const PRODUCTION = {
  BOT_ID: '00000000-0000-4000-8000-0000000000b0',
  BOT_PASSWORD: 'secret',
  BOT_TENANT_ID: '6f1c2b3a-0000-4000-8000-000000000001',
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  ALLOWED_TENANT_IDS: '6f1c2b3a-0000-4000-8000-000000000001',
};
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('tab settings', () => {
  it("defaults to Microsoft's key sets and issuer, with the tab API closed", () => {
    const c = loadConfig({});
    expect(c.tab).toEqual({
      audiences: [],
      jwksUrlTemplate: 'https://login.microsoftonline.com/{tid}/discovery/v2.0/keys',
      issuerTemplate: 'https://login.microsoftonline.com/{tid}/v2.0',
      devTokens: false,
    });
  });

  it('takes the API identifier and the client id as audiences', () => {
    const c = loadConfig({ ...PRODUCTION, TAB_AUDIENCE: 'api://jigsaw.example.org/0c8c3f8e-6a5b-4c4d-9e1f-2a3b4c5d6e7f, 0c8c3f8e-6a5b-4c4d-9e1f-2a3b4c5d6e7f' });
    expect(c.tab.audiences).toEqual(['api://jigsaw.example.org/0c8c3f8e-6a5b-4c4d-9e1f-2a3b4c5d6e7f', '0c8c3f8e-6a5b-4c4d-9e1f-2a3b4c5d6e7f']);
  });

  it.each([
    [{ TAB_AUDIENCE: 'jigsaw' }, 'TAB_AUDIENCE'],
    [{ TAB_JWKS_URL: 'not a url' }, 'TAB_JWKS_URL'],
    [{ TAB_JWKS_URL: 'http://idp.example.org/{tid}/keys' }, 'TAB_JWKS_URL must be https'],
    [{ TAB_DEV_TOKENS: 'maybe' }, 'TAB_DEV_TOKENS'],
  ])('refuses %j', (env, expected) => {
    expect(problems(env).join('\n')).toContain(expected);
  });

  it('accepts a loopback test identity provider and dev tokens outside production', () => {
    const c = loadConfig({ TAB_JWKS_URL: 'http://127.0.0.1:4567/{tid}/discovery/v2.0/keys', TAB_ISSUER: 'http://127.0.0.1:4567/{tid}/v2.0', TAB_DEV_TOKENS: 'true' });
    expect(c.tab.devTokens).toBe(true);
  });

  it('refuses dev tokens and an http key set in production', () => {
    const found = problems({ ...PRODUCTION, TAB_DEV_TOKENS: 'true', TAB_JWKS_URL: 'http://127.0.0.1:4567/{tid}/keys' }).join('\n');
    expect(found).toContain('TAB_DEV_TOKENS must not be set in production mode');
    expect(found).toContain('TAB_JWKS_URL must be https');
  });
});
