import { useEffect, useRef, useState } from 'react';
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, MessageBar, MessageBarBody, Text } from '@fluentui/react-components';
import type { Api } from '../api';
import type { ConcernDetail } from '../api-types';
import { noticeKey, Section, useStyles } from '../common';
import { accessWithdrawalConsequences } from '../access-withdrawal';

type Person = ConcernDetail['participants'][number];

/**
 * A concern about an adult: the people its recipient gave access to, with "Withdraw access"
 * beside each for the recipient (the server decides again). Imitates "Remove role" in Settings:
 * a confirmation that says what happens, then focus on the next Withdraw button, or the heading.
 */
export function PeopleWithAccess({ api, detail, loading, onDone }: { api: Api; detail: ConcernDetail; loading: boolean; onDone: () => void }) {
  const s = useStyles();
  const canWithdraw = detail.actions.includes('withdraw-participant');
  const [withdrawing, setWithdrawing] = useState<Person>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ intent: 'success' | 'error'; text: string }>();
  const [focusAfter, setFocusAfter] = useState<{ index: number; before: ConcernDetail }>();
  const ref = useRef<HTMLDivElement>(null);
  const actionId = useRef(crypto.randomUUID());
  useEffect(() => {
    // Wait for the concern read after the withdrawal (not the one still on screen, with the person in it).
    if (!focusAfter || loading || detail === focusAfter.before) return;
    const buttons = ref.current?.querySelectorAll<HTMLButtonElement>('button[data-withdraw-access]') ?? [];
    const heading = ref.current?.querySelector<HTMLElement>('#access-heading');
    heading?.setAttribute('tabindex', '-1'); // a heading takes focus only when told it may
    (buttons[Math.min(focusAfter.index, buttons.length - 1)] ?? heading)?.focus();
    setFocusAfter(undefined);
  }, [detail, loading, focusAfter]);

  const withdraw = async () => {
    if (!withdrawing) return;
    const index = detail.participants.findIndex((p) => p.id === withdrawing.id);
    setBusy(true);
    try {
      await api(`concerns/${detail.concern.concernId}/actions`, { method: 'POST', body: { kind: 'withdraw-participant', actionId: actionId.current, values: { withdrawParticipant: withdrawing.id } } });
      setResult({ intent: 'success', text: `Access withdrawn from ${withdrawing.name}.` });
      setFocusAfter({ index: Math.max(index, 0), before: detail });
      onDone();
    } catch (e) {
      setResult({ intent: 'error', text: `${withdrawing.name}: ${(e as Error).message}` });
    } finally {
      actionId.current = crypto.randomUUID();
      setWithdrawing(undefined);
      setBusy(false);
    }
  };

  return (
    <div ref={ref} style={{ display: 'contents' }}>
      <Section title="People with access" id="access-heading">
        {result && (
          <MessageBar key={noticeKey(result)} intent={result.intent}>
            <MessageBarBody>{result.text}</MessageBarBody>
          </MessageBar>
        )}
        <Dialog open={Boolean(withdrawing)} onOpenChange={(_, d) => !d.open && setWithdrawing(undefined)}>
          <DialogSurface aria-describedby="withdraw-access-text">
            <DialogBody>
              <DialogTitle>Withdraw {withdrawing?.name}'s access?</DialogTitle>
              <DialogContent id="withdraw-access-text">
                {withdrawing && accessWithdrawalConsequences(withdrawing.name).map((line) => <p key={line}>{line}</p>)}
              </DialogContent>
              <DialogActions>
                <Button appearance="primary" disabled={busy} onClick={() => void withdraw()}>
                  Withdraw access
                </Button>
                <Button onClick={() => setWithdrawing(undefined)}>Cancel</Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
        {detail.participants.length ? (
          <ul className={s.page} aria-label="People given access">
            {detail.participants.map((p) => (
              <li key={p.id ?? p.name} className={s.row}>
                <span>{p.name}</span>
                {canWithdraw && (
                  <Button size="small" data-withdraw-access="" disabled={busy} onClick={() => setWithdrawing(p)} aria-label={`Withdraw access from ${p.name}`}>
                    Withdraw access…
                  </Button>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <Text className={s.muted}>Nobody else has been given access: only the recipient can see this concern.</Text>
        )}
      </Section>
    </div>
  );
}
