import { Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { GovernorReport } from '../api-types';
import { formatDate } from '../format';
import { BarChart } from '../charts';
import { ErrorBar, Loading, Section, useLoad, useStyles } from '../common';
import { DataTable } from '../table';

function minutes(m?: number): string {
  if (m === undefined) return '—';
  if (m < 60) return `${m} min`;
  if (m < 48 * 60) return `${Math.round(m / 6) / 10} h`;
  return `${Math.round(m / 144) / 10} days`;
}

/** A figure, or "fewer than N" when it is too small to show. */
function few(n: number | null, min: number): string {
  return n === null ? `< ${min}` : String(n);
}

/** A count in a table: "fewer than N" when it is too small to show (as the charts' tables say it). */
function fewerThan(n: number | null, min: number): string {
  return n === null ? `fewer than ${min}` : String(n);
}

/** Closed concerns: null when the count is suppressed (not zero). */
function closedCount(data: GovernorReport): number | null {
  const row = data.byStatus.find((r) => r.key === 'closed');
  return row ? row.count : 0;
}

/** A share of acknowledged concerns; a dash when either figure is hidden or there is none. */
function percent(part: number | null, whole: number | null): string {
  return part === null || !whole ? '—' : `${Math.round((100 * part) / whole)}%`;
}

/** Anonymised figures for governors: counts only, never names or references (KCSIE; the policies' governor reports). */
export function GovernorsView({ api }: { api: Api }) {
  const s = useStyles();
  const { data, error, loading } = useLoad<GovernorReport>(api, 'governors/report');
  return (
    <section className={s.page} aria-labelledby="gov-heading">
      <h1 className={s.heading} id="gov-heading">
        Safeguarding report for governors
      </h1>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Text className={s.muted}>
            Anonymised: counts only, no names. Concerns reported from {formatDate(data.periodStart)} to {formatDate(data.periodEnd)}, the last twelve complete months, each as it stood at the end of{' '}
            {formatDate(data.periodEnd)}: the report stays the same until the end of this month, so that no single concern can be dated by comparing it from day to day. So that no child can be identified, counts from 1 to {data.minCount - 1} are shown as
            “fewer than {data.minCount}” (and sometimes one more count is hidden, where it could otherwise be worked out).
          </Text>
          <div className={s.row} role="list" aria-label="Key figures">
            <div className={s.stat} role="listitem">
              <span className={s.statValue}>{few(data.total, data.minCount)}</span>
              <Text className={s.muted}>concerns recorded</Text>
            </div>
            <div className={s.stat} role="listitem">
              <span className={s.statValue}>{minutes(data.acknowledgement.medianMinutes)}</span>
              <Text className={s.muted}>median time to acknowledge</Text>
            </div>
            <div className={s.stat} role="listitem">
              <span className={s.statValue}>{percent(data.acknowledgement.within15Minutes, data.acknowledgement.acknowledged)}</span>
              <Text className={s.muted}>acknowledged within 15 minutes</Text>
            </div>
            <div className={s.stat} role="listitem">
              <span className={s.statValue}>{few(closedCount(data), data.minCount)}</span>
              <Text className={s.muted}>closed</Text>
            </div>
          </div>
          <Section title="By month" id="gov-month">
            <BarChart hiddenBelow={data.minCount} id="chart-month" title="Concerns recorded each month" rows={data.byMonth} orientation="vertical" />
          </Section>
          <div className={s.grid2}>
            <Section title="By the 4Cs" id="gov-4c">
              <BarChart hiddenBelow={data.minCount} id="chart-4c" title="Concerns by the 4Cs of online safety" rows={data.byFourC} />
            </Section>
            <Section title="Outcomes of closed concerns" id="gov-outcomes">
              {data.outcomes.length ? <BarChart hiddenBelow={data.minCount} id="chart-outcomes" title="Outcomes recorded when concerns were closed" rows={data.outcomes} /> : <Text className={s.muted}>No concerns have been closed in this period.</Text>}
            </Section>
          </div>
          <Section title="By category" id="gov-category">
            <BarChart hiddenBelow={data.minCount} id="chart-category" title="Concerns by category" rows={data.byCategory} />
          </Section>
          {data.aup.length > 0 && (
            <Section title="Acceptable use policies" id="gov-aup">
              <DataTable
                label="Acceptable use policy acknowledgements"
                rows={data.aup}
                rowKey={(a) => a.audience}
                columns={[
                  { header: 'Audience', cell: (a) => a.audienceTitle },
                  { header: 'Version', cell: (a) => a.versionNumber },
                  { header: 'People', cell: (a) => a.total ?? 'not shown' },
                  { header: 'Agreed', cell: (a) => fewerThan(a.current, data.minCount) },
                  { header: 'Waiting', cell: (a) => fewerThan(a.outstanding, data.minCount) },
                  { header: 'Expired', cell: (a) => fewerThan(a.expired, data.minCount) },
                  { header: 'Not yet asked', cell: (a) => fewerThan(a.neverAsked, data.minCount) },
                ]}
              />
            </Section>
          )}
        </>
      )}
    </section>
  );
}
