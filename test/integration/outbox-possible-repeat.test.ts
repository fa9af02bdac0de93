// The one window where a concern's card can reach the DSL channel twice: a worker stops after
// Teams accepted the post and before Jigsaw recorded it, so the next worker sends it again
// (failure-restart.test.ts kills a real process there). The copy sent again says so, and names
// itself the card to trust; the words survive the card's later updates (Teams replaces the whole
// message on update), while a card sent once carries no such words.
import { REPORT_VERBS } from '../../src/cards/report-card';
import { TRIAGE_VERBS } from '../../src/cards/triage-card';
import { claimDueOutbox } from '../../src/store/outbox.repo';
import { cardText } from '../support/card-validation';
import type { Db } from '../../src/store/db';
import { type Harness, PEOPLE, startHarness } from '../support/harness';
import { createTestDb, storeKind } from '../support/test-db';
import { act, channelPosts, REPORT_DETAILS } from '../support/triage';

const REPEAT_WORDS = /may have posted concern C-\d{4}-\d{5} here once already.*This card is the one kept up to date/;

describe(`a concern card sent again after an interrupted attempt (${storeKind()})`, () => {
  let h: Harness;
  let db: Db;

  beforeAll(async () => {
    db = await createTestDb();
    // The worker does not run on its own: the test plays the worker that stopped, then the next one.
    h = await startHarness({ db, jigsaw: { runWorker: false } });
  });
  afterAll(async () => {
    await h.stop();
    await db.close();
  });

  let n = 0;
  async function report(): Promise<{ reference: string; concernId: string }> {
    n += 1;
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...REPORT_DETAILS, submissionId: `00000000-0000-4000-9000-00000000aa0${n}` });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body?.value))?.[0];
    if (!reference) throw new Error('no receipt');
    const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id FROM concerns WHERE reference = $1', [reference]);
    return { reference, concernId: row.concern_id };
  }
  async function deliverAll(): Promise<void> {
    while ((await h.app.worker.drainOnce()) > 0);
  }

  it('says it may repeat an earlier post, and keeps saying so when the card is updated', async () => {
    const concern = await report();
    // A worker claimed the post (a claim of 1 ms, as if its lease ran out after it stopped) and never recorded the outcome.
    const claimed = await claimDueOutbox(h.db, new Date(), 10, 1);
    expect(claimed.map((m) => m.payload.concernId)).toContain(concern.concernId);
    await new Promise((r) => setTimeout(r, 5)); // past the 1 ms lease
    await deliverAll();

    const [post] = channelPosts(h, concern.reference);
    expect(String(post!.body.text)).toMatch(REPEAT_WORDS);
    const [row] = await h.db.query<{ result: Record<string, unknown> }>("SELECT result FROM outbox WHERE kind = 'concern.post-to-dsl-channel' AND payload->>'concernId' = $1", [concern.concernId]);
    expect(row!.result).toMatchObject({ activityId: post!.activityId, possibleRepeat: true });

    // A DSL takes ownership: the card is updated in place, and the words stay.
    await act(h, PEOPLE.dsl1, { concernId: concern.concernId, activityId: post!.activityId }, TRIAGE_VERBS.takeOwnership);
    await deliverAll();
    const updates = h.fake.allSent().filter((op) => op.kind === 'update' && op.activityId === post!.activityId);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    const [updated] = channelPosts(h, concern.reference);
    expect(cardText((updated!.body.attachments as { content: unknown }[])[0]!.content)).toMatch(/Dana Lead/);
    expect(String(updated!.body.text)).toMatch(REPEAT_WORDS);
  });

  it('a card sent once says nothing of the kind', async () => {
    const concern = await report();
    await deliverAll();
    const [post] = channelPosts(h, concern.reference);
    expect(post).toBeDefined();
    expect(String(post!.body.text ?? '')).not.toMatch(/may have posted/);
    const [row] = await h.db.query<{ result: Record<string, unknown> }>("SELECT result FROM outbox WHERE kind = 'concern.post-to-dsl-channel' AND payload->>'concernId' = $1", [concern.concernId]);
    expect(row!.result.possibleRepeat).toBeUndefined();
  });
});
