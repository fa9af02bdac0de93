import { useEffect, useRef, useState } from 'react';
import { Badge, Button, Input, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, MessageBar, MessageBarBody, Select, Textarea, Text } from '@fluentui/react-components';
import { ApiError, type Api } from '../api';
import type { AdminSettings, AupRegister, SharingAudit } from '../api-types';
import { formatDate, formatDateTime } from '../format';
import { ChoiceField, Empty, ErrorBar, Loading, noticeKey, Section, TextField, useLoad, useStyles } from '../common';
import { DataTable } from '../table';
import { roleRemovalConsequences, type RoleHolder } from '../role-removal';
import { AupStuckSection } from './aup-stuck-section';

/**
 * Roles (given and taken away here, except those set in configuration), the DSL channel and the
 * thresholds in force (deployment settings, changed by IT in the app's configuration).
 */
export function AdminSettingsView({ api }: { api: Api }) {
  const s = useStyles();
  const { data, error, loading, reload } = useLoad<AdminSettings>(api, 'admin/settings');
  const [draft, setDraft] = useState({ role: '', person: '' });
  const [result, setResult] = useState<{ intent: 'success' | 'error'; text: string; errors?: Record<string, string> }>();
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<RoleHolder>();
  // After a removal its row (and the button that had focus) goes: focus moves to the Remove
  // button now in its place (or the last one), or to the Roles heading when none is left.
  const [focusAfterRemoval, setFocusAfterRemoval] = useState<{ index: number; before: AdminSettings | undefined }>();
  const rolesRef = useRef<HTMLDivElement>(null);
  const removeButtonIndex = (r: RoleHolder) => (data?.roles ?? []).filter((x) => x.source !== 'config').findIndex((x) => x.role === r.role && x.aadObjectId === r.aadObjectId);
  useEffect(() => {
    // Wait for the list read after the removal (not the one still on screen, with the row in it).
    if (!focusAfterRemoval || loading || data === focusAfterRemoval.before) return;
    const buttons = rolesRef.current?.querySelectorAll<HTMLButtonElement>('button[data-remove-role]') ?? [];
    const heading = rolesRef.current?.querySelector<HTMLElement>('#settings-roles');
    heading?.setAttribute('tabindex', '-1'); // a heading takes focus only when told it may
    (buttons[Math.min(focusAfterRemoval.index, buttons.length - 1)] ?? heading)?.focus();
    setFocusAfterRemoval(undefined);
  }, [data, loading, focusAfterRemoval]);
  const change = async (body: { action: 'assign' | 'remove'; role: string; aadObjectId: string }) => {
    setBusy(true);
    try {
      const res = await api<{ message: string }>('admin/roles', { method: 'POST', body });
      setResult({ intent: 'success', text: res.message });
      if (body.action === 'assign') setDraft({ role: '', person: '' });
      reload();
      return true;
    } catch (e) {
      const errors = e instanceof ApiError ? (e.body.errors as Record<string, string> | undefined) : undefined;
      setResult({ intent: 'error', text: (e as Error).message, errors });
      return false;
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!removing) return;
    const index = removeButtonIndex(removing);
    const removed = await change({ action: 'remove', role: removing.role, aadObjectId: removing.aadObjectId });
    setRemoving(undefined);
    if (removed) setFocusAfterRemoval({ index: Math.max(index, 0), before: data });
  };
  const assign = () => {
    const errors: Record<string, string> = {};
    if (!draft.role) errors.role = 'Choose a role.';
    if (!draft.person) errors.person = 'Choose a person.';
    if (Object.keys(errors).length) return setResult({ intent: 'error', text: 'Some answers need attention.', errors });
    void change({ action: 'assign', role: draft.role, aadObjectId: draft.person });
  };
  return (
    <section className={s.page} aria-labelledby="settings-heading">
      <h1 className={s.heading} id="settings-heading">
        Settings
      </h1>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Text className={s.muted}>
            {data.school.name} · time zone {data.school.timeZone}
          </Text>
          {result && (
            <MessageBar key={noticeKey(result)} intent={result.intent}>
              <MessageBarBody>{result.text}</MessageBarBody>
            </MessageBar>
          )}
          <div className={s.grid2}>
            <div ref={rolesRef} style={{ display: 'contents' }}>
              <Section title="Roles" id="settings-roles">
                <Dialog open={Boolean(removing)} onOpenChange={(_, d) => !d.open && setRemoving(undefined)}>
                  <DialogSurface aria-describedby="remove-role-text">
                    <DialogBody>
                      <DialogTitle>Take the role away?</DialogTitle>
                      <DialogContent id="remove-role-text">
                        <p>
                          {removing?.name} will no longer be {removing?.roleTitle.toLowerCase()} in Jigsaw.
                        </p>
                        {removing && roleRemovalConsequences(removing, data.roles).map((line) => <p key={line}>{line}</p>)}
                      </DialogContent>
                      <DialogActions>
                        <Button appearance="primary" disabled={busy} onClick={() => void remove()}>
                          Take the role away
                        </Button>
                        <Button onClick={() => setRemoving(undefined)}>Cancel</Button>
                      </DialogActions>
                    </DialogBody>
                  </DialogSurface>
                </Dialog>
                <DataTable
                  label="Role holders"
                  rows={data.roles}
                  rowKey={(r) => `${r.role}:${r.aadObjectId}`}
                  columns={[
                    { header: 'Role', cell: (r) => r.roleTitle },
                    { header: 'Person', cell: (r) => r.name },
                    {
                      header: 'Set by',
                      cell: (r) =>
                        r.source === 'config' ? (
                          'Configuration'
                        ) : (
                          <div className={s.row}>
                            <span>This tab</span>
                            <Button size="small" data-remove-role="" disabled={busy} onClick={() => setRemoving(r)} aria-label={`Take the role ${r.roleTitle} away from ${r.name}`}>
                              Remove…
                            </Button>
                          </div>
                        ),
                    },
                  ]}
                />
                <form
                  className={s.filters}
                  aria-label="Give a role"
                  onSubmit={(e) => {
                    e.preventDefault();
                    assign();
                  }}
                >
                  <div className={s.filter}>
                    <ChoiceField label="Role" options={data.roleChoices} value={draft.role} onChange={(role) => setDraft((d) => ({ ...d, role }))} error={result?.errors?.role} />
                  </div>
                  <div className={s.filter}>
                    <ChoiceField label="Person" options={data.people} value={draft.person} onChange={(person) => setDraft((d) => ({ ...d, person }))} error={result?.errors?.person} />
                  </div>
                  <Button type="submit" appearance="primary" disabled={busy}>
                    Give the role
                  </Button>
                </form>
                <Text className={s.caption}>
                  People appear once they have chatted with Jigsaw or are in the DSL channel. A one-person role (headteacher, chair, DPO, IT manager, online safety lead) passes from its previous holder;
                  roles set in configuration are changed by IT there.
                </Text>
              </Section>
            </div>
            <Section title="DSL team" id="settings-dsl">
              <dl className={s.dl}>
                <dt className={s.dt}>Channel</dt>
                <dd className={s.dd}>{data.dslChannel ? data.dslChannel.name : 'Not set up yet: type “@Jigsaw setup” in the DSL team’s private channel.'}</dd>
                <dt className={s.dt}>Members</dt>
                <dd className={s.dd}>{data.dslMembers.length ? data.dslMembers.join(', ') : '—'}</dd>
                <dt className={s.dt}>Roster checked</dt>
                <dd className={s.dd}>{formatDateTime(data.rosterRefreshedAt)}</dd>
              </dl>
            </Section>
          </div>
          <Section title="Thresholds and features" id="settings-thresholds">
            <dl className={s.dl}>
              {data.thresholds.map((t) => (
                <div key={t.name} style={{ display: 'contents' }}>
                  <dt className={s.dt}>{t.name}</dt>
                  <dd className={s.dd}>{t.value}</dd>
                </div>
              ))}
            </dl>
            <Text className={s.caption}>These are deployment settings: IT changes them in Jigsaw’s configuration (docs/admin-guide.md), so every school in a trust can be set the same way.</Text>
          </Section>
          <Section title="Recent role changes" id="settings-role-changes">
            {data.roleChanges.length === 0 ? (
              <Empty>No role has been changed in the tab.</Empty>
            ) : (
              <ul className={s.timeline}>
                {data.roleChanges.map((c, i) => (
                  <li key={i} className={s.event}>
                    <span className={s.eventWhen}>{formatDateTime(c.at)}</span>
                    <span>
                      {c.role} {c.change === 'assigned' ? 'given to' : 'taken away from'} {c.name} by {c.byName}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </>
      )}
    </section>
  );
}

const SCOPES: Record<string, string> = { anonymous: 'Anyone with the link', organization: 'Everyone in the school', external: 'People outside the school' };

const SEVERITY_COLOURS: Record<string, 'danger' | 'severe' | 'warning' | 'informative'> = { critical: 'danger', high: 'severe', medium: 'warning', low: 'informative' };

/** A run's status in words; a failed run says why and when it is tried again (it resumes then). */
function runStatusText(r: SharingAudit['runs'][number]): string {
  if (r.status !== 'failed') return r.status;
  const why = r.error ? `failed: ${r.error}` : 'failed';
  return r.retryAt ? `${why}; tried again ${formatDateTime(r.retryAt)}` : why;
}

/** The sharing audit: runs, and findings with filters. */
export function SharingAuditView({ api }: { api: Api }) {
  const s = useStyles();
  const [filters, setFilters] = useState({ status: 'open', severity: '', pupilData: '' });
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  const { data, error, loading, reload } = useLoad<SharingAudit>(api, `admin/sharing?${query}`);
  const set = (patch: Partial<typeof filters>) => setFilters((f) => ({ ...f, ...patch }));
  const [accepting, setAccepting] = useState<{ findingId: string; name: string }>();
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<{ intent: 'success' | 'warning' | 'error'; text: string }>();
  const [reasonError, setReasonError] = useState<string>();
  const [removing, setRemoving] = useState<{ findingId: string; name: string; scope: string }>();
  const [busy, setBusy] = useState(false);
  const removeLink = async () => {
    if (!removing) return;
    setBusy(true);
    try {
      const res = await api<{ message: string; style: 'good' | 'warning' | 'attention' }>(`admin/sharing/findings/${encodeURIComponent(removing.findingId)}/remove-link`, { method: 'POST', body: {} });
      setNotice({ intent: res.style === 'good' ? 'success' : res.style === 'warning' ? 'warning' : 'error', text: `${removing.name}: ${res.message}` });
      reload();
    } catch (e) {
      setNotice({ intent: 'error', text: `${removing.name}: ${(e as Error).message}` });
    } finally {
      setBusy(false);
      setRemoving(undefined);
    }
  };
  const accept = async () => {
    if (!accepting) return;
    try {
      const res = await api<{ message: string }>(`admin/sharing/findings/${encodeURIComponent(accepting.findingId)}/accept`, { method: 'POST', body: { reason } });
      setNotice({ intent: 'success', text: `${accepting.name}: ${res.message}` });
      setAccepting(undefined);
      setReason('');
      reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) setReasonError(e.message);
      else {
        setAccepting(undefined);
        setNotice({ intent: 'error', text: (e as Error).message });
      }
    }
  };
  const notify = async (runId: string) => {
    try {
      const res = await api<{ message: string }>(`admin/sharing/runs/${runId}/notify`, { method: 'POST', body: {} });
      setNotice({ intent: 'success', text: res.message });
    } catch (e) {
      setNotice({ intent: 'error', text: (e as Error).message });
    }
  };
  return (
    <section className={s.page} aria-labelledby="audit-heading">
      <h1 className={s.heading} id="audit-heading">
        Sharing audit
      </h1>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {notice && (
        <MessageBar key={noticeKey(notice)} intent={notice.intent}>
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      )}
      <Dialog open={Boolean(accepting)} onOpenChange={(_, d) => !d.open && (setAccepting(undefined), setReasonError(undefined))}>
        <DialogSurface aria-describedby={undefined}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void accept();
            }}
          >
            <DialogBody>
              <DialogTitle>Keep this link?</DialogTitle>
              <DialogContent>
                <TextField label={`Why should the link on “${accepting?.name ?? ''}” stay?`} required error={reasonError} value={reason} onChange={setReason} />
              </DialogContent>
              <DialogActions>
                <Button type="submit" appearance="primary">
                  Accept with this reason
                </Button>
                <Button type="button" onClick={() => setAccepting(undefined)}>
                  Cancel
                </Button>
              </DialogActions>
            </DialogBody>
          </form>
        </DialogSurface>
      </Dialog>
      <Dialog open={Boolean(removing)} onOpenChange={(_, d) => !d.open && setRemoving(undefined)}>
        <DialogSurface aria-describedby="remove-link-text">
          <DialogBody>
            <DialogTitle>Remove this link?</DialogTitle>
            <DialogContent id="remove-link-text">
              The link on “{removing?.name}” ({SCOPES[removing?.scope ?? ''] ?? removing?.scope}) will be removed in Microsoft 365: anyone using it loses access. The owner and the people it was
              shared with by name keep theirs. This is recorded with your name.
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" disabled={busy} onClick={() => void removeLink()}>
                Remove the link
              </Button>
              <Button onClick={() => setRemoving(undefined)}>Cancel</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
      {data && (
        <>
          {!data.remediationEnabled && (
            <MessageBar intent="info">
              <MessageBarBody>Jigsaw cannot remove links here: remediation is off (REMEDIATION_ENABLED). Owners can remove a link in OneDrive; the next audit sees it gone.</MessageBarBody>
            </MessageBar>
          )}
          {data.runs[0]?.status === 'failed' && (
            <MessageBar intent="warning">
              <MessageBarBody>The last sharing audit {runStatusText(data.runs[0])}. The findings below are from the last completed audit.</MessageBarBody>
            </MessageBar>
          )}
          <Section title="Runs" id="audit-runs">
            {data.runs.length === 0 ? (
              <Empty>No audit has run yet. Run one with “jigsaw audit-sharing”.</Empty>
            ) : (
              <DataTable
                label="Audit runs"
                rows={data.runs}
                rowKey={(r) => r.runId}
                columns={[
                  { header: 'Started', cell: (r) => formatDateTime(r.startedAt) },
                  { header: 'Mode', cell: (r) => r.mode },
                  { header: 'Status', cell: (r) => runStatusText(r) },
                  { header: 'Drives', cell: (r) => r.stats.drives?.toLocaleString('en-GB') ?? '—' },
                  { header: 'Items', cell: (r) => r.stats.items?.toLocaleString('en-GB') ?? '—' },
                  { header: 'Findings', cell: (r) => r.findingsSeen },
                  { header: 'Failures', cell: (r) => r.failureCount },
                  {
                    header: 'Owners',
                    cell: (r) =>
                      r.status === 'completed' && r.findingsSeen > 0 ? (
                        <Button size="small" onClick={() => void notify(r.runId)} aria-label={`Notify owners of the findings of the run started ${formatDateTime(r.startedAt)}`}>
                          Notify owners
                        </Button>
                      ) : (
                        '—'
                      ),
                  },
                ]}
              />
            )}
          </Section>
          <Section title="Findings" id="audit-findings">
            <div className={s.filters} role="search" aria-label="Filter findings">
              <Field label="Status" className={s.filter}>
                <Select value={filters.status} onChange={(_, d) => set({ status: d.value })}>
                  <option value="open">Open</option>
                  <option value="accepted">Accepted</option>
                  <option value="remediated">Remediated</option>
                  <option value="resolved">Resolved</option>
                </Select>
              </Field>
              <Field label="Severity" className={s.filter}>
                <Select value={filters.severity} onChange={(_, d) => set({ severity: d.value })}>
                  <option value="">Any</option>
                  <option value="critical">Critical</option>
                  <option value="high">High</option>
                  <option value="medium">Medium</option>
                  <option value="low">Low</option>
                </Select>
              </Field>
              <Field label="Pupil data" className={s.filter}>
                <Select value={filters.pupilData} onChange={(_, d) => set({ pupilData: d.value })}>
                  <option value="">Either</option>
                  <option value="yes">Likely pupil data</option>
                  <option value="no">No pupil data found</option>
                </Select>
              </Field>
            </div>
            {data.findingsTotal > data.findings.length && (
              <Text className={s.muted} role="status">
                Showing the {data.findings.length.toLocaleString('en-GB')} most severe of {data.findingsTotal.toLocaleString('en-GB')} matching findings. Narrow them with the filters above; <code>jigsaw audit-sharing --incremental --csv FILE</code> runs an audit and writes all of its findings to a CSV file.
              </Text>
            )}
            {data.findings.length === 0 ? (
              <Empty>No findings match.</Empty>
            ) : (
              <DataTable
                label="Findings"
                rows={data.findings}
                rowKey={(f) => f.findingId}
                columns={[
                  {
                    header: 'Item',
                    cell: (f) => (
                      <>
                        {f.path}
                        {f.exposedDescendants > 0 ? ` (+${f.exposedDescendants} inside)` : ''}
                      </>
                    ),
                  },
                  {
                    header: 'Shared with',
                    cell: (f) => (
                      <>
                        {SCOPES[f.scope] ?? f.scope} · {f.linkType === 'edit' ? 'can edit' : f.linkType === 'view' ? 'can view' : f.linkType}
                      </>
                    ),
                  },
                  {
                    header: 'Severity',
                    cell: (f) => (
                      <Badge appearance="tint" shape="rounded" color={SEVERITY_COLOURS[f.severity] ?? 'informative'}>
                        {f.severity[0]!.toUpperCase() + f.severity.slice(1)}
                      </Badge>
                    ),
                  },
                  { header: 'Pupil data', cell: (f) => (f.pupilDataLikely ? 'Likely' : '—') },
                  { header: 'Owner', cell: (f) => f.ownerName ?? '—' },
                  { header: 'Last seen', cell: (f) => formatDate(f.lastSeenAt) },
                  {
                    header: 'Action',
                    cell: (f) =>
                      f.status === 'open' ? (
                        <div className={s.row}>
                          {data.remediationEnabled && (
                            <Button size="small" onClick={() => setRemoving({ findingId: f.findingId, name: f.name, scope: f.scope })} aria-label={`Remove the link on ${f.name}`}>
                              Remove link…
                            </Button>
                          )}
                          <Button size="small" onClick={() => (setReason(''), setReasonError(undefined), setAccepting({ findingId: f.findingId, name: f.name }))} aria-label={`Accept the link on ${f.name} with a reason`}>
                            Accept…
                          </Button>
                        </div>
                      ) : (
                        f.statusReason ?? '—'
                      ),
                  },
                ]}
              />
            )}
          </Section>
        </>
      )}
    </section>
  );
}

