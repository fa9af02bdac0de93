import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema, loadConfig } from '../../src/config';

/**
 * infra/azure.bicep against src/config.ts: what the Web App is given is what the app reads, and
 * an App Service built from it starts in production mode (config.ts accepts it).
 */
const bicep = readFileSync(join(__dirname, '..', '..', 'infra', 'azure.bicep'), 'utf8');

/** name → value expression of every app setting. */
function appSettings(): Map<string, string> {
  const block = bicep.slice(bicep.indexOf('appSettings: ['), bicep.indexOf(']', bicep.indexOf("name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'")));
  const out = new Map<string, string>();
  for (const m of block.matchAll(/name: '([A-Z0-9_]+)'\s*\n\s*value: (.+)/g)) out.set(m[1]!, m[2]!.trim());
  return out;
}

const CONFIG_KEYS = Object.keys(ConfigSchema.shape);
// Read by the platform or SDKs, not by config.ts.
const PLATFORM = ['WEBSITE_RUN_FROM_PACKAGE', 'SCM_DO_BUILD_DURING_DEPLOYMENT', 'NODE_ENV', 'WEBSITES_PORT', 'AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'BOT_DOMAIN', 'AAD_APP_CLIENT_ID', 'AAD_APP_TENANT_ID', 'AAD_APP_CLIENT_SECRET'];

describe('infra/azure.bicep provides what the app reads', () => {
  const settings = appSettings();

  it('sets every setting the app needs in Azure', () => {
    const needed = ['HOST', 'PORT', 'BOT_ID', 'BOT_TYPE', 'BOT_TENANT_ID', 'ALLOWED_TENANT_IDS', 'DATABASE_URL', 'ENCRYPTION_KEYS', 'BOOTSTRAP_TENANT_ID', 'SCHOOL_NAME', 'SCHOOL_TIMEZONE', 'ADMIN_AAD_IDS', 'HEADTEACHER_AAD_ID', 'CHAIR_AAD_ID', 'DPO_AAD_ID', 'IT_MANAGER_AAD_ID', 'ONLINE_SAFETY_LEAD_AAD_ID', 'GRAPH_CLIENT_ID', 'GRAPH_TENANT_ID', 'GRAPH_CLIENT_SECRET', 'TAB_AUDIENCE', 'READY_MAX_OUTBOX_LAG_SECONDS', 'RETENTION_CONCERN_YEARS', 'RETENTION_AUP_YEARS', 'RETENTION_AUDIT_FINDINGS_DAYS'];
    expect(needed.filter((k) => !settings.has(k))).toEqual([]);
  });

  it('sets nothing the app does not read (a typo would be silently ignored)', () => {
    expect([...settings.keys()].filter((k) => !CONFIG_KEYS.includes(k) && !PLATFORM.includes(k))).toEqual([]);
  });

  it('keeps secrets in Key Vault', () => {
    for (const k of ['DATABASE_URL', 'ENCRYPTION_KEYS', 'GRAPH_CLIENT_SECRET', 'AAD_APP_CLIENT_SECRET']) expect(settings.get(k)).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=/);
  });

  it('is accepted by config.ts in production mode once the expressions are resolved', () => {
    const guid = '11111111-2222-4333-8444-555555555555';
    const resolve = (expr: string): string => {
      if (/^'@Microsoft\.KeyVault/.test(expr)) return expr.includes('encryptionKeys') ? `k1:${Buffer.alloc(32, 1).toString('base64')}` : expr.includes('databaseUrl') ? 'postgres://u:p@db.example/jigsaw' : 'a-secret';
      if (/^'[^$']*'$/.test(expr)) return expr.slice(1, -1);
      if (expr.startsWith("'api://")) return `api://app.example/${guid},${guid}`;
      if (/^string\(/.test(expr)) return '25';
      if (/identity\.properties|aadApp|Id$|Ids$/.test(expr)) return guid;
      if (/schoolName/.test(expr)) return 'Our school';
      if (/schoolTimeZone/.test(expr)) return 'Europe/London';
      return 'x';
    };
    const env = Object.fromEntries([...settings].map(([k, v]) => [k, resolve(v)]));
    const config = loadConfig(env);
    expect(config.mode).toBe('production');
    expect(config.bot.type).toBe('UserAssignedMSI');
    expect(config.bootstrap.tenantId).toBe(guid);
    expect(config.graph?.clientId).toBe(guid);
  });
});
