// Certificates made at test time with the openssl CLI (no npm dependency): a throwaway CA, a
// server certificate for 127.0.0.1 signed by it, and RSA app certificates for the
// client-assertion flow. Nothing is written outside a private temp directory, removed at once.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerCertificates {
  /** PEM of the CA that signed the server certificate: what clients must trust. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface AppCertificate {
  certPem: string;
  privateKeyPem: string;
  /** Hex SHA-256 thumbprint of the DER certificate (msal-node `thumbprintSha256`). */
  thumbprintSha256: string;
  /** Hex SHA-1 thumbprint (msal-node's deprecated `thumbprint`, RS256 assertions). */
  thumbprintSha1: string;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'jigsaw-fake-tls-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a 127.0.0.1/localhost server certificate (EC P-256: fast to generate). */
export function createServerCertificates(): ServerCertificates {
  return withTempDir((dir) => {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Jigsaw fake tenant test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
    openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
    return {
      caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      certPem: readFileSync(join(dir, 'server.pem'), 'utf8'),
      keyPem: readFileSync(join(dir, 'server.key'), 'utf8'),
    };
  });
}

/** A self-signed RSA certificate an app registration can hold for client assertions. */
export function createAppCertificate(subject = 'CN=jigsaw-audit'): AppCertificate {
  return withTempDir((dir) => {
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'app.key', '-out', 'app.pem', '-days', '2', '-subj', `/${subject}`]);
    const certPem = readFileSync(join(dir, 'app.pem'), 'utf8');
    const der = new X509Certificate(certPem).raw;
    return {
      certPem,
      privateKeyPem: readFileSync(join(dir, 'app.key'), 'utf8'),
      thumbprintSha256: createHash('sha256').update(der).digest('hex'),
      thumbprintSha1: createHash('sha1').update(der).digest('hex'),
    };
  });
}
