import { useRef, useState } from 'react';
import { Button, Field, Link, MessageBar, MessageBarBody, Select, Textarea, Text } from '@fluentui/react-components';
import { ApiError, type Api } from '../api';
import type { ChronologyItem, ConcernDetail } from '../api-types';
import { formatDateTime, formatDay } from '../format';
import { ErrorBar, Loading, Section, StatusBadge, UrgencyBadge, useLoad, useStyles } from '../common';

const ACTION_TITLES: Record<string, string> = {
  'take-ownership': 'Take ownership',
  'add-note': 'Add a note',
  'record-action': 'Record an action or outcome',
  'set-risk': 'Set the risk level',
  close: 'Close the concern',
  reopen: 'Reopen',
};

/** A concern's details, its full chronology and the triage actions (the same service as the card). */
export function ConcernDetailView({ api, concernId, onBack, onPupil }: { api: Api; concernId: string; onBack: () => void; onPupil: (concernId: string, position: number, name: string) => void }) {
  const s = useStyles();
  const { data, error, loading, reload } = useLoad<ConcernDetail>(api, `concerns/${concernId}`);
  return (
    <section className={s.page} aria-labelledby="detail-heading">
      <div className={s.row}>
        <Button onClick={onBack}>Back to the list</Button>
      </div>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <div className={s.row}>
            <h1 className={s.heading} id="detail-heading">
              {data.concern.reference}: {data.concern.categoryTitle}
            </h1>
            <UrgencyBadge urgency={data.concern.urgency} />
            <StatusBadge status={data.concern.status} />
          </div>
          <div className={s.grid2}>
            <Section title="What was reported" id="reported-heading">
              <dl className={s.dl}>
                {data.concern.about === 'pupil' ? (
                  <>
                    <dt className={s.dt}>Pupils</dt>
                    <dd className={s.dd}>
                      {data.concern.pupils.map((p, i) => (
                        <span key={p.position}>
                          {i > 0 && ', '}
                          <Link onClick={() => onPupil(concernId, p.position, p.name)} aria-label={`Chronology of ${p.name}`}>
                            {p.name}
                          </Link>
                        </span>
                      ))}
                    </dd>
                  </>
                ) : (
                  <>
                    <dt className={s.dt}>About</dt>
                    <dd className={s.dd}>{data.concern.adultName ?? 'An adult'}</dd>
                  </>
                )}
                <dt className={s.dt}>When</dt>
                <dd className={s.dd}>
                  {formatDay(data.concern.occurredOn)}
                  {data.concern.occurredTime ? `, ${data.concern.occurredTime}` : ''}
                </dd>
                <dt className={s.dt}>Where</dt>
                <dd className={s.dd}>{data.concern.location}</dd>
                <dt className={s.dt}>What happened</dt>
                <dd className={s.dd}>{data.concern.whatHappened}</dd>
                {data.concern.childWords && (
                  <>
                    <dt className={s.dt}>The child's words</dt>
                    <dd className={s.dd}>“{data.concern.childWords}”</dd>
                  </>
                )}
                {data.concern.actionTaken && (
                  <>
                    <dt className={s.dt}>Action taken</dt>
                    <dd className={s.dd}>{data.concern.actionTaken}</dd>
                  </>
                )}
                <dt className={s.dt}>Reported by</dt>
                <dd className={s.dd}>
                  {data.concern.reporterName}, {formatDateTime(data.concern.createdAt)}
                </dd>
                <dt className={s.dt}>Owner</dt>
                <dd className={s.dd}>{data.concern.ownerName ?? 'Nobody yet'}</dd>
                <dt className={s.dt}>Risk level</dt>
                <dd className={s.dd}>{data.concern.riskLevel ? data.concern.riskLevel[0]!.toUpperCase() + data.concern.riskLevel.slice(1) : 'Not set'}</dd>
              </dl>
            </Section>
            <Section title="Actions" id="actions-heading">
              <ActionsPanel api={api} detail={data} onDone={reload} />
            </Section>
          </div>
          <Section title={`Chronology (${data.chronology.length} entries)`} id="chronology-heading">
            <Chronology events={data.chronology} />
          </Section>
        </>
      )}
    </section>
  );
}

/** Events oldest first; details are the DSL's own words, shown as recorded. */
export function Chronology({ events, showReference = false }: { events: ChronologyItem[]; showReference?: boolean }) {
  const s = useStyles();
  return (
    <ol className={s.timeline}>
      {events.map((e) => (
        <li key={`${e.reference ?? ''}-${e.seq}`} className={s.event}>
          <div className={s.eventWhen}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            {showReference && e.reference && <div>{e.reference}</div>}
          </div>
          <div>
            <Text weight="semibold">{e.summary}</Text> <Text className={s.muted}>by {e.actorName}</Text>
            <EventDetails details={e.details} />
          </div>
        </li>
      ))}
    </ol>
  );
}

