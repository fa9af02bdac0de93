import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

/** Who is calling the tab API, taken only from a validated token (never from the request body). */
export interface TabIdentity {
  tenantId: string;
  aadObjectId: string;
  name: string;
}

export interface TabAuthOptions {
  /** Accepted `aud` values (the API identifier api://{domain}/{clientId} and/or the client id). */
  audiences: readonly string[];
  /** `{tid}` is replaced by the token's tenant id. */
  jwksUrlTemplate: string;
  issuerTemplate: string;
  /** Tenants this service serves; empty = any tenant the store knows (checked by `isKnownTenant`). */
  allowedTenantIds: readonly string[];
  isKnownTenant: (tenantId: string) => Promise<boolean>;
  /** Allowed clock skew in seconds (default 60). */
  clockToleranceSeconds?: number;
}

export type TabAuthResult = { ok: true; identity: TabIdentity } | { ok: false; error: 'missing_token' | 'invalid_token' | 'tenant_not_allowed' | 'not_configured' };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The delegated scope Teams SSO asks for (aad.manifest.json `access_as_user`). */
const REQUIRED_SCOPE = 'access_as_user';

/**
 * Validates Entra ID access tokens for the tab API: RS256 signature against the token tenant's
 * published keys, issuer, audience, expiry and not-before, a delegated `access_as_user` scope,
 * and a tenant this service serves. The tenant is read from the unverified token only to pick
 * which key set to check it against; it is trusted after the signature and the issuer (which
 * names the same tenant) are verified. Key sets are cached per tenant by jose (refetched on an
 * unknown key id, at most every 30 s).
 */
export class TabTokenValidator {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(private readonly options: TabAuthOptions) {}

  get configured(): boolean {
    return this.options.audiences.length > 0;
  }

  async validate(authorization: string | undefined): Promise<TabAuthResult> {
    if (!this.configured) return { ok: false, error: 'not_configured' };
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!match) return { ok: false, error: 'missing_token' };
    const token = match[1]!;
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return { ok: false, error: 'invalid_token' };
    }
    const tid = typeof unverified.tid === 'string' ? unverified.tid.toLowerCase() : '';
    // Check the tenant before fetching anything: no request goes out for a tenant we do not serve.
    if (!GUID.test(tid)) return { ok: false, error: 'invalid_token' };
    if (!(await this.tenantAllowed(tid))) return { ok: false, error: 'tenant_not_allowed' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySetFor(tid), {
        issuer: this.options.issuerTemplate.replace(/\{tid\}/g, tid),
        audience: [...this.options.audiences],
        algorithms: ['RS256'],
        clockTolerance: this.options.clockToleranceSeconds ?? 60,
        requiredClaims: ['exp', 'iat', 'tid', 'oid'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return { ok: false, error: 'invalid_token' };
      throw err;
    }
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes(REQUIRED_SCOPE)) return { ok: false, error: 'invalid_token' };
    const oid = typeof payload.oid === 'string' ? payload.oid.toLowerCase() : '';
    if (!GUID.test(oid) || String(payload.tid).toLowerCase() !== tid) return { ok: false, error: 'invalid_token' };
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 200) : 'Signed-in user';
    return { ok: true, identity: { tenantId: tid, aadObjectId: oid, name } };
  }

  private async tenantAllowed(tid: string): Promise<boolean> {
    const allowed = this.options.allowedTenantIds.map((t) => t.toLowerCase());
    if (allowed.length && !allowed.includes(tid)) return false;
    return this.options.isKnownTenant(tid);
  }

  private keySetFor(tid: string): ReturnType<typeof createRemoteJWKSet> {
    let set = this.keySets.get(tid);
    if (!set) {
      set = createRemoteJWKSet(new URL(this.options.jwksUrlTemplate.replace(/\{tid\}/g, tid)), { timeoutDuration: 5000, cooldownDuration: 30_000 });
      this.keySets.set(tid, set);
    }
    return set;
  }
}
