import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema, loadConfig } from '../../src/config';
import { createAppCertificate } from '../fakes/graph-tenant/certificates';

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

/** One side of `empty(graphCertificateName) ? a : b`, as deployed with or without a certificate name. */
function branch(expr: string, certificate: boolean): string {
  const m = /^empty\(graphCertificateName\) \? ('(?:[^']|\$\{[^}]*\})*') : ('(?:[^']|\$\{[^}]*\})*')$/.exec(expr);
  return m ? (certificate ? m[2]! : m[1]!) : expr;
}

/** Every parameter's default literal (what an App Service gets unless the deployer says otherwise). */
function paramDefaults(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of bicep.matchAll(/^param (\w+) \w+ = (.+)$/gm)) out.set(m[1]!, m[2]!.trim().replace(/^'(.*)'$/, '$1'));
  return out;
}

/**
 * Settings config.ts reads that the Azure deployment leaves to their defaults, each with the
 * reason. A new setting must be provisioned in infra/azure.bicep or listed here: none is
 * forgotten silently.
 */
const LEFT_TO_DEFAULTS: Record<string, string> = {
  BOT_PASSWORD: 'the bot authenticates with the managed identity (BOT_TYPE=UserAssignedMSI): no password',
  BOT_OPENID_METADATA_URL: 'tests only (a local identity provider); Azure uses the public Bot Framework metadata',
  DATA_DIR: 'the embedded store is for local use; Azure uses DATABASE_URL',
  ENCRYPTION_ACTIVE_KEY_ID: 'the last key of ENCRYPTION_KEYS is active; set during a key rotation (docs/admin-guide.md)',
  OUTBOX_POLL_MS: 'delivery tuning; the defaults suit Teams\' limits',
  OUTBOX_ALERT_AFTER_ATTEMPTS: 'delivery tuning',
  OUTBOX_MAX_BACKOFF_SECONDS: 'delivery tuning',
  OUTBOX_MIN_BACKOFF_MS: 'delivery tuning',
  OUTBOX_LEASE_SECONDS: 'delivery tuning',
  OUTBOX_CONCURRENCY: 'delivery tuning',
  METRICS_TOKEN: 'optional: /metrics stays closed in Azure unless IT sets a token; Application Insights collects telemetry',
  DSL_ROSTER_TTL_SECONDS: 'roster freshness tuning',
  SCHEDULER_POLL_MS: 'scheduler tuning',
  GRAPH_CERT_KEY_FILE: 'in Azure the certificate comes from Key Vault as GRAPH_CERT_PEM (graphCertificateName); a key file is for servers outside Azure',
  GRAPH_CERT_THUMBPRINT_SHA256: 'with GRAPH_CERT_KEY_FILE (GRAPH_CERT_PEM carries its certificate)',
  AUTHORITY_HOST: 'public cloud by default; national clouds and tests only',
  GRAPH_BASE_URL: 'public cloud by default; national clouds and tests only',
  GRAPH_RU_PER_MINUTE: 'GRAPH_LICENCE_BAND is provisioned instead (they are alternatives)',
  GRAPH_EXTRA_CA_FILE: 'tests only (the fake tenant\'s self-signed certificate)',
  AUDIT_ROSTER_CSV: 'pupils come from /education/users; a CSV file is a CLI option',
  AUDIT_VERIFIED_DOMAINS: 'read from /organization (Organization.Read.All)',
  AUDIT_CONTENT_EVIDENCE: 'when-needed is the right default (RU budget)',
  REMEDIATION_ENABLED: 'link removal needs a second, write-capable app registration that IT creates on purpose (docs/sharing-audit.md)',
  GRAPH_REMEDIATION_CLIENT_ID: 'with REMEDIATION_ENABLED',
  GRAPH_REMEDIATION_CLIENT_SECRET: 'with REMEDIATION_ENABLED',
  GRAPH_REMEDIATION_CERT_KEY_FILE: 'with REMEDIATION_ENABLED',
  GRAPH_REMEDIATION_CERT_THUMBPRINT_SHA256: 'with REMEDIATION_ENABLED',
  GRAPH_REMEDIATION_CERT_PEM: 'with REMEDIATION_ENABLED',
  AUP_SENDS_PER_SECOND: 'broadcast pacing below Teams\' limits',
  AUP_PER_CONVERSATION_PER_SECOND: 'broadcast pacing below Teams\' limits',
  AUP_SENDER_CONCURRENCY: 'broadcast pacing',
  AUP_MAX_SEND_ATTEMPTS: 'broadcast retries',
  AUP_SCHEDULER_INTERVAL_SECONDS: 'reminder scheduler tuning',
  TAB_JWKS_URL: 'Entra\'s public keys by default; tests only',
  TAB_ISSUER: 'Entra\'s issuer by default; tests only',
  TAB_DEV_TOKENS: 'development only: must stay off in Azure',
};
// Read by the platform or SDKs, not by config.ts.
const PLATFORM = ['WEBSITE_RUN_FROM_PACKAGE', 'SCM_DO_BUILD_DURING_DEPLOYMENT', 'NODE_ENV', 'WEBSITES_PORT', 'AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'BOT_DOMAIN', 'AAD_APP_CLIENT_ID', 'AAD_APP_TENANT_ID', 'AAD_APP_CLIENT_SECRET'];

describe('infra/azure.bicep provides what the app reads', () => {
  const settings = appSettings();

  it('sets every setting the app needs in Azure', () => {
    const needed = ['HOST', 'PORT', 'BOT_ID', 'BOT_TYPE', 'BOT_TENANT_ID', 'ALLOWED_TENANT_IDS', 'DATABASE_URL', 'ENCRYPTION_KEYS', 'BOOTSTRAP_TENANT_ID', 'SCHOOL_NAME', 'SCHOOL_TIMEZONE', 'ADMIN_AAD_IDS', 'HEADTEACHER_AAD_ID', 'CHAIR_AAD_ID', 'DPO_AAD_ID', 'IT_MANAGER_AAD_ID', 'ONLINE_SAFETY_LEAD_AAD_ID', 'GRAPH_CLIENT_ID', 'GRAPH_TENANT_ID', 'GRAPH_CLIENT_SECRET', 'TAB_AUDIENCE', 'READY_MAX_OUTBOX_LAG_SECONDS', 'RETENTION_CONCERN_YEARS', 'RETENTION_AUP_YEARS', 'RETENTION_AUDIT_FINDINGS_DAYS'];
    expect(needed.filter((k) => !settings.has(k))).toEqual([]);
  });

  it('decides for every setting the app reads: provisioned, or left to its default for a stated reason', () => {
    const undecided = CONFIG_KEYS.filter((k) => !settings.has(k) && !LEFT_TO_DEFAULTS[k]);
    expect(undecided).toEqual([]);
    expect(Object.keys(LEFT_TO_DEFAULTS).filter((k) => settings.has(k) || !CONFIG_KEYS.includes(k))).toEqual([]);
  });

  it('sets nothing the app does not read (a typo would be silently ignored)', () => {
    expect([...settings.keys()].filter((k) => !CONFIG_KEYS.includes(k) && !PLATFORM.includes(k))).toEqual([]);
  });

  it('alerts on log lines the app really writes (a renamed message would silence an alert)', () => {
    const queries = [...bicep.matchAll(/ResultDescription has "([^"]+)"/g)].map((m) => m[1]!);
    expect(queries.length).toBeGreaterThanOrEqual(2);
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : []));
    const code = sources(join(__dirname, '..', '..', 'src')).join('\n');
    for (const q of queries) expect(code).toContain(q);
  });

  it('keeps secrets in Key Vault', () => {
    for (const k of ['DATABASE_URL', 'DATABASE_OWNER_URL', 'ENCRYPTION_KEYS', 'AAD_APP_CLIENT_SECRET']) expect(settings.get(k)).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=/);
    // The Graph app's credential: the client secret, or (graphCertificateName) the certificate,
    // both from Key Vault; never both.
    for (const certificate of [false, true]) {
      const secret = branch(settings.get('GRAPH_CLIENT_SECRET')!, certificate);
      const pem = branch(settings.get('GRAPH_CERT_PEM')!, certificate);
      expect(certificate ? [secret, pem] : [pem, secret]).toEqual(["''", expect.stringMatching(/^'@Microsoft\.KeyVault\(SecretUri=/)]);
    }
  });

  it.each([false, true])('is accepted by config.ts in production mode once the expressions are resolved (Graph certificate: %s)', (certificate) => {
    const guid = '11111111-2222-4333-8444-555555555555';
    const defaults = paramDefaults();
    const appCertificate = createAppCertificate();
    const resolve = (expression: string): string => {
      const expr = branch(expression, certificate);
      if (/^'@Microsoft\.KeyVault.*graphCertificateName/.test(expr)) return `${appCertificate.privateKeyPem}${appCertificate.certPem}`;
      // A parameter (or string(parameter)) with a default: the default must be acceptable.
      const param = /^(?:string\()?(\w+)\)?$/.exec(expr)?.[1];
      if (param && defaults.has(param)) return defaults.get(param)!;
      if (/^'@Microsoft\.KeyVault/.test(expr)) {
        if (expr.includes('encryptionKeys')) return `k1:${Buffer.alloc(32, 1).toString('base64')}`;
        if (expr.includes('databaseUrl')) return 'postgres://jigsaw_app:p@db.example/jigsaw';
        if (expr.includes('databaseOwnerUrl')) return 'postgres://jigsawadmin:p@db.example/jigsaw';
        return 'a-secret';
      }
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
    expect(config.graph?.credential.kind).toBe(certificate ? 'certificate-pem' : 'secret');
    // The app runs as its own role; the administrator only migrates and grants.
    expect(config.store).toMatchObject({ databaseUrl: expect.stringMatching(/^postgres:\/\/jigsaw_app:/), ownerUrl: expect.stringMatching(/^postgres:\/\/jigsawadmin:/) });
    // The policy settings arrive with the parameters' defaults.
    expect(config.audit.scheduleAt).toBe('02:30');
    expect(config.triage).toMatchObject({ escalationFirstMinutes: 15, patternThreshold: 3, patternWindowDays: 30 });
    expect(config.reports.governorMinCount).toBe(3);
    expect(config.aup).toMatchObject({ validityMonths: 12, reminderDays: [7, 14], deadlineDays: 21, teamsAppId: guid });
  });
});
