import { ConfigError, loadConfig } from './config';

const KEY = 'k1:' + Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('starts in local mode on loopback with no settings at all', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('local');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3978);
    expect(config.store.databaseUrl).toBeUndefined();
  });

  it('refuses local mode on a non-loopback host, naming the setting', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/HOST local mode .*binds 127\.0\.0\.1 only/);
  });

  it('refuses production mode without credentials and lists every problem', () => {
    try {
      loadConfig({ BOT_ID: 'app-id-0000' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/BOT_PASSWORD/);
      expect(problems).toMatch(/BOT_TENANT_ID/);
      expect(problems).toMatch(/ENCRYPTION_KEYS/);
      expect(problems).toMatch(/ALLOWED_TENANT_IDS/);
    }
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig({
      BOT_ID: 'app-id-0000',
      BOT_PASSWORD: 'secret',
      BOT_TENANT_ID: 'tenant-0000',
      ENCRYPTION_KEYS: KEY,
      ALLOWED_TENANT_IDS: 'tenant-0000',
      HOST: '0.0.0.0',
    });
    expect(config.mode).toBe('production');
    expect(config.allowedTenantIds).toEqual(['tenant-0000']);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['SCHOOL_TIMEZONE', { SCHOOL_TIMEZONE: 'Mars/Olympus' }],
    ['ADMIN_AAD_IDS', { ADMIN_AAD_IDS: 'ok-0000-0000, not an id!' }],
    ['ENCRYPTION_KEYS', { ENCRYPTION_KEYS: 'k1:short' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ])('names %s when its value is wrong', (name, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`- ${name}`));
  });
});
