import { Badge, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { AccessLog } from '../api-types';
import { formatDateTime } from '../format';
import { Empty, ErrorBar, Loading, useLoad, useStyles } from '../common';

const ACTIONS: Record<string, string> = { 'concern.view': "Opened a concern's details", 'pupil.chronology.view': "Opened a pupil's chronology", 'pupil.file.export': "Exported a pupil's file for a new school", 'access-log.view': 'Read the access log' };

/** Who opened which safeguarding record, and when (DSLs and the DPO). */
export function AccessLogView({ api }: { api: Api }) {
  const s = useStyles();
  const { data, error, loading } = useLoad<AccessLog>(api, 'access-log');
  return (
    <section className={s.page} aria-labelledby="log-heading">
      <h1 className={s.heading} id="log-heading">
        Access log
      </h1>
      <Text className={s.muted}>Every view of a concern's details or a pupil's chronology in this tab, newest first.</Text>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data &&
        (data.entries.length === 0 ? (
          <Empty>Nothing has been opened yet.</Empty>
        ) : (
          <div className={s.tableCard}>
          <Table aria-label="Access log" className={s.table}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>When</TableHeaderCell>
                <TableHeaderCell>Who</TableHeaderCell>
                <TableHeaderCell>What</TableHeaderCell>
                <TableHeaderCell>Concern</TableHeaderCell>
                <TableHeaderCell>Pupil</TableHeaderCell>
                <TableHeaderCell>Outcome</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.entries.map((e, i) => (
                <TableRow key={i}>
                  <TableCell>{formatDateTime(e.at)}</TableCell>
                  <TableCell>{e.actorName}</TableCell>
                  <TableCell>{ACTIONS[e.action] ?? e.action}</TableCell>
                  <TableCell>{e.reference ?? '—'}</TableCell>
                  <TableCell>{e.pupil ?? '—'}</TableCell>
                  <TableCell>
                    <Badge appearance="tint" shape="rounded" color={e.outcome === 'allowed' ? 'success' : 'danger'}>
                      {e.outcome === 'allowed' ? 'Allowed' : 'Refused'}
                    </Badge>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          </div>
        ))}
    </section>
  );
}