const DETAIL_LABELS: Record<string, string> = {
  note: 'Note',
  rationale: 'Rationale',
  reason: 'Reason',
  withWhom: 'Shared with',
  what: 'What',
  why: 'Why',
  noConsentReason: 'Consent not sought because',
};

function EventDetails({ details }: { details: Record<string, unknown> }) {
  const s = useStyles();
  const shown = Object.entries(details).filter(([k, v]) => DETAIL_LABELS[k] && typeof v === 'string' && v);
  if (!shown.length) return null;
  return (
    <dl className={s.dl}>
      {shown.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt className={s.dt}>{DETAIL_LABELS[k]}</dt>
          <dd className={s.dd}>{String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function ActionsPanel({ api, detail, onDone }: { api: Api; detail: ConcernDetail; onDone: () => void }) {
  const s = useStyles();
  const available = detail.actions.filter((a) => ACTION_TITLES[a]);
  const [kind, setKind] = useState(available[0] ?? '');
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ intent: 'success' | 'error'; text: string; errors?: Record<string, string> }>();
  const [busy, setBusy] = useState(false);
  const actionId = useRef(crypto.randomUUID());
  const field = (name: string) => ({ value: values[name] ?? '', onChange: (_: unknown, d: { value: string }) => setValues((v) => ({ ...v, [name]: d.value })) });
  const err = (name: string) => result?.errors?.[name];

  const submit = async () => {
    setBusy(true);
    try {
      const res = await api<{ message: string }>(`concerns/${detail.concern.concernId}/actions`, { method: 'POST', body: { kind, actionId: actionId.current, values } });
      setResult({ intent: 'success', text: `Recorded: ${res.message}` });
      setValues({});
      actionId.current = crypto.randomUUID();
      onDone();
    } catch (e) {
      const body = e instanceof ApiError ? e.body : {};
      setResult({ intent: 'error', text: (e as Error).message, errors: body.errors as Record<string, string> | undefined });
      if (!(e instanceof ApiError && e.status === 400)) actionId.current = crypto.randomUUID();
    } finally {
      setBusy(false);
    }
  };

  if (!available.length) return <Text className={s.muted}>No actions are available.</Text>;
  return (
    <form
      className={s.page}
      aria-label="Record a triage action"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {result && (
        <MessageBar intent={result.intent}>
          <MessageBarBody>{result.text}</MessageBarBody>
        </MessageBar>
      )}
      <Field label="Action">
        <Select value={kind} onChange={(_, d) => (setKind(d.value), setResult(undefined))}>
          {available.map((a) => (
            <option key={a} value={a}>
              {ACTION_TITLES[a]}
            </option>
          ))}
        </Select>
      </Field>
      {kind === 'add-note' && (
        <Field label="Note" required validationMessage={err('note')}>
          <Textarea {...field('note')} resize="vertical" />
        </Field>
      )}
      {kind === 'record-action' && (
        <>
          <Field label="Action or outcome" required validationMessage={err('outcome')}>
            <Select {...field('outcome')}>
              <option value="">Choose…</option>
              {detail.choices.outcomes.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.title}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Note" validationMessage={err('actionNote')}>
            <Textarea {...field('actionNote')} resize="vertical" />
          </Field>
        </>
      )}
      {kind === 'set-risk' && (
        <>
          <Field label="Risk level" required validationMessage={err('riskLevel')}>
            <Select {...field('riskLevel')}>
              <option value="">Choose…</option>
              {detail.choices.riskLevels.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.title}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Reason" validationMessage={err('riskReason')}>
            <Textarea {...field('riskReason')} resize="vertical" />
          </Field>
        </>
      )}
      {kind === 'close' && (
        <>
          <Field label="Outcome" required validationMessage={err('closeOutcome')}>
            <Select {...field('closeOutcome')}>
              <option value="">Choose…</option>
              {detail.choices.outcomes.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.title}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Rationale" required validationMessage={err('closeRationale')}>
            <Textarea {...field('closeRationale')} resize="vertical" />
          </Field>
        </>
      )}
      {kind === 'reopen' && (
        <Field label="Why it is reopened" required validationMessage={err('reopenReason')}>
          <Textarea {...field('reopenReason')} resize="vertical" />
        </Field>
      )}
      <div className={s.row}>
        <Button type="submit" appearance="primary" disabled={busy}>
          {ACTION_TITLES[kind] ?? 'Record'}
        </Button>
      </div>
    </form>
  );
}
