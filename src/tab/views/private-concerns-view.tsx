import { Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { QueueItem, QueueResponse } from '../api-types';
import { Empty, ErrorBar, Loading, useLoad, useStyles } from '../common';
import { ConcernTable } from './queue-view';

/** Concerns about adults, seen only by their recipient (headteacher or chair) and whom they let in. */
export function PrivateConcernsView({ api, onOpen }: { api: Api; onOpen: (c: QueueItem) => void }) {
  const s = useStyles();
  const { data, error, loading } = useLoad<QueueResponse>(api, 'private-concerns');
  return (
    <section className={s.page} aria-labelledby="private-heading">
      <h1 className={s.heading} id="private-heading">
        Concerns about adults
      </h1>
      <Text className={s.muted}>Only their recipient (the headteacher, or the chair of governors) and the people they give access to can see these. They never go to the DSL channel.</Text>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (data.concerns.length ? <ConcernTable items={data.concerns} title="Concerns about adults" onOpen={onOpen} /> : <Empty>There are no concerns about adults for you.</Empty>)}
    </section>
  );
}
