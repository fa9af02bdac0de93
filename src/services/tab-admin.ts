import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { releaseHeldAllegations } from './held-allegations';
import type { Config } from '../config';
import { getDslChannel, listDslMembers } from '../store/conversation.repo';
import { getTenant, type Role } from '../store/tenant.repo';
import { assignRoleInTab, listRoleChanges, removeRoleInTab, SINGLE_HOLDER_ROLES } from '../store/role-changes.repo';
import { listKnownPeople } from '../store/tab-admin.repo';
import { dslRosterSummary, listAuditRuns, listRoleHoldersWithNames } from '../store/tab-admin.repo';
import { getFinding, listFindingsPage, setFindingStatus, type FindingStatus } from '../store/sharing-findings.repo';
import { getAuditRun } from '../store/sharing-runs.repo';
import { notifyOwners } from './sharing-audit-notices';
import { listTabAccess, writeTabAccess } from '../store/tab-access-log.repo';
import { listLatestAupVersions, countAupSends, listAudienceSyncs, listStuckAupSends } from '../store/aup.repo';
import { describeAupPurpose, notRetryableBecause, retryStuckAupCards } from './aup-retry';
import { safeLogField } from '../logging';
import { AUDIENCE_LABELS, isAudience } from '../domain/aup/types';
import type { ExposureScope, Severity } from '../domain/sharing/types';
import { buildAupRegister } from './aup-register';
import { publishAupVersion } from './aup-publish';
import { syncAudienceFromGroups } from './aup-audience';
import type { AupGraph } from './aup-graph';
import { validateDraft } from '../domain/aup/policy-file';
import { TabRefusal } from './tab-concerns';
import type { SharingAuditConnection } from './sharing-audit-connection';
import { remediateFindings, type RemediationResult } from '../jobs/sharing-audit/remediate';
import { describeGraphError, describeGraphFailure, describeRemediation, failureKindOfActions } from '../jobs/sharing-audit/describe-remediation';
import type { GraphFailureKind } from '../jobs/sharing-audit/ports';
import { graphFailureKind, graphFailureStatus } from '../graph/graph-errors';
import { describeError, type Logger } from '../logging';
import type { TabUser } from './tab-identity';

export interface TabAdminDeps {
  db: Db;
  /** For delivering held concerns about adults when a headteacher or chair is given (held-allegations.ts). */
  concerns: ConcernRepository;
  config: Config;
  now: () => Date;
  onOutboxChanged: () => void;
  /** Wakes the AUP sender after a publish queued cards. */
  onAupQueued: () => void;
  /** The sharing audit's Graph connection (link removal). */
  sharingGraph: () => SharingAuditConnection;
  /** The AUP capability's Graph connection (audiences from Entra groups); undefined without GRAPH_*. */
  aupGraph: () => AupGraph | undefined;
}

function requireAdmin(user: TabUser): void {
  if (!user.roles.has('admin')) throw new TabRefusal(403, 'forbidden', 'Only Jigsaw administrators see this.');
}

const ROLE_TITLES: Record<string, string> = {
  admin: 'Administrator',
  headteacher: 'Headteacher',
  chair: 'Chair of governors',
  dpo: 'Data Protection Officer',
  it_manager: 'IT / network manager',
  online_safety_lead: 'Online safety lead',
  governor: 'Governor',
};

/** Role changes also list who joined or left the DSL team (the DSL channel's roster), never given here. */
const CHANGE_TITLES: Record<string, string> = { ...ROLE_TITLES, dsl: 'DSL team' };

const ROLE_REFUSALS: Record<string, string> = {
  'set-by-configuration': 'This role is set in Jigsaw’s configuration by IT (it would come back at the next restart). Ask IT to change it there.',
  'already-holds': 'This person already holds this role.',
  'not-held': 'This person does not hold this role (any more).',
  'own-admin-role': 'You cannot remove your own administrator role: ask another administrator.',
  'not-admin': 'You are no longer a Jigsaw administrator (another administrator has just taken the role away): nothing was changed.',
};

