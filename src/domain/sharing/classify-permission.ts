import type { ExposureScope, Identity, IdentitySet, PermissionExposure, SharingPermission } from './types';

export interface ClassifyContext {
  now: Date;
  /** The tenant's verified domains (lower case), e.g. `school.org.uk`, `school.onmicrosoft.com`. */
  verifiedDomains: readonly string[];
}

/** Graph's "no expiry" sentinel for links created without one. */
export const NO_EXPIRY = '0001-01-01T00:00:00Z';

// SharePoint's tenant-wide groups: a grant to either is as wide as an organisation link.
const ORGANISATION_WIDE_LOGINS = ['spo-grid-all-users', 'c:0(.s|true'];
const ORGANISATION_WIDE_NAMES = ['everyone except external users', 'everyone'];

/** The expiry as an ISO string, or null when the permission never expires. */
export function effectiveExpiry(expirationDateTime: string | null | undefined): string | null {
  if (!expirationDateTime) return null;
  const time = Date.parse(expirationDateTime);
  // Year 1 (and anything unparseable) is Graph's way of saying "never".
  if (Number.isNaN(time) || expirationDateTime.startsWith('0001-01-01')) return null;
  return new Date(time).toISOString();
}

function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : null;
}

/** A principal is an outsider when it is a guest (`#EXT#`) or its address is in no verified domain. */
export function isOutsider(identity: Identity | null | undefined, verifiedDomains: readonly string[]): boolean {
  if (!identity) return false;
  const addresses = [identity.email, identity.userPrincipalName, identity.loginName?.split('|').pop()]
    .filter((a): a is string => typeof a === 'string' && a.length > 0);
  if (addresses.some((a) => a.toLowerCase().includes('#ext#'))) return true;
  const domains = addresses.map(domainOf).filter((d): d is string => d !== null);
  // No address at all (an application, an Entra group by id): nothing says it is outside.
  if (domains.length === 0) return false;
  const verified = new Set(verifiedDomains.map((d) => d.toLowerCase()));
  return domains.some((d) => !verified.has(d));
}

function isOrganisationWide(identity: Identity | null | undefined): boolean {
  if (!identity) return false;
  const login = identity.loginName?.toLowerCase() ?? '';
  const name = identity.displayName?.toLowerCase() ?? '';
  return ORGANISATION_WIDE_LOGINS.some((l) => login.includes(l)) || (login === '' && ORGANISATION_WIDE_NAMES.includes(name));
}

function identitiesOf(set: IdentitySet | null | undefined): Identity[] {
  if (!set) return [];
  return [set.user, set.siteUser, set.group, set.siteGroup].filter((i): i is Identity => !!i);
}

/**
 * What one permission exposes: `anonymous` (Anyone link), `organization` (People in the
 * organisation link, or a grant to the tenant-wide group) or `external` (a link or grant
 * reaching someone outside the verified domains). Expired links, internal specific-people
 * shares, `existingAccess` links and ordinary grants to staff are not exposure: null.
 */
export function classifyPermission(permission: SharingPermission, context: ClassifyContext): PermissionExposure | null {
  const expiresAt = effectiveExpiry(permission.expirationDateTime);
  if (expiresAt !== null && Date.parse(expiresAt) <= context.now.getTime()) return null;

  const base = {
    permissionId: permission.id,
    expiresAt,
    hasPassword: permission.hasPassword === true,
    inherited: permission.inheritedFrom != null,
    inheritedFromItemId: permission.inheritedFrom?.id ?? null,
  };
  const exposure = (scope: ExposureScope, linkType: string, reason: string): PermissionExposure => ({
    ...base,
    scope,
    linkType,
    reason,
  });

  const link = permission.link;
  if (link) {
    const linkType = link.type ?? 'view';
    switch (link.scope) {
      case 'anonymous':
        return exposure('anonymous', linkType, `Anyone link (${linkType}): opens without signing in`);
      case 'organization':
        return exposure('organization', linkType, `People in the organisation link (${linkType}): every staff and pupil account`);
      case 'users': {
        const recipients = [...identitiesOf(permission.grantedToV2), ...(permission.grantedToIdentitiesV2 ?? []).flatMap(identitiesOf)];
        const outsiders = recipients.filter((r) => isOutsider(r, context.verifiedDomains)).length;
        if (outsiders === 0) return null;
        return exposure('external', linkType, `Specific-people link (${linkType}) reaching ${outsiders} ${outsiders === 1 ? 'person' : 'people'} outside the school's domains`);
      }
      default:
        // existingAccess grants nothing new; an unknown scope is not assumed to be exposure.
        return null;
    }
  }

  const grantees = identitiesOf(permission.grantedToV2);
  if (grantees.some(isOrganisationWide)) {
    return exposure('organization', 'grant', 'Access granted to everyone in the organisation');
  }
  if (grantees.some((g) => isOutsider(g, context.verifiedDomains))) {
    return exposure('external', 'grant', "Access granted directly to someone outside the school's domains");
  }
  return null;
}
