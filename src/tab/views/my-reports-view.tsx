import { Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { MyReports } from '../api-types';
import { formatDate, formatDateTime } from '../format';
import { Empty, ErrorBar, Loading, Section, StatusBadge, useLoad, useStyles } from '../common';
import { DataTable } from '../table';

const AUP_STATUS: Record<string, string> = { current: 'Agreed', expired: 'Needs renewing', outstanding: 'Waiting for you', 'never-asked': 'Not yet sent to you' };

/** A member of staff's own reports: what happened to them, without case details ("no-blame" feedback). */
export function MyReportsView({ api }: { api: Api }) {
  const s = useStyles();
  const { data, error, loading } = useLoad<MyReports>(api, 'my-reports');
  return (
    <section className={s.page} aria-labelledby="mine-heading">
      <h1 className={s.heading} id="mine-heading">
        My reports
      </h1>
      <Text className={s.muted}>Concerns you reported and where they are. The details stay with the people handling them. To report a new concern, chat with Jigsaw and type “report”.</Text>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Section title="Concerns I reported" id="mine-reports-heading">
            {data.reports.length === 0 ? (
              <Empty>You have not reported any concerns.</Empty>
            ) : (
              <DataTable
                label="Concerns I reported"
                rows={data.reports}
                rowKey={(r) => r.reference}
                columns={[
                  { header: 'Reference', cell: (r) => r.reference },
                  { header: 'Reported', cell: (r) => formatDateTime(r.createdAt) },
                  {
                    header: 'Status',
                    cell: (r) => (
                      <div className={s.row}>
                        <StatusBadge status={r.status} />
                        <Text>{r.statusText}</Text>
                      </div>
                    ),
                  },
                ]}
              />
            )}
          </Section>
          {data.aups.length > 0 && (
            <Section title="Acceptable use policies" id="mine-aups-heading">
              <DataTable
                label="My acceptable use policies"
                rows={data.aups}
                rowKey={(a) => a.title}
                columns={[
                  {
                    header: 'Policy',
                    cell: (a) => (
                      <>
                        {a.title} (version {a.versionNumber})
                      </>
                    ),
                  },
                  { header: 'Status', cell: (a) => AUP_STATUS[a.status] ?? a.status },
                  { header: 'Agreed', cell: (a) => formatDate(a.acknowledgedAt) },
                  { header: 'Renew by', cell: (a) => formatDate(a.expiresAt) },
                ]}
              />
            </Section>
          )}
        </>
      )}
    </section>
  );
}