/**
 * Gives or takes away a role from the tab. Admins only; the person must be known to Jigsaw
 * (they have chatted with it, or are on the DSL roster), and every change is recorded.
 */
export async function changeRole(deps: TabAdminDeps, user: TabUser, input: { action: 'assign' | 'remove'; role: string; aadObjectId: string }) {
  requireAdmin(user);
  if (!Object.hasOwn(ROLE_TITLES, input.role)) throw new TabRefusal(400, 'invalid', 'Choose one of the roles listed.', { errors: { role: 'Choose one of the roles listed.' } });
  const role = input.role as Role;
  const by = { aadObjectId: user.aadObjectId, name: user.name };
  const at = deps.now();
  let outcome;
  let name: string | null = null;
  let released = 0;
  if (input.action === 'assign') {
    const person = (await listKnownPeople(deps.db, user.tenantId)).find((p) => p.aadObjectId === input.aadObjectId.toLowerCase());
    if (!person) throw new TabRefusal(400, 'invalid', 'Choose a person from the list.', { errors: { person: 'Choose a person from the list (people appear once they have chatted with Jigsaw).' } });
    name = person.displayName;
    // A new headteacher or chair receives, in the same transaction, the concerns about adults
    // that were held because nobody could receive them: given and delivered, or neither.
    outcome = await deps.db.transaction(async (tx) => {
      const assigned = await assignRoleInTab(tx, user.tenantId, role, person, by, at);
      if (assigned.ok && (role === 'headteacher' || role === 'chair')) released = await releaseHeldAllegations({ db: tx, concerns: deps.concerns, now: deps.now }, user.tenantId);
      return assigned;
    });
  } else {
    // Copies still waiting for Teams are taken back from the former holder in the same transaction.
    outcome = await deps.db.transaction(async (tx) => {
      const removed = await removeRoleInTab(tx, user.tenantId, role, input.aadObjectId.toLowerCase(), by, at);
      if (removed.ok && (role === 'headteacher' || role === 'chair')) released = await releaseHeldAllegations({ db: tx, concerns: deps.concerns, now: deps.now }, user.tenantId);
      return removed;
    });
  }
  if (!outcome.ok) throw new TabRefusal(409, outcome.code, ROLE_REFUSALS[outcome.code] ?? 'Nothing was changed.');
  if (released) deps.onOutboxChanged();
  const title = ROLE_TITLES[role] ?? role;
  const delivered = released ? ` ${released === 1 ? 'A concern about an adult that was held, with nobody to receive it, is' : `${released} concerns about adults that were held, with nobody to receive them, are`} now being sent to them.` : '';
  const passedOn = released ? ` ${released === 1 ? 'A concern about an adult that had not yet reached them is' : `${released} concerns about adults that had not yet reached them are`} now being sent to whoever receives them instead.` : '';
  return { message: input.action === 'assign' ? `${name ?? 'This person'} now holds the role “${title}”. Recorded with your name.${delivered}` : `The role “${title}” was taken away. Recorded with your name.${passedOn}` };
}

