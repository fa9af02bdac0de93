import { Button, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { PupilChronology, QueueItem } from '../api-types';
import { ErrorBar, Loading, Section, useLoad, useStyles } from '../common';
import { ConcernTable } from './queue-view';
import { Chronology } from './concern-detail-view';

/** Everything recorded about one pupil, across the DSL team's concerns: the jigsaw in one place. */
export function PupilChronologyView({ api, concernId, position, onBack, onOpen }: { api: Api; concernId: string; position: number; onBack: () => void; onOpen: (c: QueueItem) => void }) {
  const s = useStyles();
  const { data, error, loading } = useLoad<PupilChronology>(api, `concerns/${concernId}/pupils/${position}/chronology`);
  return (
    <section className={s.page} aria-labelledby="pupil-heading">
      <div className={s.row} data-print="hide">
        <Button onClick={onBack}>Back</Button>
        {data && (
          <Button appearance="secondary" onClick={() => window.print()}>
            Print or save as PDF
          </Button>
        )}
      </div>
      {error && <ErrorBar error={error} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <h1 className={s.heading} id="pupil-heading">
            Chronology: {data.pupil.name}
          </h1>
          <Text className={s.muted}>
            {data.concerns.length === 1 ? '1 concern' : `${data.concerns.length} concerns`} name this pupil. Opening this chronology has been recorded in the access log.
          </Text>
          <Section title="Concerns" id="pupil-concerns-heading">
            <ConcernTable items={data.concerns} title={`Concerns about ${data.pupil.name}`} onOpen={onOpen} framed={false} />
          </Section>
          <Section title="Everything recorded, oldest first" id="pupil-events-heading">
            <Chronology events={data.events} showReference />
          </Section>
        </>
      )}
    </section>
  );
}
