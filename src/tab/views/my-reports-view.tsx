import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { MyReports } from '../api-types';
import { formatDate, formatDateTime } from '../format';
import { Empty, ErrorBar, Loading, Section, StatusBadge, useLoad, useStyles } from '../common';

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
              <Table aria-label="Concerns I reported" className={s.table}>
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>Reference</TableHeaderCell>
                    <TableHeaderCell>Reported</TableHeaderCell>
                    <TableHeaderCell>Status</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {data.reports.map((r) => (
                    <TableRow key={r.reference}>
                      <TableCell>{r.reference}</TableCell>
                      <TableCell>{formatDateTime(r.createdAt)}</TableCell>
                      <TableCell>
                        <div className={s.row}>
                          <StatusBadge status={r.status} />
                          <Text>{r.statusText}</Text>
                        </div>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </Section>
          {data.aups.length > 0 && (
            <Section title="Acceptable use policies" id="mine-aups-heading">
              <Table aria-label="My acceptable use policies" className={s.table}>
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>Policy</TableHeaderCell>
                    <TableHeaderCell>Status</TableHeaderCell>
                    <TableHeaderCell>Agreed</TableHeaderCell>
                    <TableHeaderCell>Renew by</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {data.aups.map((a) => (
                    <TableRow key={a.title}>
                      <TableCell>
                        {a.title} (version {a.versionNumber})
                      </TableCell>
                      <TableCell>{AUP_STATUS[a.status] ?? a.status}</TableCell>
                      <TableCell>{formatDate(a.acknowledgedAt)}</TableCell>
                      <TableCell>{formatDate(a.expiresAt)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Section>
          )}
        </>
      )}
    </section>
  );
}