/** Who holds which role, the DSL channel and roster, and the thresholds in force. */
export async function getAdminSettings(deps: TabAdminDeps, user: TabUser) {
  requireAdmin(user);
  const tenant = await getTenant(deps.db, user.tenantId);
  const channel = await getDslChannel(deps.db, user.tenantId);
  const roster = await dslRosterSummary(deps.db, user.tenantId);
  const members = await listDslMembers(deps.db, user.tenantId);
  const holders = await listRoleHoldersWithNames(deps.db, user.tenantId);
  const c = deps.config;
  return {
    school: { name: tenant?.schoolName ?? '', timeZone: tenant?.timeZone ?? 'Europe/London' },
    roleChoices: Object.entries(ROLE_TITLES).map(([id, title]) => ({ id, title, single: SINGLE_HOLDER_ROLES.includes(id as Role) })),
    people: (await listKnownPeople(deps.db, user.tenantId)).map((p) => ({ id: p.aadObjectId, title: p.displayName ?? 'Member of staff' })),
    roleChanges: (await listRoleChanges(deps.db, user.tenantId, 20)).map((c) => ({ role: CHANGE_TITLES[c.role] ?? c.role, name: c.displayName ?? 'Member of staff', change: c.change, byName: c.byName ?? '', at: c.at.toISOString() })),
    roles: holders.map((h) => ({ role: h.role, roleTitle: ROLE_TITLES[h.role] ?? h.role, name: h.displayName ?? 'Not yet known to Jigsaw', aadObjectId: h.aadObjectId, source: h.source })),
    dslChannel: channel ? { name: channel.channelName ?? 'DSL channel', registeredBy: channel.registeredBy } : undefined,
    dslMembers: members.map((m) => m.displayName),
    rosterRefreshedAt: roster.refreshedAt?.toISOString(),
    thresholds: [
      { name: 'First escalation of an unacknowledged urgent concern', value: `${c.triage.escalationFirstMinutes} minutes` },
      { name: 'Escalation to the headteacher', value: `${c.triage.escalationSecondMinutes} minutes later` },
      { name: 'Pattern alert', value: `${c.triage.patternThreshold} concerns about one pupil within ${c.triage.patternWindowDays} days` },
      { name: 'AUP acknowledgement valid for', value: `${c.aup.validityMonths} months` },
      { name: 'AUP reminders', value: `${c.aup.reminderDays.join(' and ')} days after sending; deadline ${c.aup.deadlineDays} days` },
      { name: 'Sharing audit', value: c.graph ? 'Connected to Microsoft Graph' : 'Not configured' },
      { name: 'Link removal (remediation)', value: c.remediation.enabled ? 'Enabled' : 'Disabled' },
      { name: 'Governors’ report', value: `counts below ${c.reports.governorMinCount} shown as “fewer than ${c.reports.governorMinCount}”` },
      { name: 'Concern records kept', value: `${c.retention.concernYears} years after the concern (until the pupil is 25)` },
      { name: 'AUP records kept', value: `${c.retention.aupYears} years` },
      { name: 'Sharing audit findings kept', value: `${c.retention.auditFindingsDays} days` },
    ],
  };
}

/** Findings the tab lists at once; it says how many more match. */
const TAB_FINDINGS_SHOWN = 500;

/** The sharing audit's runs and findings (filters, validated by the HTTP edge: status, severity, pupil data, scope). */
export async function getSharingAudit(deps: TabAdminDeps, user: TabUser, filter: { status?: FindingStatus; severity?: Severity; pupilData?: boolean; scope?: ExposureScope }) {
  requireAdmin(user);
  const runs = await listAuditRuns(deps.db, user.tenantId);
  const { findings, total } = await listFindingsPage(
    deps.db,
    user.tenantId,
    { status: filter.status ?? 'open', severity: filter.severity ?? null, pupilDataLikely: filter.pupilData ?? null, scope: filter.scope ?? null },
    TAB_FINDINGS_SHOWN,
  );
  return {
    remediationEnabled: deps.config.remediation.enabled,
    runs: runs.map((r) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt?.toISOString(), retryAt: r.retryAt?.toISOString() })),
    findingsTotal: total,
    findings: findings.map((f) => ({
      findingId: f.id,
      name: f.name,
      path: f.path,
      scope: f.exposure.scope,
      linkType: f.exposure.linkType,
      severity: f.severity,
      pupilDataLikely: f.pupilData.likely,
      exposedDescendants: f.exposedDescendants,
      ownerName: f.owner.displayName,
      status: f.status,
      statusReason: f.statusReason,
      lastSeenAt: f.lastSeenAt,
    })),
  };
}

