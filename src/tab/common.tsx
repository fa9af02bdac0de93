import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Badge, Card, Field, Input, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Select, Spinner, Text, Textarea, tokens } from '@fluentui/react-components';
import { ApiError, type Api } from './api';
import { STATUS_TITLES } from './format';

export const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: '16px' },
  heading: { margin: 0, fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500, fontWeight: tokens.fontWeightSemibold },
  subheading: { margin: 0, fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400, fontWeight: tokens.fontWeightSemibold },
  card: { padding: '16px 20px', display: 'flex', flexDirection: 'column', gap: '12px' },
  filters: { display: 'flex', flexWrap: 'wrap', gap: '12px', alignItems: 'flex-end' },
  filter: { minWidth: '150px' },
  muted: { color: tokens.colorNeutralForeground2 },
  table: { width: '100%' },
  tableCard: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, boxShadow: tokens.shadow4, padding: '4px 8px', overflowX: 'auto' },
  tableBare: { overflowX: 'auto' },
  nowrap: { whiteSpace: 'nowrap' },
  caption: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200, lineHeight: tokens.lineHeightBase200 },
  dl: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: '24px', rowGap: '8px', margin: 0 },
  dt: { fontWeight: tokens.fontWeightSemibold, color: tokens.colorNeutralForeground2 },
  dd: { margin: 0, whiteSpace: 'pre-wrap' },
  row: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  grid2: { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(360px, 1fr))', gap: '16px' },
  timeline: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '0' },
  event: {
    display: 'grid',
    gridTemplateColumns: '170px 1fr',
    columnGap: '16px',
    padding: '10px 0',
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  eventWhen: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  stat: { display: 'flex', flexDirection: 'column', gap: '2px', minWidth: '140px' },
  statValue: { fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700, fontWeight: tokens.fontWeightSemibold },
});

/** Loads once (and again on `reload()`), with loading and error states. */
export function useLoad<T>(api: Api, path: string | undefined): { data?: T; error?: ApiError | Error; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: ApiError | Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path)
      .then((data) => live && setState({ data, loading: false }))
      .catch((error: Error) => live && setState({ error, loading: false }));
    return () => {
      live = false;
    };
  }, [api, path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <Spinner size="small" label={label} labelPosition="after" />;
}

const noticeKeys = new WeakMap<object, number>();
let lastNoticeKey = 0;
/**
 * A key for a message bar: one per message object. A MessageBar is announced to screen readers
 * only when it mounts, so a new message (an error after a success, the same error again) must
 * mount a new bar, or a screen reader user hears nothing after pressing the button.
 */
export function noticeKey(notice: object): number {
  let key = noticeKeys.get(notice);
  if (key === undefined) noticeKeys.set(notice, (key = ++lastNoticeKey));
  return key;
}

export function ErrorBar({ error, title = 'This could not be shown' }: { error: Error; title?: string }) {
  return (
    <MessageBar key={noticeKey(error)} intent={error instanceof ApiError && error.status === 403 ? 'warning' : 'error'}>
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {error.message}
      </MessageBarBody>
    </MessageBar>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const s = useStyles();
  return (
    <Card className={s.card} appearance="filled" role="region" aria-labelledby={id}>
      <h2 className={s.subheading} id={id}>
        {title}
      </h2>
      {children}
    </Card>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  const s = useStyles();
  return <Text className={s.muted}>{children}</Text>;
}

const STATUS_COLOURS: Record<string, 'danger' | 'warning' | 'brand' | 'success' | 'informative'> = { new: 'danger', acknowledged: 'warning', 'in-progress': 'brand', closed: 'success' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge appearance="tint" color={STATUS_COLOURS[status] ?? 'informative'} shape="rounded">
      {STATUS_TITLES[status] ?? status}
    </Badge>
  );
}

export function UrgencyBadge({ urgency }: { urgency: string }) {
  return urgency === 'urgent' ? (
    <Badge appearance="filled" color="danger" shape="rounded">
      Urgent
    </Badge>
  ) : (
    <Badge appearance="outline" color="informative" shape="rounded">
      Standard
    </Badge>
  );
}

/** A labelled drop-down with a "Choose…" placeholder; the message shows next to it. */
export function ChoiceField({ label, required, error, value, onChange, options }: { label: string; required?: boolean; error?: string; value: string; onChange: (value: string) => void; options: readonly { id: string; title: string }[] }) {
  return (
    <Field label={label} required={required} validationMessage={error}>
      <Select value={value} onChange={(_, d) => onChange(d.value)}>
        <option value="">Choose…</option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.title}
          </option>
        ))}
      </Select>
    </Field>
  );
}

/** A labelled text box (multi-line unless `line`), keeping what was typed when there is a message. */
export function TextField({ label, required, error, value, onChange, line, hint, rows }: { label: string; required?: boolean; error?: string; value: string; onChange: (value: string) => void; line?: boolean; hint?: string; rows?: number }) {
  return (
    <Field label={label} required={required} validationMessage={error} hint={hint}>
      {line ? <Input value={value} onChange={(_, d) => onChange(d.value)} /> : <Textarea value={value} onChange={(_, d) => onChange(d.value)} resize="vertical" rows={rows} />}
    </Field>
  );
}
