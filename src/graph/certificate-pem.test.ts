import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppCertificate } from '../../test/fakes/graph-tenant/certificates';
import { parseCertificatePem } from './certificate-pem';

/** An EC certificate and an encrypted RSA key, made with the openssl CLI as the fake tenant's are. */
function otherKinds(): { ecKeyPem: string; ecCertPem: string; encryptedKeyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-pem-'));
  try {
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ec.key', '-out', 'ec.pem', '-days', '2', '-subj', '/CN=ec']);
    run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes-128-cbc', '-pass', 'pass:x', '-out', 'enc.key']);
    return { ecKeyPem: readFileSync(join(dir, 'ec.key'), 'utf8'), ecCertPem: readFileSync(join(dir, 'ec.pem'), 'utf8'), encryptedKeyPem: readFileSync(join(dir, 'enc.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('parseCertificatePem (a Key Vault certificate secret in PEM)', () => {
  const app = createAppCertificate();
  const other = createAppCertificate('CN=someone-else');
  const kinds = otherKinds();

  it('reads the key and the certificate in either order and works out the SHA-256 thumbprint', () => {
    for (const pem of [`${app.privateKeyPem}${app.certPem}`, `${app.certPem}\n${app.privateKeyPem}`]) {
      const parsed = parseCertificatePem(pem);
      expect(parsed.thumbprintSha256).toBe(app.thumbprintSha256);
      expect(parsed.certificatePem.replace(/\s/g, '')).toBe(app.certPem.replace(/\s/g, ''));
      expect(parsed.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(parsed.notAfter.getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('accepts the text after its line breaks became spaces or the two characters \\n (portal, shell)', () => {
    const pem = `${app.privateKeyPem}${app.certPem}`;
    expect(parseCertificatePem(pem.replace(/\n/g, ' ')).thumbprintSha256).toBe(app.thumbprintSha256);
    expect(parseCertificatePem(pem.replace(/\n/g, '\\n')).thumbprintSha256).toBe(app.thumbprintSha256);
  });

  it('picks the certificate the key belongs to when a chain comes with it', () => {
    expect(parseCertificatePem(`${other.certPem}${app.privateKeyPem}${app.certPem}`).thumbprintSha256).toBe(app.thumbprintSha256);
  });

  it.each([
    ['no key', () => app.certPem, /holds no private key/],
    ['no certificate', () => app.privateKeyPem, /holds no certificate/],
    ['a key of another certificate', () => `${other.privateKeyPem}${app.certPem}`, /belongs to none of its certificates/],
    ['an EC certificate', () => `${kinds.ecKeyPem}${kinds.ecCertPem}`, /holds a key of type EC: Entra ID client assertions need an RSA certificate/],
    ['an encrypted key', () => `${kinds.encryptedKeyPem}${app.certPem}`, /encrypted private key/],
    ['a truncated key', () => `${app.privateKeyPem.replace(/\n([A-Za-z0-9+/]{64}\n){10}/, '\n')}${app.certPem}`, /holds a private key that cannot be read/],
    ['anything else', () => 'my-client-secret', /holds no private key/],
  ])('refuses %s with a message that says what is wrong and never quotes the key', (_label, text, message) => {
    let error: Error | undefined;
    try {
      parseCertificatePem(text());
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/MII/);
  });
});
