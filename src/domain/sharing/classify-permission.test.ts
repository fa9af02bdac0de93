import { classifyPermission, effectiveExpiry, isOutsider, NO_EXPIRY } from './classify-permission';
import type { SharingPermission } from './types';

const context = { now: new Date('2026-11-22T06:00:00Z'), verifiedDomains: ['school.org.uk', 'school.onmicrosoft.com'] };

const perm = (overrides: Partial<SharingPermission>): SharingPermission => ({ id: 'p1', roles: ['read'], ...overrides });
const user = (email: string, extra: Record<string, string> = {}) => ({ user: { id: email, displayName: email, email, ...extra } });

describe('classifyPermission', () => {
  it.each<[string, SharingPermission, string | null, string | null]>([
    ['Anyone link, no expiry', perm({ link: { scope: 'anonymous', type: 'view' } }), 'anonymous', 'view'],
    ['Anyone link, year-1 sentinel means no expiry', perm({ link: { scope: 'anonymous', type: 'edit' }, expirationDateTime: NO_EXPIRY }), 'anonymous', 'edit'],
    ['Anyone link, expires tomorrow: still active', perm({ link: { scope: 'anonymous', type: 'view' }, expirationDateTime: '2026-11-23T00:00:00Z' }), 'anonymous', null],
    ['Anyone link, expired yesterday', perm({ link: { scope: 'anonymous', type: 'view' }, expirationDateTime: '2026-11-21T00:00:00Z' }), null, null],
    ['Anyone link with a password is still exposure', perm({ link: { scope: 'anonymous', type: 'view' }, hasPassword: true }), 'anonymous', null],
    ['organisation link', perm({ link: { scope: 'organization', type: 'view' } }), 'organization', 'view'],
    ['organisation link, blocks download', perm({ link: { scope: 'organization', type: 'blocksDownload' } }), 'organization', 'blocksDownload'],
    ['expired organisation link', perm({ link: { scope: 'organization', type: 'view' }, expirationDateTime: '2020-01-01T00:00:00Z' }), null, null],
    ['specific people, all staff', perm({ link: { scope: 'users', type: 'edit' }, grantedToIdentitiesV2: [user('t.jones@school.org.uk')] }), null, null],
    ['specific people, one outsider', perm({ link: { scope: 'users', type: 'view' }, grantedToIdentitiesV2: [user('t.jones@school.org.uk'), user('mum@gmail.com')] }), 'external', 'view'],
    ['specific people, guest account (#EXT#)', perm({ link: { scope: 'users', type: 'view' }, grantedToIdentitiesV2: [{ siteUser: { loginName: 'i:0#.f|membership|mum_gmail.com#ext#@school.onmicrosoft.com' } }] }), 'external', null],
    ['domain match is case-insensitive', perm({ link: { scope: 'users' }, grantedToIdentitiesV2: [user('T.Jones@School.ORG.UK')] }), null, null],
    ['a look-alike domain is outside', perm({ link: { scope: 'users' }, grantedToIdentitiesV2: [user('t.jones@school.org.uk.evil.com')] }), 'external', null],
    ['existingAccess link grants nothing new', perm({ link: { scope: 'existingAccess', type: 'view' } }), null, null],
    ['owner grant to staff', perm({ roles: ['owner'], grantedToV2: user('head@school.org.uk') }), null, null],
    ['direct grant to an outsider', perm({ roles: ['write'], grantedToV2: user('consultant@agency.co.uk') }), 'external', 'grant'],
    ['direct grant to a guest by UPN', perm({ grantedToV2: { user: { userPrincipalName: 'consultant_agency.co.uk#EXT#@school.onmicrosoft.com' } } }), 'external', 'grant'],
    ['grant to "Everyone except external users"', perm({ grantedToV2: { siteGroup: { displayName: 'Everyone except external users', loginName: 'c:0-.f|rolemanager|spo-grid-all-users/abc' } } }), 'organization', 'grant'],
    ['grant to an Entra group (no address)', perm({ grantedToV2: { group: { id: 'g1', displayName: 'Year 6 Teachers' } } }), null, null],
    ['expired grant to an outsider', perm({ grantedToV2: user('x@gmail.com'), expirationDateTime: '2025-01-01T00:00:00Z' }), null, null],
  ])('%s', (_label, permission, scope, linkType) => {
    const result = classifyPermission(permission, context);
    expect(result?.scope ?? null).toBe(scope);
    if (linkType) expect(result?.linkType).toBe(linkType);
    if (result) expect(result.reason.length).toBeGreaterThan(10);
  });

  it('keeps expiry, password and inheritance', () => {
    const result = classifyPermission(
      perm({ link: { scope: 'anonymous', type: 'view' }, expirationDateTime: '2026-12-01T00:00:00Z', hasPassword: true, inheritedFrom: { id: 'folder-1' } }),
      context,
    );
    expect(result).toMatchObject({ expiresAt: '2026-12-01T00:00:00.000Z', hasPassword: true, inherited: true, inheritedFromItemId: 'folder-1' });
  });

  it('marks an inherited permission whose source Graph does not name', () => {
    expect(classifyPermission(perm({ link: { scope: 'organization' }, inheritedFrom: {} }), context)).toMatchObject({ inherited: true, inheritedFromItemId: null });
  });
});

describe('effectiveExpiry', () => {
  it.each<[string | null | undefined, string | null]>([
    [undefined, null],
    [null, null],
    [NO_EXPIRY, null],
    ['0001-01-01T00:00:00.0000000Z', null],
    ['2027-01-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
  ])('%s → %s', (input, expected) => expect(effectiveExpiry(input)).toBe(expected));
});

describe('isOutsider', () => {
  it('treats an identity without any address as inside', () => {
    expect(isOutsider({ id: 'app', displayName: 'Backup app' }, ['school.org.uk'])).toBe(false);
  });
});
