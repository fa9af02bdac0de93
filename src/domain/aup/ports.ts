import type { AudienceMember } from './types';

/**
 * What the AUP capability needs from the directory, as plain data. The Graph implementation
 * (src/graph/aup-directory.ts) reads Entra group membership; tests may implement it directly.
 */
export interface AudienceDirectory {
  /** Every user in the groups (transitively), de-duplicated, users only (no devices or groups). */
  membersOfGroups(groupIds: readonly string[]): Promise<AudienceMember[]>;
}

/** Installs the Teams app for a user so the bot can open a 1:1 chat (Graph `teamwork/installedApps`). */
export interface AppInstaller {
  /** 'installed' (201) or 'already-installed' (409). Throws when Graph refuses. */
  installForUser(aadObjectId: string): Promise<'installed' | 'already-installed'>;
}
