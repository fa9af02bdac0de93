import { REPORT_VERBS } from '../../src/cards/report-card';
import { cardText } from '../support/card-validation';
import { eventually, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

/**
 * Display names come from Teams (the DSL channel's roster), where a guest or anyone allowed to
 * rename themselves chooses them. In a message's text (not a card) they must stay names: no
 * link, no formatting, no extra mention, and each mention entity must match the text exactly.
 */
const HOSTILE = {
  [PEOPLE.dsl1.aadObjectId]: '[click](https://evil.example) Dana',
  [PEOPLE.dsl2.aadObjectId]: 'Priya</at> <at>Everyone **now** <script>x</script>',
  [PEOPLE.admin.aadObjectId]: 'Ari &amp; _Admin_',
};

const LINK = /\[[^\]]*\]\([^)]*\)/;

describe(`names in message text (${storeKind()})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      connector: {
        rateLimits: false,
        users: Object.values(PEOPLE).map((p) => ({ aadObjectId: p.aadObjectId, name: HOSTILE[p.aadObjectId] ?? p.name, id: p.teamsId })),
      },
    });
  });
  afterAll(() => h.stop());

  it('mentions every DSL in an urgent concern without letting a name add links, tags or mentions', async () => {
    const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, {
      submissionId: '00000000-0000-4000-8000-0000000000a1',
      category: 'grooming',
      about: 'pupil',
      pupils: 'Amelia Okonkwo',
      whatHappened: 'An adult online asked Amelia to keep their chats secret and to meet.',
      occurredOn: '2026-11-20',
      location: 'Online',
      urgency: 'urgent',
    });
    const reference = /C-\d{4}-\d{5}/.exec(cardText(res.body.value))?.[0]!;
    const mention = await eventually(
      () => h.fake.findByText(`URGENT concern ${reference}:`).find((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id) && m.threadRootId),
      5000,
      'the urgent mention',
    );
    const body = mention.body as { text: string; entities: { type: string; text: string; mentioned: { id: string; name: string } }[] };
    expect(body.entities).toHaveLength(3);
    // One <at> tag per DSL, no more: "</at> <at>Everyone" stays inside Priya's name.
    expect(body.text.match(/<at>/g)).toHaveLength(3);
    expect(body.text.match(/<\/at>/g)).toHaveLength(3);
    expect(body.text).not.toMatch(LINK);
    expect(body.text).not.toMatch(/<script|\*\*|_Admin_/);
    for (const entity of body.entities) {
      // Teams ignores a mention whose text is not part of the message text.
      expect(body.text).toContain(entity.text);
      expect(entity.text).toMatch(/^<at>[^<>]*<\/at>$/);
    }
    // The entity still names the person as Teams knows them.
    expect(body.entities.map((e) => e.mentioned.name).sort()).toEqual(Object.values(HOSTILE).sort());
    expect(body.text).toContain('Ari &amp;amp; ');
  });

  it('lists the DSL team after setup without letting a name add links or tags', async () => {
    const [confirmation] = h.fake.findByText('is now the DSL channel');
    const text = String((confirmation.body as { text?: string }).text);
    expect(text).toContain('Dana');
    expect(text).not.toMatch(LINK);
    expect(text).not.toMatch(/<\/?at>|<script|\*\*/);
  });
});