/** AUP versions with their progress, and the register (who has agreed, who has not). */
export async function getAupRegister(deps: TabAdminDeps, user: TabUser) {
  requireAdmin(user);
  const versions = await listLatestAupVersions(deps.db, user.tenantId);
  const progress = [];
  for (const v of versions) {
    // The people whose card failed or may not have arrived, for the admin to send again.
    const stuck = (await listStuckAupSends(deps.db, user.tenantId, v.versionId)).map((x) => ({
      personId: x.personId,
      name: x.displayName,
      status: x.status,
      at: x.at.toISOString(),
      card: describeAupPurpose(x.purpose),
      reason: x.reason ? safeLogField(x.reason, 120) : undefined,
      notRetried: notRetryableBecause(x),
    }));
    progress.push({ versionId: v.versionId, audience: v.audience, audienceTitle: AUDIENCE_LABELS[v.audience], title: v.title, versionNumber: v.versionNumber, publishedAt: v.publishedAt.toISOString(), sends: await countAupSends(deps.db, user.tenantId, v.versionId), stuck });
  }
  const register = await buildAupRegister({ db: deps.db, now: deps.now, rules: { validityMonths: deps.config.aup.validityMonths } }, user.tenantId);
  // Audiences kept from Entra groups: when they were last read (daily, and at each publish) and how it went.
  const syncs = await listAudienceSyncs(deps.db, user.tenantId);
  const groupAudiences = Object.entries(deps.config.aup.audienceGroups)
    .filter((entry): entry is [keyof typeof AUDIENCE_LABELS, string[]] => isAudience(entry[0]) && entry[1].length > 0)
    .map(([audience, groupIds]) => {
      const sync = syncs.find((x) => x.audience === audience);
      return {
        audience,
        audienceTitle: AUDIENCE_LABELS[audience],
        groups: groupIds.length,
        syncedAt: sync?.syncedAt?.toISOString(),
        members: sync?.members,
        failedAt: sync?.failedAt?.toISOString(),
        error: sync?.error,
        failedAttempts: sync?.failedAttempts ?? 0,
      };
    });
  return {
    audienceChoices: Object.entries(AUDIENCE_LABELS).map(([id, title]) => ({ id, title })),
    groupAudiences,
    versions: progress,
    register: register.map((e) => ({
      audience: e.audience,
      audienceTitle: AUDIENCE_LABELS[e.audience],
      name: e.displayName,
      status: e.status,
      latestVersionNumber: e.latestVersionNumber,
      acknowledgedVersion: e.lastAck?.versionNumber,
      acknowledgedAt: e.lastAck?.acknowledgedAt.toISOString(),
      expiresAt: e.lastAck?.expiresAt.toISOString(),
      method: e.lastAck?.method,
    })),
  };
}

/** The tab's access log, for DSLs and the DPO (reading it is logged as well). */
export async function getAccessLog(deps: TabAdminDeps, user: TabUser) {
  if (!user.roles.has('dsl') && !user.roles.has('dpo')) throw new TabRefusal(403, 'forbidden', 'Only the DSL team and the Data Protection Officer can read the access log.');
  await writeTabAccess(deps.db, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, action: 'access-log.view', outcome: 'allowed', at: deps.now() });
  // The DPO audits every access; the DSL team does not see entries about concerns about adults.
  const entries = await listTabAccess(deps.db, user.tenantId, { limit: 500, dslTeamConcernsOnly: !user.roles.has('dpo') });
  return {
    entries: entries.map((e) => ({ at: e.at.toISOString(), actorName: e.actorName ?? e.actorAadId, action: e.action, reference: e.reference, pupil: e.pupilKey ? e.pupilKey.replace(/^name:/, '') : undefined, outcome: e.outcome })),
  };
}

/**
 * Accepts an open finding with a reason (a link the school means to keep): recorded on the
 * finding with who and when; the next audit keeps it accepted while the exposure is unchanged.
 */
const ACCEPT_REASON_MAX = 2000;

