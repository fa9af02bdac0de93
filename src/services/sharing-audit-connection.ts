import type { Config } from '../config';
import { parseRosterCsv } from '../domain/sharing/roster-csv';
import type { RosterPupil } from '../domain/sharing/types';
import { createGraph, type GraphConnection, type GraphSettings } from '../graph/create-graph';
import type { GraphEdge } from '../graph/graph-client';
import type { GraphConnectionPool } from '../graph/graph-connection-pool';
import { GraphRequestError } from '../graph/graph-errors';
import { getVerifiedDomains } from '../graph/organization';
import { listPupils } from '../graph/roster';
import { createSharingAuditGraph, type SharingAuditGraph } from '../graph/sharing-audit-adapter';
import { type PermissionRemover, VerifiedDomainsRefused } from '../jobs/sharing-audit/ports';
import { graphSettingsFromConfig, readSettingFile } from './graph-settings';

/**
 * The sharing audit's Graph side, wired from configuration: the read-only audit app (delta,
 * permissions of sharing roots, first bytes, verified domains, roster) and, only when
 * REMEDIATION_ENABLED, the second app registration that may remove links. Used by the CLI and
 * by the bot's card actions; the settings are validated by config.ts, files are read here.
 */

export class SharingAuditNotConfigured extends Error {
  constructor(message = 'the sharing audit is not configured: set GRAPH_CLIENT_ID and its secret or certificate (see docs/sharing-audit.md)') {
    super(message);
    this.name = 'SharingAuditNotConfigured';
  }
}

export interface RosterLoad {
  pupils: RosterPupil[];
  source: 'csv' | 'education' | 'none';
  /** Why roster-name evidence is limited (counts and settings only, never names). */
  note: string | null;
}

export interface SharingAuditConnection {
  tenantId: string;
  /** The audit's ports on the read-only app. */
  audit: SharingAuditGraph;
  /** Link removal through the remediation app; null when remediation is disabled. */
  remover: PermissionRemover | null;
  verifiedDomains(): Promise<string[]>;
  /**
   * The same apps, token caches and RU budgets with a short retry policy, for requests a person
   * waits on (the tab's remove-link, card actions): during an outage they answer in seconds
   * while the background audit keeps its patient retries.
   */
  interactive: InteractiveSharingGraph;
  roster(csvFile?: string): Promise<RosterLoad>;
  close(): void;
}

export interface InteractiveSharingGraph {
  audit: SharingAuditGraph;
  remover: PermissionRemover | null;
  verifiedDomains(): Promise<string[]>;
}

export interface SharingAuditConnectOptions {
  includeSites?: boolean;
  /** The process's pool: the audit then shares its app's RU budget with the AUP audiences. */
  pool?: GraphConnectionPool;
}

export function connectSharingAudit(config: Config, options: SharingAuditConnectOptions = {}): SharingAuditConnection {
  const graph = config.graph;
  if (!graph) throw new SharingAuditNotConfigured();
  const connect = (settings: GraphSettings) => (options.pool ? options.pool.connect(settings) : createGraph(settings));
  const connections: GraphConnection[] = [];
  const auditConnection = connect(graphSettingsFromConfig(graph));
  connections.push(auditConnection);
  const audit = createSharingAuditGraph(auditConnection.edge, { includeSites: options.includeSites ?? config.audit.includeSites });
  const interactiveAudit = createSharingAuditGraph(auditConnection.interactiveEdge);
  let remover: PermissionRemover | null = null;
  let interactiveRemover: PermissionRemover | null = null;
  if (config.remediation.enabled) {
    const rw = connect(graphSettingsFromConfig(graph, config.remediation));
    connections.push(rw);
    remover = createSharingAuditGraph(rw.edge);
    interactiveRemover = createSharingAuditGraph(rw.interactiveEdge);
  }
  // One cache for both edges: whichever asks first reads /organization, the other reuses it.
  let domains: Promise<string[]> | undefined;
  const verifiedDomains = (edge: GraphEdge): Promise<string[]> => {
    if (config.audit.verifiedDomains) return Promise.resolve(config.audit.verifiedDomains);
    domains ??= getVerifiedDomains(edge).catch((err) => {
      domains = undefined;
      if (err instanceof GraphRequestError && err.status === 403) throw new VerifiedDomainsRefused(err.status, { cause: err });
      throw err;
    });
    return domains;
  };
  return {
    tenantId: graph.tenantId,
    audit,
    remover,
    verifiedDomains: () => verifiedDomains(auditConnection.edge),
    interactive: { audit: interactiveAudit, remover: interactiveRemover, verifiedDomains: () => verifiedDomains(auditConnection.interactiveEdge) },
    async roster(csvFile = config.audit.rosterCsv) {
      if (csvFile) {
        const parsed = parseRosterCsv(readSettingFile(csvFile, 'roster CSV'));
        const note = parsed.skippedLines.length ? `${parsed.skippedLines.length} roster line(s) skipped for want of a forename or surname` : null;
        return { pupils: parsed.pupils, source: 'csv', note };
      }
      try {
        const pupils = (await listPupils(auditConnection.edge)).map((p) => ({ id: p.id, givenName: p.givenName ?? '', familyName: p.surname ?? '' }));
        return { pupils: pupils.filter((p) => p.givenName && p.familyName), source: 'education', note: null };
      } catch (err) {
        if (err instanceof GraphRequestError && (err.status === 403 || err.status === 404)) {
          return { pupils: [], source: 'none', note: 'no roster: /education/users is not available (grant EduRoster.Read.All or set AUDIT_ROSTER_CSV); pupil names are not looked for' };
        }
        throw err;
      }
    },
    close() {
      for (const c of connections) c.close();
    },
  };
}

/**
 * One connection for the running app, opened on first use (an app without Graph settings never
 * needs one) and closed when the app stops, so msal's token cache and the RU budget are shared
 * by the card actions and the tab.
 */
export function lazySharingAuditConnection(open: () => SharingAuditConnection): { get: () => SharingAuditConnection; close: () => void } {
  let connection: SharingAuditConnection | undefined;
  return {
    get: () => (connection ??= open()),
    close: () => {
      connection?.close();
      connection = undefined;
    },
  };
}
