// A Graph app's certificate credential given as PEM text holding both the private key and the
// certificate: what Azure Key Vault returns as the secret of a certificate whose content type is
// application/x-pem-file, and what App Service puts in an app setting through a Key Vault
// reference. Carrying the certificate (not only the key) lets Jigsaw work out the thumbprint
// itself, so a renewed certificate in Key Vault needs no second setting changed by hand.
import { createPrivateKey, X509Certificate } from 'node:crypto';

export interface CertificateCredential {
  privateKeyPem: string;
  /** The certificate the key belongs to (sent as x5c; the first when a chain is given). */
  certificatePem: string;
  /** Hex SHA-256 thumbprint of that certificate, lower case. */
  thumbprintSha256: string;
  notAfter: Date;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * PEM blocks rebuilt with their line breaks: an app setting or a pasted value may arrive with
 * the breaks turned into spaces or into the two characters "\n", which OpenSSL refuses.
 */
function normalisePemBlocks(text: string): { label: string; pem: string }[] {
  const blocks: { label: string; pem: string }[] = [];
  for (const m of text.replace(/\\r|\\n/g, '\n').matchAll(BLOCK)) {
    const body = m[2]!.replace(/[\s]/g, '');
    const lines = body.match(/.{1,64}/g) ?? [];
    blocks.push({ label: m[1]!, pem: `-----BEGIN ${m[1]}-----\n${lines.join('\n')}\n-----END ${m[1]}-----\n` });
  }
  return blocks;
}

/**
 * Reads a key + certificate PEM. Throws an Error whose message says what is wrong (and never
 * quotes the key) when the text has no usable key, no certificate, or a key that is not the
 * certificate's.
 */
export function parseCertificatePem(text: string): CertificateCredential {
  const blocks = normalisePemBlocks(text);
  const keyBlock = blocks.find((b) => /PRIVATE KEY$/.test(b.label));
  if (!keyBlock) throw new Error('holds no private key (expected a "-----BEGIN PRIVATE KEY-----" block; export the certificate from Key Vault as PEM, with its key)');
  if (/ENCRYPTED/.test(keyBlock.label)) throw new Error('holds an encrypted private key: Jigsaw needs it unencrypted (Key Vault\'s PEM secret is)');
  const certBlocks = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certBlocks.length === 0) throw new Error('holds no certificate (expected a "-----BEGIN CERTIFICATE-----" block next to the key)');
  let key;
  try {
    key = createPrivateKey(keyBlock.pem);
  } catch {
    throw new Error('holds a private key that cannot be read');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`holds a key of type ${(key.asymmetricKeyType ?? 'unknown').toUpperCase()}: Entra ID client assertions need an RSA certificate`);
  // Key Vault puts the leaf first; a chain may follow. The leaf is the one the key belongs to.
  for (const block of certBlocks) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block.pem);
    } catch {
      continue;
    }
    if (!cert.checkPrivateKey(key)) continue;
    return {
      privateKeyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
      certificatePem: block.pem,
      thumbprintSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
      notAfter: new Date(cert.validTo),
    };
  }
  throw new Error('holds a private key that belongs to none of its certificates');
}