export async function acceptFinding(deps: TabAdminDeps, user: TabUser, findingId: string, reason: string) {
  requireAdmin(user);
  const text = reason.replace(/[\u0000-\u001F\u007F]/g, ' ').trim();
  if (text.length < 3) throw new TabRefusal(400, 'invalid', 'Say why this link should stay (a few words at least).', { errors: { reason: 'Say why this link should stay.' } });
  if (text.length > ACCEPT_REASON_MAX) {
    // The dialog shows the message next to the reason: it says what to fix.
    const tooLong = `Keep this under ${ACCEPT_REASON_MAX} characters (it is ${text.length}).`;
    throw new TabRefusal(400, 'invalid', tooLong, { errors: { reason: tooLong } });
  }
  const finding = await getFinding(deps.db, user.tenantId, findingId);
  if (!finding) throw new TabRefusal(404, 'not_found', 'That finding is not available.');
  if (finding.status !== 'open') throw new TabRefusal(409, 'not_open', `This finding is already ${finding.status}.`);
  await setFindingStatus(deps.db, user.tenantId, findingId, { status: 'accepted', reason: text.slice(0, 500), byId: user.aadObjectId, byName: user.name, at: deps.now() });
  return { status: 'accepted', message: 'Accepted: the reason is recorded on the finding.' };
}

/**
 * Removes the link behind a finding through the same remediation as the card and the CLI: the
 * root's exposing permissions are deleted with the remediation app, re-checked, and every step
 * is recorded with the admin's name. Refused while remediation is off.
 */
export async function removeFindingLink(deps: TabAdminDeps & { logger: Logger }, user: TabUser, findingId: string) {
  requireAdmin(user);
  if (!deps.config.remediation.enabled) {
    throw new TabRefusal(409, 'remediation_off', 'Jigsaw can only remove links when IT enables remediation (REMEDIATION_ENABLED). Nothing was changed; remove it in OneDrive, or accept it with a reason.');
  }
  const finding = await getFinding(deps.db, user.tenantId, findingId);
  if (!finding) throw new TabRefusal(404, 'not_found', 'That finding is not available.');
  let result: RemediationResult;
  try {
    // The admin is waiting on the button: the short retry policy, not the audit's patient one.
    const graph = deps.sharingGraph().interactive;
    result = await remediateFindings({
      db: deps.db,
      tenantId: user.tenantId,
      target: { findingId },
      dryRun: false,
      actor: { id: user.aadObjectId, name: user.name },
      verifiedDomains: await graph.verifiedDomains(),
      permissions: graph.audit,
      remover: graph.remover!,
      now: deps.now,
    });
  } catch (err) {
    const kind = graphFailureKind(err);
    deps.logger.error({ tenantId: user.tenantId, findingId, failure: kind, ...describeError(err) }, 'sharing audit: link removal from the tab failed');
    throw graphFailureRefusal(kind, describeGraphError(err, kind).body);
  }
  deps.logger.info({ tenantId: user.tenantId, findingId, outcomes: result.actions.map((a) => a.outcome) }, 'sharing audit: link removal from the tab');
  // remediateFindings records a Graph failure as a 'failed' action and returns (the CLI carries
  // on with other roots), so once the app knew the verified domains an outage came back as a 200.
  // Every action failed means nothing was changed: the same refusal as when Graph fails earlier.
  const failure = failureKindOfActions(result.actions);
  if (failure && result.actions.every((a) => a.outcome === 'failed')) throw graphFailureRefusal(failure);
  const message = describeRemediation(result);
  const after = await getFinding(deps.db, user.tenantId, findingId);
  return { ...message, status: after?.status ?? finding.status, message: `${message.title}. ${message.body}` };
}

/**
 * The tab's answer when Graph failed and nothing was changed, by kind: 502 and "try again" only
 * when Microsoft 365 could not be reached; 503 "try again in a few minutes" when it is
 * throttling the app; 409 when it refused (IT must fix the remediation
 * app, trying again will not help) or the file or link is gone; 502 with its own code (and no
 * "try again") for anything else.
 */
function graphFailureRefusal(kind: GraphFailureKind, body = describeGraphFailure(kind).body, codes: { notFound: string; error: string } = { notFound: 'link_gone', error: 'remediation_failed' }): TabRefusal {
  switch (kind) {
    case 'unreachable':
      return new TabRefusal(502, 'graph_unavailable', body);
    case 'busy':
      return new TabRefusal(503, 'graph_busy', body);
    case 'refused':
      return new TabRefusal(409, 'graph_refused', body);
    case 'not-found':
      return new TabRefusal(409, codes.notFound, body);
    case 'error':
      return new TabRefusal(502, codes.error, body);
  }
}

