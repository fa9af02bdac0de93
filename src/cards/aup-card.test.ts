import { adaptiveCardProblems, cardText, findActions } from '../../test/support/card-validation';
import { cardBytes, CARD_MAX_BYTES } from './card-size';
import { AUP_VERBS, buildAupCard, buildAupOutstandingCard, buildAupProgressCard, buildMyAupCard, CARD_BODY_MAX_BYTES, type AupCardView } from './aup-card';

const VERSION = '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const staff: Omit<AupCardView, 'state'> = {
  versionId: VERSION,
  audience: 'staff',
  title: 'Staff AUP [click](https://evil.example) <at>Everyone</at>',
  versionNumber: 2,
  effectiveOn: '1 Dec 2026',
  summary: 'How we use school systems.',
  changeSummary: 'New section on AI tools.',
  body: 'I will **not** share pupil data.',
  linkUrl: 'https://school.example/aup.pdf',
};

describe('AUP cards', () => {
  it.each<AupCardView['state']>([{ kind: 'ask' }, { kind: 'reminder', number: 1, deadline: '22 Dec 2026' }, { kind: 'renewal' }, { kind: 'acknowledged', at: '2 Dec 2026, 09:00' }, { kind: 'superseded' }])('%o is a valid 1.5 card', (state) => {
    const card = buildAupCard({ ...staff, state });
    expect(adaptiveCardProblems(card)).toEqual([]);
  });

  it('the ask card: read, open, agree with the version id only; admin text never as markdown', () => {
    const card = buildAupCard({ ...staff, refreshUserIds: ['29:abc'], state: { kind: 'ask' } });
    const actions = findActions(card);
    expect(actions.map((a) => a.type)).toEqual(['Action.ShowCard', 'Action.OpenUrl', 'Action.Execute', 'Action.Execute']);
    expect(actions.find((a) => a.verb === AUP_VERBS.agree)?.data).toEqual({ verb: AUP_VERBS.agree, versionId: VERSION });
    expect(card.refresh).toEqual({ action: expect.objectContaining({ verb: AUP_VERBS.refresh, data: { verb: AUP_VERBS.refresh, versionId: VERSION } }), userIds: ['29:abc'] });
    // Admin text only inside TextRuns.
    const json = JSON.stringify(card);
    const textBlocks = JSON.stringify(card.body.filter((e) => e.type === 'TextBlock'));
    expect(textBlocks).not.toContain('evil.example');
    expect(json).toContain('"type":"TextRun","text":"Staff AUP [click](https://evil.example) <at>Everyone</at>"');
    expect(cardText(card)).toContain('What changed');
  });

  it('the acknowledged card has no agree button; the first version shows no "what changed"', () => {
    const card = buildAupCard({ ...staff, versionNumber: 1, state: { kind: 'acknowledged', at: '2 Dec 2026, 09:00' } });
    expect(findActions(card).some((a) => a.verb === AUP_VERBS.agree)).toBe(false);
    expect(cardText(card)).toContain('Acknowledged on 2 Dec 2026, 09:00');
    expect(cardText(card)).not.toContain('What changed');
  });

  it('pupil cards use the plain words of the model pupil AUP', () => {
    const card = buildAupCard({ ...staff, audience: 'pupils-ks2', state: { kind: 'ask' } });
    expect(cardText(card)).toContain('Keeping safe: stop, think, before you click!');
    expect(cardText(card)).toContain('I agree to follow the rules');
    expect(findActions(card).find((a) => a.verb === AUP_VERBS.agree)?.title).toBe('I have read the rules and I agree');
  });

  it('minimal data: a link only, and a body longer than the card allows', () => {
    const linkOnly = buildAupCard({ versionId: VERSION, audience: 'governors', title: 'G', versionNumber: 1, effectiveOn: '1 Dec 2026', linkUrl: 'https://x.example', state: { kind: 'ask' } });
    expect(adaptiveCardProblems(linkOnly)).toEqual([]);
    const long = buildAupCard({ ...staff, body: 'x'.repeat(CARD_BODY_MAX_BYTES + 500), state: { kind: 'ask' } });
    expect(JSON.stringify(long).length).toBeLessThan(28 * 1024);
    expect(cardText(long)).toContain('cut short');
    const fits = buildAupCard({ ...staff, body: 'x'.repeat(CARD_BODY_MAX_BYTES), state: { kind: 'ask' } });
    expect(cardText(fits)).not.toContain('cut short');
  });

  it('a policy in Chinese or Hindi at 12,000 characters is cut by its size in bytes, so the card still fits in a Teams message', () => {
    for (const script of ['规', 'नि', '😀']) {
      const body = `${script.repeat(6_000)}\n"${script.repeat(6_000)}"`;
      const long = buildAupCard({ ...staff, body, state: { kind: 'ask' } });
      expect(cardBytes(long)).toBeLessThanOrEqual(CARD_MAX_BYTES);
      expect(cardText(long)).toContain('cut short');
      expect(adaptiveCardProblems(long)).toEqual([]);
      // Never half a character (an emoji is two UTF-16 code units).
      expect(JSON.stringify(long)).not.toMatch(/\\ud83d(?!\\ude00)/i);
    }
  });

  it('what have I agreed to, progress and outstanding cards are valid', () => {
    const mine = buildMyAupCard(
      [
        { title: 'Staff AUP', audience: 'staff', versionNumber: 2, versionId: VERSION, status: 'current', acknowledgedAt: '2 Dec 2026, 09:00', expiresOn: '2 Dec 2027', acknowledgedVersion: 2 },
        { title: 'Governors AUP', audience: 'governors', versionNumber: 3, versionId: VERSION, status: 'expired', acknowledgedAt: '1 Jan 2026, 09:00', acknowledgedVersion: 2 },
      ],
      [{ title: 'Staff AUP', versionNumber: 2, at: '2 Dec 2026, 09:00', method: 'in Teams' }],
    );
    expect(adaptiveCardProblems(mine)).toEqual([]);
    expect(cardText(mine)).toContain('it has changed since');
    expect(adaptiveCardProblems(buildMyAupCard([], []))).toEqual([]);
    const progress = buildAupProgressCard({ versionId: VERSION, title: 'Staff AUP', audience: 'staff', versionNumber: 2, total: 10, queued: 2, sending: 1, sent: 6, uncertain: 1, failed: 0, skipped: 0, acknowledged: 3, updatedAt: 'now', done: false });
    expect(adaptiveCardProblems(progress)).toEqual([]);
    expect(cardText(progress)).toContain('6 (60%)');
    expect(cardText(progress)).toContain('--uncertain');
    // Cards Teams refused: the admin is told how to see who and send them again.
    const failed = buildAupProgressCard({ versionId: VERSION, title: 'Staff AUP', audience: 'staff', versionNumber: 2, total: 10, queued: 0, sending: 0, sent: 8, uncertain: 0, failed: 2, skipped: 0, acknowledged: 3, updatedAt: 'now', done: true });
    expect(adaptiveCardProblems(failed)).toEqual([]);
    expect(cardText(failed)).toContain(`jigsaw aup stuck ${VERSION}`);
    expect(cardText(failed)).toContain(`jigsaw aup retry ${VERSION} --failed`);
    // Replaced mid-broadcast: said in the heading, with the replacing version's number.
    const replaced = buildAupProgressCard({ versionId: VERSION, title: 'Staff AUP', audience: 'staff', versionNumber: 2, total: 10, queued: 0, sending: 0, sent: 4, uncertain: 0, failed: 0, skipped: 6, acknowledged: 1, updatedAt: 'now', done: true, replacedBy: 3 });
    expect(adaptiveCardProblems(replaced)).toEqual([]);
    expect(cardText(replaced)).toContain('AUP broadcast replaced by version 3');
    expect(cardText(replaced)).not.toContain('AUP broadcast finished');
    const outstanding = buildAupOutstandingCard({ title: 'Staff AUP', audience: 'staff', versionNumber: 2, deadline: '22 Dec 2026', total: 80, people: Array.from({ length: 60 }, (_, i) => ({ name: `Person ${i}`, sentOn: '1 Dec 2026' })) });
    expect(adaptiveCardProblems(outstanding)).toEqual([]);
    expect(cardText(outstanding)).toContain('and 10 more');
  });
});