const METHODS: Record<string, string> = { teams: 'In Teams', paper: 'On paper', 'online-form': 'Online form' };

const AUP_STATUS: Record<string, string> = { current: 'Agreed', expired: 'Expired', outstanding: 'Waiting', 'never-asked': 'Not yet asked', left: 'Left (history kept)' };

/** AUP versions with their sending progress, and the register of who has agreed. */
export function AupRegisterView({ api }: { api: Api }) {
  const s = useStyles();
  const { data, error, loading, reload } = useLoad<AupRegister>(api, 'admin/aup');
  const empty = { audience: 'staff', title: '', effectiveOn: '', summary: '', changeSummary: '', body: '', linkUrl: '' };
  const [draft, setDraft] = useState(empty);
  const [result, setResult] = useState<{ intent: 'success' | 'error'; text: string }>();
  const field = (name: keyof typeof empty) => ({ value: draft[name], onChange: (_: unknown, d: { value: string }) => setDraft((x) => ({ ...x, [name]: d.value })) });
  const publish = async () => {
    try {
      const res = await api<{ message: string }>('admin/aup/publish', { method: 'POST', body: draft });
      setResult({ intent: 'success', text: res.message });
      setDraft(empty);
      reload();
    } catch (e) {
      setResult({ intent: 'error', text: (e as Error).message });
    }
  };
  return (
    <section className={s.page} aria-labelledby="aup-heading">
      <h1 className={s.heading} id="aup-heading">
        Acceptable use policies
      </h1>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Section title="Published versions" id="aup-versions">
            {data.versions.length === 0 ? (
              <Empty>No policy has been published yet: publish one below under “Publish a new version”, or with “jigsaw aup publish”.</Empty>
            ) : (
              <DataTable
                label="Published AUP versions"
                rows={data.versions}
                rowKey={(v) => v.audience}
                columns={[
                  { header: 'Audience', cell: (v) => v.audienceTitle },
                  {
                    header: 'Policy',
                    cell: (v) => (
                      <>
                        {v.title} (version {v.versionNumber})
                      </>
                    ),
                  },
                  { header: 'Published', cell: (v) => formatDate(v.publishedAt) },
                  { header: 'Sent', cell: (v) => v.sends.sent ?? 0 },
                  { header: 'Failed', cell: (v) => v.sends.failed ?? 0 },
                ]}
              />
            )}
          </Section>
          <AupStuckSection api={api} versions={data.versions} onChanged={reload} />
          {data.groupAudiences.length > 0 && (
            <Section title="Audiences from Entra groups" id="aup-groups">
              <Text className={s.muted}>Jigsaw reads these groups every day and when you publish: people who join are asked to agree to the current version, people who leave are asked no more.</Text>
              <DataTable
                label="Audiences from Entra groups"
                rows={data.groupAudiences}
                rowKey={(g) => g.audience}
                columns={[
                  { header: 'Audience', cell: (g) => g.audienceTitle },
                  { header: 'Groups', cell: (g) => g.groups },
                  { header: 'Last read', cell: (g) => formatDateTime(g.syncedAt) },
                  { header: 'People', cell: (g) => g.members ?? '—' },
                  { header: 'Problem', cell: (g) => (g.failedAttempts > 0 ? `${g.error ?? 'Could not be read'} (${formatDateTime(g.failedAt)}; tried again hourly)` : '—') },
                ]}
              />
            </Section>
          )}
          <Section title="Publish a new version" id="aup-publish">
            <Text className={s.muted}>Publishing sends the policy to everyone in the audience in Teams (paced, with reminders); an audience with Entra groups is read from them first. A published version never changes: publish a new one instead.</Text>
            {result && (
              <MessageBar key={noticeKey(result)} intent={result.intent}>
                <MessageBarBody>{result.text}</MessageBarBody>
              </MessageBar>
            )}
            <form
              className={s.page}
              aria-label="Publish a new AUP version"
              onSubmit={(e) => {
                e.preventDefault();
                void publish();
              }}
            >
              <div className={s.filters}>
                <Field label="Audience" required className={s.filter}>
                  <Select {...field('audience')}>
                    {(data?.audienceChoices ?? []).map(({ id, title: t }) => (
                      <option key={id} value={id}>
                        {t}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Title" required>
                  <Input {...field('title')} size="medium" style={{ minWidth: '320px' }} />
                </Field>
                <Field label="In force from" required>
                  <Input type="date" {...field('effectiveOn')} />
                </Field>
              </div>
              <Field label="Summary (shown on the card)">
                <Textarea {...field('summary')} resize="vertical" />
              </Field>
              <Field label="What changed since the last version">
                <Input {...field('changeSummary')} />
              </Field>
              <Field label="Policy text (or give a link below)">
                <Textarea {...field('body')} resize="vertical" rows={6} />
              </Field>
              <Field label="Link to the full document (https)">
                <Input type="url" {...field('linkUrl')} />
              </Field>
              <div className={s.row}>
                <Button type="submit" appearance="primary">
                  Publish and send
                </Button>
              </div>
            </form>
          </Section>
          <Section title="Register" id="aup-register">
            {data.register.length === 0 ? (
              <Empty>Nobody is on the register yet.</Empty>
            ) : (
              <DataTable
                label="AUP register"
                rows={data.register}
                columns={[
                  { header: 'Name', cell: (r) => r.name },
                  { header: 'Audience', cell: (r) => r.audienceTitle },
                  { header: 'Status', cell: (r) => AUP_STATUS[r.status] ?? r.status },
                  { header: 'Agreed', cell: (r) => (r.acknowledgedAt ? `${formatDate(r.acknowledgedAt)} (v${r.acknowledgedVersion})` : '—') },
                  { header: 'Expires', cell: (r) => formatDate(r.expiresAt) },
                  { header: 'How', cell: (r) => (r.method ? (METHODS[r.method] ?? r.method) : '—') },
                ]}
              />
            )}
          </Section>
        </>
      )}
    </section>
  );
}
