import { useState } from 'react';
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, MessageBar, MessageBarBody, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { AupRegister } from '../api-types';
import { formatDateTime } from '../format';
import { noticeKey, Section, useStyles } from '../common';
import { DataTable } from '../table';

type Version = AupRegister['versions'][number];

const WHAT_HAPPENED: Record<string, string> = { failed: 'Did not arrive', uncertain: 'May have arrived' };

/**
 * People whose AUP card did not arrive (Teams refused it until the tries ran out) or may not have
 * (the sender stopped mid-call), per latest version, with a way to send it again. Sending an
 * uncertain card again is confirmed first: the person may then see it twice.
 */
export function AupStuckSection({ api, versions, onChanged }: { api: Api; versions: readonly Version[]; onChanged: () => void }) {
  const s = useStyles();
  const [notice, setNotice] = useState<{ intent: 'success' | 'error'; text: string }>();
  const [confirming, setConfirming] = useState<Version>();
  const [busy, setBusy] = useState(false);
  const withStuck = versions.filter((v) => v.stuck.length > 0);
  if (!withStuck.length && !notice) return null;
  const retryable = (v: Version, status: 'failed' | 'uncertain') => v.stuck.filter((x) => x.status === status && !x.notRetried).length;
  const sendAgain = async (v: Version, which: 'failed' | 'uncertain') => {
    setBusy(true);
    try {
      const res = await api<{ message: string }>('admin/aup/retry', { method: 'POST', body: { versionId: v.versionId, which } });
      setNotice({ intent: 'success', text: res.message });
      onChanged();
    } catch (e) {
      setNotice({ intent: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
      setConfirming(undefined);
    }
  };
  return (
    <Section title="Cards that did not arrive" id="aup-stuck">
      {notice && (
        <MessageBar key={noticeKey(notice)} intent={notice.intent}>
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      )}
      {withStuck.length === 0 && <Text className={s.muted}>No other card is waiting to be sent again.</Text>}
      {withStuck.map((v) => {
        const failed = retryable(v, 'failed');
        const uncertain = retryable(v, 'uncertain');
        return (
          <div key={v.versionId}>
            <h3 className={s.subheading}>
              {v.audienceTitle}: {v.title} (version {v.versionNumber})
            </h3>
            <DataTable
              label={`Cards that did not arrive, ${v.audienceTitle}`}
              rows={v.stuck}
              rowKey={(x) => `${x.personId}:${x.card}`}
              columns={[
                { header: 'Name', cell: (x) => x.name },
                { header: 'Card', cell: (x) => x.card },
                { header: 'What happened', cell: (x) => WHAT_HAPPENED[x.status] ?? x.status },
                { header: 'When', cell: (x) => formatDateTime(x.at) },
                { header: 'Why', cell: (x) => x.reason ?? '—' },
                { header: 'Sent again?', cell: (x) => (x.notRetried ? `No: ${x.notRetried}` : 'Yes, if you ask') },
              ]}
            />
            <div className={s.row}>
              {failed > 0 && (
                <Button appearance="primary" disabled={busy} onClick={() => void sendAgain(v, 'failed')}>
                  Send again to the {failed === 1 ? 'person' : `${failed} people`} whose card did not arrive
                </Button>
              )}
              {uncertain > 0 && (
                <Button disabled={busy} onClick={() => setConfirming(v)}>
                  Send again to the {uncertain === 1 ? 'person' : `${uncertain} people`} whose card may have arrived…
                </Button>
              )}
            </div>
          </div>
        );
      })}
      <Dialog open={Boolean(confirming)} onOpenChange={(_, d) => !d.open && setConfirming(undefined)}>
        <DialogSurface aria-describedby="aup-uncertain-text">
          <DialogBody>
            <DialogTitle>Send the card again?</DialogTitle>
            <DialogContent id="aup-uncertain-text">
              Jigsaw stopped while Teams was delivering these cards, so some may already be in the person’s chat. Sent again, they may see the card twice. People who have agreed since are left out.
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" disabled={busy} onClick={() => confirming && void sendAgain(confirming, 'uncertain')}>
                Send again
              </Button>
              <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </Section>
  );
}
