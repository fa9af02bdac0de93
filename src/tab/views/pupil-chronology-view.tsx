import { useState } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody, Text } from '@fluentui/react-components';
import { ApiError, downloadFile, type Api } from '../api';
import type { Host } from '../host';
import { formatDateTime } from '../format';
import type { PupilChronology, QueueItem } from '../api-types';
import { ErrorBar, Loading, noticeKey, Section, useLoad, useStyles } from '../common';
import { DataTable } from '../table';
import { ConcernTable } from './queue-view';
import { Chronology } from './concern-detail-view';

/** Everything recorded about one pupil, across the DSL team's concerns: the jigsaw in one place. */
export function PupilChronologyView({ api, host, concernId, position, onBack, onOpen }: { api: Api; host: Host; concernId: string; position: number; onBack: () => void; onOpen: (c: QueueItem) => void }) {
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
          <TransferSection api={api} host={host} base={`concerns/${concernId}/pupils/${position}/transfers`} />
        </>
      )}
    </section>
  );
}

interface Transfers {
  transfers: { transferId: string; destinationSchool: string; concernCount: number; exportedByName: string; exportedAt: string; receiptConfirmedAt?: string; receiptNote?: string }[];
}

/**
 * Moving school (KCSIE): export the file as a PDF for the new school's DSL, within 5 school days,
 * and record their confirmation of receipt.
 */
function TransferSection({ api, host, base }: { api: Api; host: Host; base: string }) {
  const s = useStyles();
  const { data, reload } = useLoad<Transfers>(api, base);
  const [school, setSchool] = useState('');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  // A refused receipt is about a transfer in the table, not the "New school" box: said on its own.
  const [receiptError, setReceiptError] = useState<{ text: string }>();
  const exportFile = async () => {
    setError(undefined);
    setReceiptError(undefined);
    try {
      const { blob, fileName } = await downloadFile(host, base, { destinationSchool: school });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setNotice(`Exported for ${school}. Send it securely to their DSL, then record their confirmation of receipt below.`);
      setSchool('');
      reload();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 400 ? e.message : (e as Error).message);
    }
  };
  const confirm = async (transferId: string) => {
    try {
      await api(`transfers/${transferId}/receipt`, { method: 'POST', body: { note: '' } });
      setReceiptError(undefined);
      setNotice('Receipt recorded.');
      reload();
    } catch (e) {
      setNotice(undefined);
      setReceiptError({ text: (e as Error).message });
      // Recorded by someone else meanwhile: the table shows it.
      reload();
    }
  };
  return (
    <Section title="Moving school: transfer the file" id="pupil-transfer-heading">
      <Text className={s.muted}>The new school's DSL must have the file within 5 school days of the pupil starting there, kept separately from the main pupil file. Exporting is recorded in the access log.</Text>
      {notice && (
        <MessageBar key={notice} intent="success">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      {receiptError && (
        <MessageBar key={noticeKey(receiptError)} intent="error">
          <MessageBarBody>{receiptError.text}</MessageBarBody>
        </MessageBar>
      )}
      <form
        className={s.filters}
        aria-label="Export the file for a new school"
        onSubmit={(e) => {
          e.preventDefault();
          void exportFile();
        }}
      >
        <Field label="New school" required validationMessage={error}>
          <Input value={school} onChange={(_, d) => setSchool(d.value)} />
        </Field>
        <Button type="submit" appearance="primary">
          Export the file (PDF)
        </Button>
      </form>
      {data && data.transfers.length > 0 && (
        <DataTable
          label="Transfers of this file"
          rows={data.transfers}
          rowKey={(t) => t.transferId}
          columns={[
            { header: 'Exported', cell: (t) => formatDateTime(t.exportedAt) },
            { header: 'To', cell: (t) => t.destinationSchool },
            { header: 'By', cell: (t) => t.exportedByName },
            {
              header: 'Receipt',
              cell: (t) =>
                t.receiptConfirmedAt ? (
                  `Confirmed ${formatDateTime(t.receiptConfirmedAt)}`
                ) : (
                  <Button size="small" onClick={() => void confirm(t.transferId)} aria-label={`Record that ${t.destinationSchool} confirmed receipt`}>
                    Record receipt
                  </Button>
                ),
            },
          ]}
        />
      )}
    </Section>
  );
}
