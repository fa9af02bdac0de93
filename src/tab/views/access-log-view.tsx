import { Badge, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { AccessLog } from '../api-types';
import { formatDateTime } from '../format';
import { Empty, ErrorBar, Loading, useLoad, useStyles } from '../common';
import { DataTable } from '../table';

const ACTIONS: Record<string, string> = { 'concern.view': "Opened a concern's details", 'pupil.chronology.view': "Opened a pupil's chronology", 'pupil.file.export': "Exported a pupil's file for a new school", 'access-log.view': 'Read the access log', 'records.view': 'Read the records’ retention' };

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
          <DataTable
            label="Access log"
            rows={data.entries}
            columns={[
              { header: 'When', cell: (e) => formatDateTime(e.at) },
              { header: 'Who', cell: (e) => e.actorName },
              { header: 'What', cell: (e) => ACTIONS[e.action] ?? e.action },
              { header: 'Concern', cell: (e) => e.reference ?? '—' },
              { header: 'Pupil', cell: (e) => e.pupil ?? '—' },
              {
                header: 'Outcome',
                cell: (e) => (
                  <Badge appearance="tint" shape="rounded" color={e.outcome === 'allowed' ? 'success' : 'danger'}>
                    {e.outcome === 'allowed' ? 'Allowed' : 'Refused'}
                  </Badge>
                ),
              },
            ]}
          />
          </div>
        ))}
    </section>
  );
}
