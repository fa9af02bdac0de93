import { useMemo, useState } from 'react';
import { Button, Field, Input, Link, Select, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { QueueItem, QueueResponse } from '../api-types';
import { age, formatDateTime } from '../format';
import { Empty, ErrorBar, Loading, StatusBadge, UrgencyBadge, useLoad, useStyles } from '../common';
import { DataTable } from '../table';

const CATEGORIES: [string, string][] = [
  ['harmful-content', 'Harmful content'],
  ['radicalisation', 'Radicalisation / extremism'],
  ['illegal-content', 'Illegal content'],
  ['grooming', 'Grooming / exploitation'],
  ['unwanted-contact', 'Unwanted contact'],
  ['online-bullying', 'Online bullying'],
  ['nudes-sharing', 'Sharing nudes / semi-nudes'],
  ['upskirting', 'Upskirting'],
  ['sexual-harassment', 'Sexual harassment'],
  ['misuse-of-technology', 'Misuse of technology (AUP)'],
  ['social-media', 'Social media'],
  ['commerce', 'Commerce'],
  ['filtering-failure', 'Filtering failure'],
  ['data-breach', 'Data breach'],
];
const FOUR_CS: [string, string][] = [
  ['content', 'Content'],
  ['contact', 'Contact'],
  ['conduct', 'Conduct'],
  ['commerce', 'Commerce'],
  ['technical', 'Technical'],
  ['data', 'Data'],
];

export interface QueueFilters {
  status: string;
  urgency: string;
  category: string;
  fourC: string;
  owner: string;
  pupil: string;
  q: string;
}
export const DEFAULT_FILTERS: QueueFilters = { status: 'open', urgency: '', category: '', fourC: '', owner: '', pupil: '', q: '' };

/** The DSL's list of concerns about pupils, with the filters a DSL works by. */
export function QueueView({ api, filters, onFilters, onOpen, title = 'Concerns', path = 'concerns' }: { api: Api; filters: QueueFilters; onFilters: (f: QueueFilters) => void; onOpen: (c: QueueItem) => void; title?: string; path?: string }) {
  const s = useStyles();
  const [pupil, setPupil] = useState(filters.pupil);
  const [q, setQ] = useState(filters.q);
  const query = useMemo(() => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    return p.toString();
  }, [filters]);
  const { data, error, loading } = useLoad<QueueResponse>(api, `${path}${query ? `?${query}` : ''}`);
  const set = (patch: Partial<QueueFilters>) => onFilters({ ...filters, ...patch });

  return (
    <section className={s.page} aria-labelledby="queue-heading">
      <h1 className={s.heading} id="queue-heading">
        {title}
      </h1>
      <form
        className={s.filters}
        role="search"
        aria-label="Filter concerns"
        onSubmit={(e) => {
          e.preventDefault();
          set({ pupil, q });
        }}
      >
        <Field label="Status" className={s.filter}>
          <Select value={filters.status} onChange={(_, d) => set({ status: d.value })}>
            <option value="open">Open (not closed)</option>
            <option value="">All</option>
            <option value="new">New</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="in-progress">In progress</option>
            <option value="closed">Closed</option>
          </Select>
        </Field>
        <Field label="Urgency" className={s.filter}>
          <Select value={filters.urgency} onChange={(_, d) => set({ urgency: d.value })}>
            <option value="">Any</option>
            <option value="urgent">Urgent</option>
            <option value="standard">Standard</option>
          </Select>
        </Field>
        <Field label="4C" className={s.filter}>
          <Select value={filters.fourC} onChange={(_, d) => set({ fourC: d.value, category: '' })}>
            <option value="">Any</option>
            {FOUR_CS.map(([id, t]) => (
              <option key={id} value={id}>
                {t}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Category" className={s.filter}>
          <Select value={filters.category} onChange={(_, d) => set({ category: d.value, fourC: '' })}>
            <option value="">Any</option>
            {CATEGORIES.map(([id, t]) => (
              <option key={id} value={id}>
                {t}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Owner" className={s.filter}>
          <Select value={filters.owner} onChange={(_, d) => set({ owner: d.value })}>
            <option value="">Anyone</option>
            <option value="none">Nobody yet</option>
            <option value="left">Someone who has left the DSL team</option>
            {(data?.owners ?? []).map((o) => (
              <option key={o.aadObjectId} value={o.aadObjectId}>
                {o.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Pupil" className={s.filter}>
          <Input value={pupil} onChange={(_, d) => setPupil(d.value)} placeholder="Full name" />
        </Field>
        <Field label="Search" className={s.filter}>
          <Input type="search" value={q} onChange={(_, d) => setQ(d.value)} placeholder="Reference, pupil, category" />
        </Field>
        <Button type="submit" appearance="primary">
          Apply
        </Button>
        <Button
          type="button"
          onClick={() => {
            setPupil('');
            setQ('');
            onFilters(DEFAULT_FILTERS);
          }}
        >
          Clear
        </Button>
      </form>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Text aria-live="polite" className={s.muted}>
            {data.concerns.length === 1 ? '1 concern' : `${data.concerns.length} concerns`}
          </Text>
          {data.concerns.length === 0 ? (
            <Empty>No concerns match these filters.</Empty>
          ) : (
            <ConcernTable items={data.concerns} title={title} onOpen={onOpen} />
          )}
        </>
      )}
    </section>
  );
}

/** Concerns as a table; each reference is a link-styled button, so the list works from the keyboard. */
export function ConcernTable({ items, title, onOpen, framed = true }: { items: QueueItem[]; title: string; onOpen: (c: QueueItem) => void; framed?: boolean }) {
  const s = useStyles();
  return (
    <div className={framed ? s.tableCard : s.tableBare}>
      <DataTable
        label={title}
        size="medium"
        rows={items}
        rowKey={(c) => c.concernId}
        columns={[
          {
            header: 'Reference',
            cell: (c) => (
              <Link onClick={() => onOpen(c)} aria-label={`Open concern ${c.reference}`}>
                {c.reference}
              </Link>
            ),
          },
          {
            header: 'Received',
            cell: (c) => (
              <>
                <div className={s.nowrap}>{formatDateTime(c.createdAt)}</div>
                <div className={s.caption}>{age(c.createdAt)} ago</div>
              </>
            ),
          },
          { header: 'Pupils', cell: (c) => c.pupils.join(', ') || '—' },
          { header: 'Category', cell: (c) => c.categoryTitle },
          { header: 'Urgency', cell: (c) => <UrgencyBadge urgency={c.urgency} /> },
          { header: 'Status', cell: (c) => <StatusBadge status={c.status} /> },
          { header: 'Owner', cell: (c) => (c.ownerName ? (c.ownerLeftDslTeam ? `${c.ownerName} (has left the DSL team: take it over)` : c.ownerName) : <span className={s.muted}>Nobody yet</span>) },
        ]}
      />
    </div>
  );
}
