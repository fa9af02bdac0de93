import { createMsalConfiguration } from './credentials';

describe('createMsalConfiguration', () => {
  it('uses the tenant authority on Microsoft hosts without knownAuthorities', () => {
    const c = createMsalConfiguration({ tenantId: 't1', clientId: 'c1', clientSecret: 's' });
    expect(c.auth.authority).toBe('https://login.microsoftonline.com/t1');
    expect(c.auth.knownAuthorities).toEqual([]);
    expect(c.system?.networkClient).toBeUndefined();
  });

  it('trusts another host through knownAuthorities (national cloud proxies, the local fake)', () => {
    const c = createMsalConfiguration({ tenantId: 't1', clientId: 'c1', clientSecret: 's', authorityHost: 'https://127.0.0.1:8443/' });
    expect(c.auth.authority).toBe('https://127.0.0.1:8443/t1');
    expect(c.auth.knownAuthorities).toEqual(['127.0.0.1:8443']);
  });

  it('takes a certificate instead of a secret, never both', () => {
    const cert = { privateKeyPem: '-----BEGIN PRIVATE KEY-----\n…', thumbprintSha256: 'ab'.repeat(32) };
    const c = createMsalConfiguration({ tenantId: 't', clientId: 'c', certificate: cert });
    expect(c.auth.clientCertificate).toEqual({ thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem });
    expect(c.auth.clientSecret).toBeUndefined();
    expect(() => createMsalConfiguration({ tenantId: 't', clientId: 'c', clientSecret: 's', certificate: cert })).toThrow(/exactly one/u);
    expect(() => createMsalConfiguration({ tenantId: 't', clientId: 'c' })).toThrow(/exactly one/u);
  });
});
