import { createAppCertificate } from '../test/fakes/graph-tenant/certificates';
import { ConfigError, credentialWarnings, loadConfig, summarizeConfig } from './config';

const KEY = 'k1:' + Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('starts in local mode on loopback with no settings at all', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('local');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3978);
    expect(config.store.databaseUrl).toBeUndefined();
  });

  it('keeps tenant and people ids in lower case, as Teams and Entra send them (one pasted in capitals would never match)', () => {
    const upper = 'A1B2C3D4-0000-4000-8000-00000000ABCD';
    const config = loadConfig({ ALLOWED_TENANT_IDS: upper, BOOTSTRAP_TENANT_ID: upper, ADMIN_AAD_IDS: upper, HEADTEACHER_AAD_ID: upper, CHAIR_AAD_ID: upper, DPO_AAD_ID: upper, IT_MANAGER_AAD_ID: upper, ONLINE_SAFETY_LEAD_AAD_ID: upper });
    const lower = upper.toLowerCase();
    expect(config.allowedTenantIds).toEqual([lower]);
    expect(config.bootstrap.tenantId).toBe(lower);
    const { adminAadIds, headteacherAadId, chairAadId, dpoAadId, itManagerAadId, onlineSafetyLeadAadId } = config.bootstrap;
    expect({ adminAadIds, headteacherAadId, chairAadId, dpoAadId, itManagerAadId, onlineSafetyLeadAadId }).toEqual({
      adminAadIds: [lower],
      headteacherAadId: lower,
      chairAadId: lower,
      dpoAadId: lower,
      itManagerAadId: lower,
      onlineSafetyLeadAadId: lower,
    });
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

  it('accepts ENCRYPTION_ACTIVE_KEY_ID naming one of ENCRYPTION_KEYS', () => {
    const k2 = 'k2:' + Buffer.alloc(32, 9).toString('base64');
    expect(loadConfig({ ENCRYPTION_KEYS: `${KEY},${k2}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' }).encryption).toEqual({ keys: `${KEY},${k2}`, activeKeyId: 'k1' });
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
    // A key id that ENCRYPTION_KEYS does not list (a typo during a rotation), or with no keys at all.
    ['ENCRYPTION_ACTIVE_KEY_ID', { ENCRYPTION_KEYS: KEY, ENCRYPTION_ACTIVE_KEY_ID: 'k2' }],
    ['ENCRYPTION_ACTIVE_KEY_ID', { ENCRYPTION_ACTIVE_KEY_ID: 'k1' }],
  ])('names %s when its value is wrong', (name, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`- ${name}`));
  });

  describe('Microsoft Graph (sharing audit)', () => {
    const TENANT = '11111111-2222-4333-8444-555555555555';
    const AUDIT_APP = '6f1c3a52-8d0e-4b7a-9c55-0a1b2c3d4e5f';
    const RW_APP = 'dddddddd-4444-4c2a-9d3e-5f6a7b8c9d0e';
    const THUMB = 'AB'.repeat(32);

    it('leaves Graph unconfigured, read-only and remediation off by default', () => {
      const config = loadConfig({});
      expect(config.graph).toBeUndefined();
      expect(config.audit).toEqual({ includeSites: false, rosterCsv: undefined, verifiedDomains: undefined, contentEvidence: 'when-needed' });
      expect(config.remediation).toEqual({ enabled: false });
    });

    it('takes the tenant from BOOTSTRAP_TENANT_ID and the public cloud defaults', () => {
      const config = loadConfig({ BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CLIENT_SECRET: 's' });
      expect(config.graph).toEqual({
        tenantId: TENANT,
        clientId: AUDIT_APP,
        credential: { kind: 'secret', secret: 's' },
        authorityHost: 'https://login.microsoftonline.com',
        baseUrl: 'https://graph.microsoft.com',
        ruPerMinute: undefined,
        licenceBand: '0-1000',
        extraCaFile: undefined,
      });
    });

    it('accepts a certificate, a national cloud, a budget, sites, a roster and domains', () => {
      const config = loadConfig({
        GRAPH_TENANT_ID: TENANT,
        GRAPH_CLIENT_ID: AUDIT_APP,
        GRAPH_CERT_KEY_FILE: '/secrets/audit.key',
        GRAPH_CERT_THUMBPRINT_SHA256: THUMB,
        AUTHORITY_HOST: 'https://login.microsoftonline.us/',
        GRAPH_BASE_URL: 'https://graph.microsoft.us/v1.0/',
        GRAPH_LICENCE_BAND: '1001-5000',
        AUDIT_INCLUDE_SITES: 'true',
        AUDIT_ROSTER_CSV: '/data/roster.csv',
        AUDIT_VERIFIED_DOMAINS: 'StMarys.sch.uk, stmarys.onmicrosoft.com',
        AUDIT_CONTENT_EVIDENCE: 'always',
      });
      expect(config.graph).toMatchObject({
        credential: { kind: 'certificate', keyFile: '/secrets/audit.key', thumbprintSha256: THUMB.toLowerCase() },
        authorityHost: 'https://login.microsoftonline.us',
        baseUrl: 'https://graph.microsoft.us',
        licenceBand: '1001-5000',
      });
      expect(config.audit).toEqual({ includeSites: true, rosterCsv: '/data/roster.csv', verifiedDomains: ['stmarys.sch.uk', 'stmarys.onmicrosoft.com'], contentEvidence: 'always' });
    });

    it('takes a certificate as key + certificate PEM (Key Vault), for the audit app and the remediation app', () => {
      const audit = createAppCertificate();
      const rw = createAppCertificate('CN=jigsaw-remediation');
      const config = loadConfig({
        BOOTSTRAP_TENANT_ID: TENANT,
        GRAPH_CLIENT_ID: AUDIT_APP,
        GRAPH_CERT_PEM: `${audit.privateKeyPem}${audit.certPem}`,
        REMEDIATION_ENABLED: 'true',
        GRAPH_REMEDIATION_CLIENT_ID: RW_APP,
        GRAPH_REMEDIATION_CERT_PEM: `${rw.privateKeyPem}${rw.certPem}`,
      });
      expect(config.graph?.credential).toMatchObject({ kind: 'certificate-pem', certificate: { thumbprintSha256: audit.thumbprintSha256 } });
      expect(config.remediation).toMatchObject({ enabled: true, credential: { kind: 'certificate-pem', certificate: { thumbprintSha256: rw.thumbprintSha256 } } });
      // The log summary says a certificate is used and when it expires; never the key.
      const summary = JSON.stringify(summarizeConfig(config));
      expect(summary).toContain('"credential":"certificate-pem"');
      expect(summary).not.toContain('PRIVATE KEY');
      const base = { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP };
      const pem = `${audit.privateKeyPem}${audit.certPem}`;
      expect(() => loadConfig({ ...base, GRAPH_CERT_PEM: pem, GRAPH_CLIENT_SECRET: 's' })).toThrow(/- GRAPH_CLIENT_SECRET and GRAPH_CERT_PEM are alternatives: set one, not both/);
      expect(() => loadConfig({ ...base, GRAPH_CERT_PEM: pem, GRAPH_CERT_THUMBPRINT_SHA256: audit.thumbprintSha256 })).toThrow(/GRAPH_CERT_PEM: remove GRAPH_CERT_THUMBPRINT_SHA256/);
      let refusal: Error | undefined;
      try {
        loadConfig({ ...base, GRAPH_CERT_PEM: audit.privateKeyPem });
      } catch (err) {
        refusal = err as Error;
      }
      expect(refusal?.message).toMatch(/- GRAPH_CERT_PEM holds no certificate/);
      expect(refusal?.message).not.toContain(audit.privateKeyPem.split('\n')[1]);
      expect(() => loadConfig({ GRAPH_CERT_PEM: pem })).toThrow(/- GRAPH_CLIENT_ID is required when a Graph secret or certificate is set/);
      expect(() => loadConfig({ ...base, GRAPH_CLIENT_SECRET: 's', GRAPH_REMEDIATION_CERT_PEM: pem })).toThrow(/- REMEDIATION_ENABLED is false but remediation credentials are set/);
    });

    it('says when a setting is a Key Vault reference App Service could not resolve', () => {
      const reference = '@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/graph-cert)';
      let refusal: Error | undefined;
      try {
        loadConfig({ BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CERT_PEM: reference });
      } catch (err) {
        refusal = err as Error;
      }
      expect(refusal?.message).toMatch(/- GRAPH_CERT_PEM is a Key Vault reference App Service could not resolve/);
      // Not also reported as a malformed certificate.
      expect(refusal?.message).not.toMatch(/holds no private key/);
    });

    it('warns at start-up about a PEM certificate that has expired or expires within 30 days', () => {
      const cert = createAppCertificate();
      const config = loadConfig({ BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CERT_PEM: `${cert.privateKeyPem}${cert.certPem}` });
      const expires = config.graph!.credential.kind === 'certificate-pem' ? config.graph!.credential.certificate.notAfter : new Date(0);
      const day = 86_400_000;
      expect(credentialWarnings(config, new Date(expires.getTime() - 31 * day))).toEqual([]);
      expect(credentialWarnings(config, new Date(expires.getTime() - 10.5 * day))).toEqual([`GRAPH_CERT_PEM: the certificate expires on ${expires.toISOString().slice(0, 10)} (in 10 days); renew it in Key Vault`]);
      expect(credentialWarnings(config, new Date(expires.getTime() + day))[0]).toMatch(/^GRAPH_CERT_PEM: the certificate expired on /);
      expect(credentialWarnings(loadConfig({ BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CLIENT_SECRET: 's' }), new Date())).toEqual([]);
    });

    it('takes a schema owner for migrations only with an app connection beside it', () => {
      const store = loadConfig({ DATABASE_URL: 'postgres://jigsaw_app@db/j', DATABASE_OWNER_URL: 'postgres://owner@db/j' }).store;
      expect(store).toMatchObject({ databaseUrl: 'postgres://jigsaw_app@db/j', ownerUrl: 'postgres://owner@db/j' });
      expect(() => loadConfig({ DATABASE_OWNER_URL: 'postgres://owner@db/j' })).toThrow(/- DATABASE_OWNER_URL needs DATABASE_URL/);
      expect(() => loadConfig({ DATABASE_URL: 'postgres://a@db/j', DATABASE_OWNER_URL: 'mysql://owner@db/j' })).toThrow(/- DATABASE_OWNER_URL must be a postgres:\/\/ URL/);
    });

    it('schedules the daily audit at a school time, only with Graph configured', () => {
      const base = { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CLIENT_SECRET: 's' };
      expect(loadConfig(base).audit.scheduleAt).toBeUndefined();
      expect(loadConfig({ ...base, AUDIT_SCHEDULE: '02:30' }).audit.scheduleAt).toBe('02:30');
      expect(loadConfig({ ...base, AUDIT_SCHEDULE: 'off' }).audit.scheduleAt).toBeUndefined();
      expect(() => loadConfig({ ...base, AUDIT_SCHEDULE: '2:30am' })).toThrow(/- AUDIT_SCHEDULE use "off" or a time of day like 02:30/);
      expect(() => loadConfig({ ...base, AUDIT_SCHEDULE: '24:00' })).toThrow(/AUDIT_SCHEDULE/);
      expect(() => loadConfig({ BOOTSTRAP_TENANT_ID: TENANT, AUDIT_SCHEDULE: '02:30' })).toThrow(/- AUDIT_SCHEDULE needs the sharing audit configured \(GRAPH_CLIENT_ID/);
    });

    it('enables remediation only with a second app registration', () => {
      const base = { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CLIENT_SECRET: 's' };
      expect(loadConfig({ ...base, REMEDIATION_ENABLED: 'true', GRAPH_REMEDIATION_CLIENT_ID: RW_APP, GRAPH_REMEDIATION_CLIENT_SECRET: 'rw' }).remediation).toEqual({
        enabled: true,
        clientId: RW_APP,
        credential: { kind: 'secret', secret: 'rw' },
      });
      expect(() => loadConfig({ ...base, REMEDIATION_ENABLED: 'true' })).toThrow(/- GRAPH_REMEDIATION_CLIENT_ID is required when REMEDIATION_ENABLED=true/);
      expect(() => loadConfig({ ...base, REMEDIATION_ENABLED: 'true', GRAPH_REMEDIATION_CLIENT_ID: AUDIT_APP, GRAPH_REMEDIATION_CLIENT_SECRET: 'rw' })).toThrow(/- GRAPH_REMEDIATION_CLIENT_ID must be a different app registration/);
      expect(() => loadConfig({ ...base, GRAPH_REMEDIATION_CLIENT_ID: RW_APP, GRAPH_REMEDIATION_CLIENT_SECRET: 'rw' })).toThrow(/- REMEDIATION_ENABLED is false but remediation credentials are set/);
    });

    it.each([
      ['GRAPH_CLIENT_SECRET', { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP }],
      ['GRAPH_CLIENT_SECRET', { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CLIENT_SECRET: 's', GRAPH_CERT_KEY_FILE: '/k' }],
      ['GRAPH_CERT_THUMBPRINT_SHA256', { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CERT_KEY_FILE: '/k' }],
      ['GRAPH_CERT_THUMBPRINT_SHA256', { BOOTSTRAP_TENANT_ID: TENANT, GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CERT_KEY_FILE: '/k', GRAPH_CERT_THUMBPRINT_SHA256: 'abc' }],
      ['GRAPH_TENANT_ID', { GRAPH_CLIENT_ID: AUDIT_APP, GRAPH_CLIENT_SECRET: 's' }],
      ['GRAPH_CLIENT_ID', { GRAPH_CLIENT_SECRET: 's' }],
      ['AUTHORITY_HOST', { AUTHORITY_HOST: 'http://login.microsoftonline.com' }],
      ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'http://graph.microsoft.com' }],
      ['GRAPH_BASE_URL', { GRAPH_BASE_URL: 'https://graph.microsoft.com/beta' }],
      ['GRAPH_RU_PER_MINUTE', { GRAPH_RU_PER_MINUTE: 'lots' }],
      ['GRAPH_RU_PER_MINUTE', { GRAPH_RU_PER_MINUTE: '2500', GRAPH_LICENCE_BAND: '1001-5000' }],
      ['GRAPH_LICENCE_BAND', { GRAPH_LICENCE_BAND: '1000' }],
      ['AUDIT_INCLUDE_SITES', { AUDIT_INCLUDE_SITES: 'maybe' }],
      ['AUDIT_VERIFIED_DOMAINS', { AUDIT_VERIFIED_DOMAINS: 'school.sch.uk, not a domain' }],
      ['REMEDIATION_ENABLED', { REMEDIATION_ENABLED: 'yes please' }],
      ['AUDIT_CONTENT_EVIDENCE', { AUDIT_CONTENT_EVIDENCE: 'sometimes' }],
    ])('names %s when the Graph settings are wrong', (name, env) => {
      expect(() => loadConfig(env)).toThrow(new RegExp(`- ${name}`));
    });
  });
});

describe('loadConfig: triage settings', () => {
  it('defaults to a 5-minute roster cache, escalation at 15 + 15 minutes, and 3 concerns in 30 days', () => {
    expect(loadConfig({}).triage).toEqual({
      rosterTtlSeconds: 300,
      escalationFirstMinutes: 15,
      escalationSecondMinutes: 15,
      patternThreshold: 3,
      patternWindowDays: 30,
      schedulerPollMs: 5000,
    });
  });

  it('names a bad triage setting', () => {
    expect(() => loadConfig({ ESCALATION_FIRST_MINUTES: '0' })).toThrow(/ESCALATION_FIRST_MINUTES/);
    expect(() => loadConfig({ PATTERN_THRESHOLD: '1' })).toThrow(/PATTERN_THRESHOLD/);
    expect(loadConfig({ PATTERN_WINDOW_DAYS: '90', DSL_ROSTER_TTL_SECONDS: '60' }).triage).toMatchObject({ patternWindowDays: 90, rosterTtlSeconds: 60 });
  });
});
