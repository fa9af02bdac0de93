import { useRef, useState } from 'react';
import { Button, Field, Link, MessageBar, MessageBarBody, Select, Text } from '@fluentui/react-components';
import { ApiError, type Api } from '../api';
import type { ChronologyItem, ConcernDetail } from '../api-types';
import { formatDateTime, formatDay } from '../format';
import { ChoiceField, ErrorBar, Loading, noticeKey, Section, StatusBadge, TextField, UrgencyBadge, useLoad, useStyles } from '../common';
import { PersonPicker } from '../person-picker';
import { PeopleWithAccess } from './people-with-access';

const ACTION_TITLES: Record<string, string> = {
  'take-ownership': 'Take ownership',
  'add-note': 'Add a note',
  'record-action': 'Record an action or outcome',
  'record-sharing': 'Record information sharing',
  'set-risk': 'Set the risk level',
  link: 'Link pupils or concerns',
  'add-participant': 'Give someone access',
  close: 'Close the concern',
  reopen: 'Reopen',
  'take-over': 'Take over',
};

const CONSENT_CHOICES = [
  { id: 'yes', title: 'Yes' },
  { id: 'no', title: 'No' },
] as const;

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
          {data.concern.about !== 'pupil' && <PeopleWithAccess api={api} detail={data} loading={loading} onDone={reload} />}
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
  // An ownership-taken-over event: "Ownership taken over by <new owner>", then from whom and why.
  previousOwner: 'Taken over from',
  // participant-added / participant-withdrawn: whose access, and (on a withdrawal) who had given it.
  participantName: 'Person',
  givenByName: 'Access given by',
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
  const [chosen, setKind] = useState(available[0] ?? '');
  // After a reload the action chosen may no longer be offered (taken over, closed): the first one that is.
  const kind = available.includes(chosen) ? chosen : (available[0] ?? '');
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ intent: 'success' | 'error'; text: string; errors?: Record<string, string> }>();
  const [busy, setBusy] = useState(false);
  const actionId = useRef(crypto.randomUUID());
  // Each form field by its input id (the card's ids): its value, its setter and its message.
  const field = (name: string) => ({ value: values[name] ?? '', onChange: (value: string) => setValues((v) => ({ ...v, [name]: value })), error: result?.errors?.[name] });

  const submit = async () => {
    setBusy(true);
    try {
      // A take-over names the owner this page shows: refused if someone else has taken it over since.
      const sent = kind === 'take-over' ? { ...values, fromOwner: detail.concern.ownerAadId ?? '' } : values;
      const res = await api<{ message: string }>(`concerns/${detail.concern.concernId}/actions`, { method: 'POST', body: { kind, actionId: actionId.current, values: sent } });
      setResult({ intent: 'success', text: `Recorded: ${res.message}` });
      setValues({});
      actionId.current = crypto.randomUUID();
      onDone();
    } catch (e) {
      const body = e instanceof ApiError ? e.body : {};
      setResult({ intent: 'error', text: (e as Error).message, errors: body.errors as Record<string, string> | undefined });
      if (!(e instanceof ApiError && e.status === 400)) actionId.current = crypto.randomUUID();
      // Someone else became the owner meanwhile: show who owns it now (what was typed stays), so
      // pressing again takes over from them, as the card's form does.
      if (e instanceof ApiError && (e.code === 'owner-changed' || e.code === 'already-owned')) onDone();
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
        <MessageBar key={noticeKey(result)} intent={result.intent}>
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
      {kind === 'add-note' && <TextField label="Note" required {...field('note')} />}
      {kind === 'record-action' && (
        <>
          <ChoiceField label="Action or outcome" required options={detail.choices.outcomes} {...field('outcome')} />
          <TextField label="Note" {...field('actionNote')} />
        </>
      )}
      {kind === 'record-sharing' && (
        <>
          <TextField label="Shared with (person and organisation)" required line {...field('shareWith')} />
          <TextField label="What was shared" required {...field('shareWhat')} />
          <TextField label="Why it was shared" required {...field('shareWhy')} />
          <ChoiceField label="Was consent sought?" required options={CONSENT_CHOICES} {...field('consentSought')} />
          <TextField label="If not, why not (for example, it would place the child at risk)" {...field('noConsentReason')} />
        </>
      )}
      {kind === 'set-risk' && (
        <>
          <ChoiceField label="Risk level" required options={detail.choices.riskLevels} {...field('riskLevel')} />
          <TextField label="Reason" {...field('riskReason')} />
        </>
      )}
      {kind === 'link' && (
        <>
          <TextField label="Pupils to link (one per line or separated by commas)" {...field('linkPupils')} />
          <TextField label="Concern references to link" line hint="For example C-2026-00012, C-2026-00015" {...field('linkReferences')} />
        </>
      )}
      {kind === 'add-participant' &&
        (detail.choices.people.length ? (
          <PersonPicker label="Give access to" required options={detail.choices.people} {...field('participant')} />
        ) : (
          <Text className={s.muted}>Everyone Jigsaw can reach already has access. People appear here once they have chatted with the bot.</Text>
        ))}
      {kind === 'close' && (
        <>
          <ChoiceField label="Outcome" required options={detail.choices.outcomes} {...field('closeOutcome')} />
          <TextField label="Rationale" required {...field('closeRationale')} />
        </>
      )}
      {kind === 'reopen' && <TextField label="Why it is reopened" required {...field('reopenReason')} />}
      {kind === 'take-over' && (
        <TextField
          label="Why you are taking it over (for example, on leave, off sick, left the DSL team)"
          required
          line
          hint={`You become the owner instead of ${detail.concern.ownerName ?? 'the owner shown above'}. The reason goes in the chronology, and they are told privately while they can still see the concern.`}
          {...field('takeOverReason')}
        />
      )}
      <div className={s.row}>
        <Button type="submit" appearance="primary" disabled={busy}>
          {ACTION_TITLES[kind] ?? 'Record'}
        </Button>
      </div>
    </form>
  );
}
