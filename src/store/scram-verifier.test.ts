import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { scramSha256Verifier } from './scram-verifier';

// pg's own SCRAM client (what `pg` runs when it signs in) against a server that knows only the
// verifier: if the client's proof checks out and the client accepts the server's signature,
// PostgreSQL holding this verifier accepts the password.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sasl = require('pg/lib/crypto/sasl') as {
  startSession(mechanisms: string[]): { response: string; clientNonce: string };
  continueSession(session: unknown, password: string, serverData: string): Promise<void>;
  finalizeSession(session: unknown, serverData: string): void;
};

async function signIn(verifier: string, password: string): Promise<boolean> {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier)!;
  const [iterations, salt, storedKey, serverKey] = [m[1]!, m[2]!, Buffer.from(m[3]!, 'base64'), Buffer.from(m[4]!, 'base64')];
  const session = sasl.startSession(['SCRAM-SHA-256']) as { response: string; clientNonce: string };
  const clientFirstBare = session.response.replace(/^n,,/, '');
  const serverFirst = `r=${session.clientNonce}serverpart,s=${salt},i=${iterations}`;
  await sasl.continueSession(session, password, serverFirst);
  const clientFinal = session.response;
  const withoutProof = clientFinal.replace(/,p=[^,]+$/, '');
  const proof = Buffer.from(/,p=([^,]+)$/.exec(clientFinal)![1]!, 'base64');
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
  const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
  if (!timingSafeEqual(createHash('sha256').update(clientKey).digest(), storedKey)) return false;
  sasl.finalizeSession(session, `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`);
  return true;
}

describe('scramSha256Verifier', () => {
  it('has the form PostgreSQL stores and accepts as an already-hashed password', () => {
    expect(scramSha256Verifier('s3cret')).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    // A fresh salt each time: two roles with one password do not share a verifier.
    expect(scramSha256Verifier('s3cret')).not.toBe(scramSha256Verifier('s3cret'));
  });

  it.each(['Jx8+q/Zr0w1mN2bV3cX4zL5k', 'pässwörd with spaces', 'ｆｕｌｌｗｉｄｔｈ'])('lets pg\'s SCRAM client sign in with the password (%s) and no other', async (password) => {
    const verifier = scramSha256Verifier(password);
    await expect(signIn(verifier, password)).resolves.toBe(true);
    await expect(signIn(verifier, `${password}x`)).resolves.toBe(false);
  });
});
