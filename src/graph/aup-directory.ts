// The AUP capability's Graph side: audience membership from Entra groups and proactive
// installation of the Teams app for people who have never opened it.
// Permissions (application): GroupMember.Read.All; TeamsAppInstallation.ReadWriteSelfForUser.All.
import type { AppInstaller, AudienceDirectory } from '../domain/aup/ports';
import type { AudienceMember } from '../domain/aup/types';
import type { GraphEdge } from './graph-client';
import { GraphRequestError, graphErrorOf } from './graph-errors';

interface DirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}

/** Users of each group, transitively (nested groups included), paged 999 at a time, de-duplicated. */
export function createGraphAudienceDirectory(edge: GraphEdge): AudienceDirectory {
  return {
    async membersOfGroups(groupIds) {
      const members = new Map<string, AudienceMember>();
      for (const groupId of groupIds) {
        let url: string | undefined = `${edge.baseUrl}/v1.0/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id,displayName,mail,userPrincipalName&$top=999`;
        while (url) {
          const page: { value?: DirectoryObject[]; '@odata.nextLink'?: string } = await edge.getJson(url);
          for (const o of page.value ?? []) {
            // The cast segment already limits to users; keep the check for tenants that ignore it.
            if (o['@odata.type'] && o['@odata.type'] !== '#microsoft.graph.user') continue;
            const id = o.id.toLowerCase();
            members.set(id, { personId: id, aadObjectId: id, displayName: (o.displayName ?? o.userPrincipalName ?? id).slice(0, 200), ...((o.mail ?? o.userPrincipalName) ? { email: (o.mail ?? o.userPrincipalName)! } : {}) });
          }
          url = page['@odata.nextLink'];
        }
      }
      return [...members.values()];
    },
  };
}

export interface GraphAppInstaller extends AppInstaller {
  /** The 1:1 chat between the user and the bot (after installation), e.g. `19:…@unq.gbl.spaces`. */
  chatIdForUser(aadObjectId: string): Promise<string | undefined>;
}

/** Installs the Teams app (by its catalog id) for a user: 201 installed, 409 already installed. */
export function createGraphAppInstaller(edge: GraphEdge, teamsAppId: string): GraphAppInstaller {
  const userPath = (id: string) => `/users/${encodeURIComponent(id)}/teamwork/installedApps`;
  return {
    async installForUser(aadObjectId) {
      const res = await edge.send('POST', userPath(aadObjectId), { body: { 'teamsApp@odata.bind': `${edge.baseUrl}/v1.0/appCatalogs/teamsApps/${teamsAppId}` } });
      if (res.status === 201 || res.status === 200 || res.status === 204) return 'installed';
      if (res.status === 409) return 'already-installed';
      const { code, message } = graphErrorOf(res.body);
      throw new GraphRequestError(res.status, code, message, userPath(aadObjectId));
    },
    async chatIdForUser(aadObjectId) {
      const list: { value?: { id: string; teamsApp?: { id?: string } }[] } = await edge.getJson(`${userPath(aadObjectId)}?$expand=teamsApp`);
      const installation = list.value?.find((i) => i.teamsApp?.id === teamsAppId);
      if (!installation) return undefined;
      const chat: { id?: string } = await edge.getJson(`${userPath(aadObjectId)}/${encodeURIComponent(installation.id)}/chat`);
      return chat.id;
    },
  };
}