/** Queues one digest per owner of a run's open findings (the same service as the summary card). */
export async function notifyRunOwners(deps: TabAdminDeps, user: TabUser, runId: string) {
  requireAdmin(user);
  if (!(await getAuditRun(deps.db, user.tenantId, runId))) throw new TabRefusal(404, 'not_found', 'That audit run is not available.');
  const result = await notifyOwners(deps.db, user.tenantId, runId, { remediationEnabled: deps.config.remediation.enabled, now: deps.now });
  deps.onOutboxChanged();
  return { ...result, message: `Queued a message to ${result.owners} owner${result.owners === 1 ? '' : 's'} about ${result.findings} finding${result.findings === 1 ? '' : 's'}.` };
}

/** Why an audience's Entra groups could not be read before a publish, by kind of Graph failure, and what to do. */
function groupReadFailure(kind: GraphFailureKind): string {
  const nothing = 'Nothing was published and nobody was asked; what you typed is kept.';
  switch (kind) {
    case 'unreachable':
      return `Jigsaw could not reach Microsoft 365 to read who is in this audience’s Entra group(s). ${nothing} Please try again in a moment.`;
    case 'busy':
      return `Microsoft 365 has asked Jigsaw to slow down (it limits how much each app may ask of it per minute), so this audience’s Entra group(s) could not be read. ${nothing} Please try again in a few minutes.`;
    case 'refused':
      return `Microsoft 365 refused to let Jigsaw read this audience’s Entra group(s). ${nothing} IT must give Jigsaw’s Graph app the GroupMember.Read.All application permission with admin consent and check its secret or certificate (docs/permissions.md).`;
    case 'not-found':
      return `Microsoft 365 does not know one of the Entra groups set for this audience in AUP_AUDIENCE_GROUPS (it may have been deleted). ${nothing} Ask IT to correct the setting.`;
    case 'error':
      return `Jigsaw could not read this audience’s Entra group(s) because of an unexpected error. ${nothing} IT can find the details in Jigsaw’s logs.`;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "The audience had 6 people: 4 from 1 Entra group (read just now) and 2 from a CSV list." */
function describeAudience(sources: Record<'group' | 'csv' | 'import', number>, groups: number, audience: string): string {
  const total = sources.group + sources.csv + sources.import;
  if (total === 0) return `The audience had nobody in it, so nobody was asked: give it Entra groups (AUP_AUDIENCE_GROUPS) or a list (“jigsaw aup audience ${audience} --csv FILE”), then publish a new version.`;
  const parts: [number, string][] = [];
  if (sources.group) parts.push([sources.group, groups ? `from ${plural(groups, 'Entra group')} (read just now)` : 'from Entra groups (as last read)']);
  if (sources.csv) parts.push([sources.csv, 'from a CSV list']);
  if (sources.import) parts.push([sources.import, 'added by an import of paper or form acknowledgements']);
  const had = `The audience had ${plural(total, 'person', 'people')}`;
  if (parts.length === 1) return `${had}, ${total === 1 ? '' : 'all '}${parts[0]![1]}.`;
  const list = parts.map(([n, from]) => `${n} ${from}`);
  return `${had}: ${list.slice(0, -1).join(', ')} and ${list.at(-1)!}.`;
}

/**
 * Publishes a new AUP version from the tab through the same service as `jigsaw aup publish`:
 * the immutable, hash-checked version and one queued card per member of the audience.
 */
export async function publishAup(deps: TabAdminDeps & { logger: Logger }, user: TabUser, raw: { audience: string; title: string; effectiveOn: string; linkUrl?: string; summary?: string; changeSummary?: string; body?: string }) {
  requireAdmin(user);
  const clean = (v?: string) => (v && v.trim() ? v.trim() : undefined);
  const checked = validateDraft({ ...raw, linkUrl: clean(raw.linkUrl), summary: clean(raw.summary), changeSummary: clean(raw.changeSummary), body: clean(raw.body) });
  if ('problems' in checked) throw new TabRefusal(400, 'invalid', `Please check: ${checked.problems.join('; ')}.`, { problems: checked.problems });
  const { audience } = checked.draft;
  // An audience with Entra groups is read now, so the version goes to who is in them today.
  const groupIds = deps.config.aup.audienceGroups[audience] ?? [];
  if (groupIds.length) {
    const graph = deps.aupGraph();
    if (!graph || graph.tenantId !== user.tenantId) {
      throw new TabRefusal(
        409,
        'graph_not_configured',
        'AUP_AUDIENCE_GROUPS names Entra groups for this audience, but Jigsaw is not connected to Microsoft Graph for this school (GRAPH_CLIENT_ID…), so it cannot read who is in them. Nothing was published and nobody was asked; what you typed is kept. Ask IT to connect Graph (docs/permissions.md), or to take this audience out of AUP_AUDIENCE_GROUPS and load it with “jigsaw aup audience”.',
      );
    }
    try {
      await syncAudienceFromGroups({ db: deps.db, now: deps.now, directory: graph.interactiveDirectory }, { tenantId: user.tenantId, audience, groupIds });
    } catch (err) {
      const kind = graphFailureKind(err);
      deps.logger.warn({ tenantId: user.tenantId, audience, failure: kind, status: graphFailureStatus(err) }, 'AUP: publish from the tab refused, the audience’s Entra groups could not be read');
      throw graphFailureRefusal(kind, groupReadFailure(kind), { notFound: 'group_not_found', error: 'audience_not_read' });
    }
  }
  const result = await publishAupVersion({ db: deps.db, now: deps.now }, { tenantId: user.tenantId, draft: checked.draft, publishedBy: user.aadObjectId });
  deps.onAupQueued();
  const v = result.version;
  const s = result.sources;
  return {
    versionId: v.versionId,
    versionNumber: v.versionNumber,
    queued: result.queued,
    offline: result.offline,
    audience: { members: s.group + s.csv + s.import, fromGroups: s.group, fromCsv: s.csv, imported: s.import, groups: groupIds.length },
    message:
      `Published version ${v.versionNumber} of “${v.title}”: ${plural(result.queued, 'card')} queued for Teams${result.offline ? `, ${result.offline} to ask on paper or by form` : ''}. ` +
      describeAudience(s, groupIds.length, audience),
  };
}

/**
 * Sends again, from the tab, the AUP cards of the latest version that failed or may not have
 * arrived: the same choice as `jigsaw aup retry` (people who agreed since or left the audience
 * are left out). `uncertain` is asked for on its own: those people may see the card twice.
 */
export async function retryAupCards(deps: TabAdminDeps, user: TabUser, input: { versionId: string; which: 'failed' | 'uncertain'; personId?: string }) {
  requireAdmin(user);
  const outcome = await retryStuckAupCards({ db: deps.db, now: deps.now }, { tenantId: user.tenantId, versionId: input.versionId, statuses: new Set([input.which]), personId: input.personId });
  if (outcome.kind === 'no-version') throw new TabRefusal(404, 'not_found', 'No such policy version: reload the page.');
  const v = outcome.version;
  if (outcome.kind === 'replaced') {
    return { requeued: 0, leftOut: 0, message: `Nothing was sent: version ${v.versionNumber} has been replaced by version ${outcome.latest.versionNumber}, whose card everyone gets instead.` };
  }
  const { requeued, leftOut } = outcome;
  if (requeued.length) deps.onAupQueued();
  const left = leftOut.length ? ` ${plural(leftOut.length, 'person', 'people')} left out (agreed since, or no longer in the audience).` : '';
  const twice = input.which === 'uncertain' && requeued.length ? ' The earlier card may have reached them, so some may see it twice.' : '';
  return {
    requeued: requeued.length,
    leftOut: leftOut.length,
    message: requeued.length
      ? `Sending the card again to ${plural(requeued.length, 'person', 'people')}.${left}${twice}`
      : `Nothing to send again.${left}`,
  };
}
