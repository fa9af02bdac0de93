import { Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { RecordsRetention } from '../api-types';
import { formatDate, formatDateTime, STATUS_TITLES } from '../format';
import { Empty, ErrorBar, Loading, Section, useLoad, useStyles } from '../common';
import { DataTable } from '../table';

const ABOUT: Record<string, string> = { adult: 'a member of staff or volunteer', headteacher: 'the headteacher' };

/**
 * The records' retention for the Data Protection Officer, read-only: periods, what is due for
 * deletion and what is kept past its period, legal holds, deletions by hand and past purges.
 * Deleting is done with `jigsaw retention` (a dry run, then its approval code).
 */
export function RecordsView({ api }: { api: Api }) {
  const s = useStyles();
  const { data, error, loading } = useLoad<RecordsRetention>(api, 'records');
  const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
  return (
    <section className={s.page} aria-labelledby="records-heading">
      <h1 className={s.heading} id="records-heading">
        Records
      </h1>
      <Text className={s.muted}>How long Jigsaw keeps records, what is due for deletion, and what is kept and why. Nothing is deleted from here: IT runs “jigsaw retention --dry-run”, and deletes only the plan approved with its code.</Text>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Section title="Retention periods" id="records-periods">
            <dl className={s.dl}>
              <dt className={s.dt}>Concerns about pupils</dt>
              <dd className={s.dd}>
                {plural(data.periods.concernYears, 'year')} after they were recorded, once closed (recorded before {formatDate(data.cutoffs.concerns)})
              </dd>
              <dt className={s.dt}>Concerns about adults</dt>
              <dd className={s.dd}>Never deleted automatically: the DSL or DPO decides (KCSIE keeps them until the person’s normal pension age or 10 years, whichever is longer)</dd>
              <dt className={s.dt}>AUP agreements and cards</dt>
              <dd className={s.dd}>{plural(data.periods.aupYears, 'year')} (before {formatDate(data.cutoffs.aup)})</dd>
              <dt className={s.dt}>Sharing audit findings</dt>
              <dd className={s.dd}>{plural(data.periods.auditFindingsDays, 'day')} after an audit last saw them</dd>
            </dl>
          </Section>
          <Section title="Due for deletion" id="records-due">
            {data.due.concerns.length + data.due.aupAcknowledgements + data.due.aupSends + data.due.auditFindings === 0 ? (
              <Empty>Nothing is due for deletion.</Empty>
            ) : (
              <>
                <Text>
                  {plural(data.due.concerns.length, 'closed concern')}, {plural(data.due.aupAcknowledgements, 'AUP agreement')}, {plural(data.due.aupSends, 'AUP card record')} and {plural(data.due.auditFindings, 'audit finding')}.
                </Text>
                {data.due.concerns.length > 0 && (
                  <DataTable label="Concerns due for deletion" rows={data.due.concerns} rowKey={(c) => c.reference} columns={[{ header: 'Concern', cell: (c) => c.reference }, { header: 'Recorded', cell: (c) => formatDate(c.recordedAt) }]} />
                )}
              </>
            )}
          </Section>
          <Section title="Kept past their period" id="records-kept">
            {data.keptOpen.length + data.keptAboutAdults.length === 0 ? (
              <Empty>No concern is kept past its period.</Empty>
            ) : (
              <DataTable
                label="Concerns kept past their period"
                rows={[...data.keptOpen.map((c) => ({ ...c, why: `Still ${(STATUS_TITLES[c.status] ?? c.status).toLowerCase()}: kept until closed` })), ...data.keptAboutAdults.map((c) => ({ ...c, why: 'About an adult: for the DSL or DPO to decide' }))]}
                rowKey={(c) => c.reference}
                columns={[
                  { header: 'Concern', cell: (c) => c.reference },
                  { header: 'Recorded', cell: (c) => formatDate(c.recordedAt) },
                  { header: 'Why it is kept', cell: (c) => c.why },
                ]}
              />
            )}
          </Section>
          <Section title="Legal holds" id="records-holds">
            {data.holds.length === 0 ? (
              <Empty>No legal hold has been placed.</Empty>
            ) : (
              <DataTable
                label="Legal holds"
                rows={data.holds}
                columns={[
                  { header: 'On', cell: (h) => (h.scope === 'school' ? 'Every concern of the school' : h.reference) },
                  { header: 'Why', cell: (h) => h.reason },
                  { header: 'Placed', cell: (h) => `${formatDateTime(h.placedAt)} by ${h.placedBy}` },
                  { header: 'In force?', cell: (h) => (h.released ? `Released ${formatDateTime(h.released.at)} by ${h.released.by}: ${h.released.reason}` : 'Yes: not deleted while it lasts') },
                ]}
              />
            )}
          </Section>
          <Section title="Deleted by hand" id="records-deletions">
            {data.deletions.length === 0 ? (
              <Empty>No concern has been deleted by hand.</Empty>
            ) : (
              <DataTable
                label="Concerns deleted by hand"
                rows={data.deletions}
                rowKey={(d) => d.reference}
                columns={[
                  { header: 'Concern', cell: (d) => d.reference },
                  { header: 'About', cell: (d) => ABOUT[d.about] ?? d.about },
                  { header: 'Deleted', cell: (d) => `${formatDateTime(d.deletedAt)} by ${d.deletedBy}` },
                  { header: 'Why', cell: (d) => d.reason },
                ]}
              />
            )}
          </Section>
          <Section title="Purges" id="records-purges">
            {data.purges.length === 0 ? (
              <Empty>Nothing has been purged yet.</Empty>
            ) : (
              <DataTable
                label="Purges"
                rows={data.purges}
                columns={[
                  { header: 'When', cell: (p) => formatDateTime(p.at) },
                  { header: 'By', cell: (p) => p.by },
                  { header: 'Deleted', cell: (p) => `${plural(p.concerns, 'concern')}, ${plural(p.aupAcknowledgements, 'AUP agreement')}, ${plural(p.aupSends, 'AUP card record')}, ${plural(p.auditFindings, 'audit finding')}` },
                ]}
              />
            )}
          </Section>
        </>
      )}
    </section>
  );
}
