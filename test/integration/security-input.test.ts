import { REPORT_VERBS } from '../../src/cards/report-card';
import { upsertTenant } from '../../src/store/tenant.repo';
import { channelInvoke, personalInvoke, personalMessage } from '../support/activities';
import { adaptiveCardProblems, cardText } from '../support/card-validation';
import { eventually, eventuallySome, type Harness, PEOPLE, SCHOOL, startHarness } from '../support/harness';
import { storeKind } from '../support/test-db';

/**
 * Hostile input through the real HTTP path (local mode: JWTs are security-auth.test.ts's job).
 * Tenant isolation: the deployment serves two schools (a trust); a third tenant is not served.
 * Injection: SQL and markdown in every report field is stored and shown exactly as typed.
 */
const OTHER_SCHOOL = '7a2d3c4b-0000-4000-8000-000000000002';
const NOT_SERVED = '8b3e4d5c-0000-4000-8000-000000000003';

const BASE = { category: 'online-bullying', about: 'pupil', occurredOn: '2026-11-20', urgency: 'standard' };

function reference(res: { body: any }): string {
  const ref = /C-\d{4}-\d{5}/.exec(cardText(res.body?.value))?.[0];
  if (!ref) throw new Error(`no receipt: ${JSON.stringify(res.body).slice(0, 400)}`);
  return ref;
}

/** Every TextRun / TextBlock text in a card, with the element type it sits in. */
function textElements(node: unknown, out: { type: string; text: string }[] = []): { type: string; text: string }[] {
  if (Array.isArray(node)) node.forEach((n) => textElements(n, out));
  else if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    if (typeof n.text === 'string' && typeof n.type === 'string') out.push({ type: n.type, text: n.text });
    Object.values(n).forEach((v) => typeof v === 'object' && textElements(v, out));
  }
  return out;
}

describe(`security: hostile input (${storeKind()})`, () => {
  let h: Harness;
  let seq = 0;
  const submissionId = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  beforeAll(async () => {
    h = await startHarness({ connector: { rateLimits: false }, env: { ALLOWED_TENANT_IDS: `${SCHOOL.tenantId},${OTHER_SCHOOL}` } });
    await upsertTenant(h.db, { tenantId: OTHER_SCHOOL, schoolName: 'Other Academy', timeZone: 'Europe/London' });
  });
  afterAll(() => h.stop());

  describe('tenant isolation', () => {
    let concernId: string;
    let ref: string;
    const snapshot = async () => ({
      concerns: await h.db.query('SELECT concern_id, status, event_count, head_hash, updated_at FROM concerns WHERE tenant_id = $1 ORDER BY concern_id', [SCHOOL.tenantId]),
      events: await h.db.query('SELECT count(*)::int AS n FROM concern_events WHERE tenant_id = $1', [SCHOOL.tenantId]),
      outbox: await h.db.query('SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1', [SCHOOL.tenantId]),
      accessLog: await h.db.query('SELECT count(*)::int AS n FROM access_log WHERE tenant_id = $1', [SCHOOL.tenantId]).catch(() => []),
    });

    beforeAll(async () => {
      ref = reference(await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...BASE, submissionId: submissionId(), pupils: 'Isolation Pupil', whatHappened: 'A concern that belongs to the first school only.', location: 'Hall' }));
      const [row] = await h.db.query<{ concern_id: string }>('SELECT concern_id FROM concerns WHERE reference = $1 AND tenant_id = $2', [ref, SCHOOL.tenantId]);
      concernId = row.concern_id;
      await eventuallySome(() => h.fake.findByText(`Concern ${ref}`), 5000, 'channel card');
      await eventually(async () => (await h.db.query("SELECT 1 FROM outbox WHERE status <> 'sent'")).length === 0, 5000, 'outbox drained');
    });

    const VERBS = ['concern.take-ownership', 'concern.add-note', 'concern.set-risk', 'concern.close', 'concern.reopen', 'concern.record-action', 'concern.record-sharing', 'concern.link', 'concern.add-participant', 'concern.refresh', REPORT_VERBS.submit, 'aup.agree', 'audit.remove-link', 'audit.owner-remove'];
    const hostileData = () => ({
      concernId: '__ID__',
      reference: '__REF__',
      tenantId: SCHOOL.tenantId,
      reporterAadId: PEOPLE.dsl1.aadObjectId,
      aadObjectId: PEOPLE.dsl1.aadObjectId,
      note: 'cross-tenant note',
      riskLevel: 'high',
      reason: 'cross-tenant close',
      otherReference: '__REF__',
      ...BASE,
      pupils: 'Cross Tenant',
      whatHappened: 'A concern injected from another tenant.',
      location: 'Elsewhere',
      submissionId: submissionId(),
    });

    it.each([
      ['a served tenant (same trust)', OTHER_SCHOOL],
      ['a tenant this deployment does not serve', NOT_SERVED],
    ])('an invoke from %s naming this school\'s concern changes nothing here', async (_name, tenantId) => {
      const before = await snapshot();
      const ctx = { ...h.ctx, tenantId };
      // Same Entra object id as this school's DSL: ids are only meaningful within their tenant.
      const impostor = { ...PEOPLE.dsl1 };
      for (const verb of VERBS) {
        const data = JSON.parse(JSON.stringify(hostileData()).replaceAll('__ID__', concernId).replaceAll('__REF__', ref));
        const personal = await h.post(personalInvoke(ctx, impostor, `a:other-${tenantId}`, verb, data));
        expect(personal.status).toBeLessThan(500);
        const inOurChannel = await h.post(channelInvoke(ctx, impostor, { team: SCHOOL.team, channel: SCHOOL.dslChannel, rootId: '1' }, verb, data));
        expect(inOurChannel.status).toBeLessThan(500);
        for (const res of [personal, inOurChannel]) {
          expect(JSON.stringify(res.body ?? '')).not.toContain('Isolation Pupil');
          expect(JSON.stringify(res.body ?? '')).not.toContain('first school only');
        }
      }
      expect(await snapshot()).toEqual(before);
      expect(await h.db.query('SELECT 1 FROM concerns WHERE tenant_id = $1', [NOT_SERVED])).toHaveLength(0);
    });

    it('trusts conversation.tenantId over a contradicting channelData.tenant.id, and the other school sees none of this one', async () => {
      const before = await snapshot();
      const activity = personalInvoke({ ...h.ctx, tenantId: NOT_SERVED }, PEOPLE.teacher, 'a:mixed', REPORT_VERBS.submit, { ...hostileData(), submissionId: submissionId() });
      (activity.channelData as { tenant: { id: string } }).tenant.id = SCHOOL.tenantId;
      const res = await h.post(activity);
      expect(res.status).toBeLessThan(500);
      expect(cardText(res.body?.value)).not.toMatch(/C-\d{4}-\d{5}/);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('injection strings are stored and shown literally', () => {
    const SQL = ["Robert'); DROP TABLE concerns; --", "' OR '1'='1' --", '1; DELETE FROM concern_events WHERE true; --', '$1 $2 \\x27 E\'\\\\\' ::text', "'); SELECT pg_sleep(5); --"];
    const MARKDOWN = ['**bold** _it_ [click](https://evil.example/phish) ![x](https://evil.example/t.png)', '<at>Dana Lead</at> <script>alert(1)</script> &amp; &lt;b&gt;', '# Heading\n- list\n1. item\n> quote\n`code`', '{{DATE(2017-02-14T06:08:39Z, SHORT)}} ${ref} @everyone', 'line one\nline two\n\ttabbed\n```\nfenced\n```'];
    // Pupil names are split on , ; and newlines and kept on one line (cleanLine): give one name.
    const NAME_SAFE = (s: string) => s.replace(/[,;\s]+/g, ' ').slice(0, 100).trim();

    it.each([...SQL, ...MARKDOWN].map((s, i) => [i, s]))('case %i is stored exactly and shown in TextRuns', async (_i, hostile) => {
      const line = hostile.replace(/\s+/g, ' ').slice(0, 200);
      const values = {
        pupils: NAME_SAFE(hostile) || 'Pupil',
        whatHappened: `${hostile} (what happened)`,
        childWords: hostile,
        location: line,
        actionTaken: hostile,
      };
      const res = await h.invoke(PEOPLE.teacher, REPORT_VERBS.submit, { ...BASE, submissionId: submissionId(), ...values });
      expect(res.status).toBe(200);
      expect(adaptiveCardProblems(res.body.value)).toEqual([]);
      const ref = reference(res);
      // The receipt never echoes what was typed.
      expect(JSON.stringify(res.body.value)).not.toContain(values.whatHappened);

      const [row] = await h.db.query<{ concern_id: string; what_happened_enc: string }>('SELECT concern_id, what_happened_enc FROM concerns WHERE reference = $1', [ref]);
      expect(row.what_happened_enc).not.toContain(hostile);
      const stored = await h.app.concerns.get(h.db, SCHOOL.tenantId, row.concern_id);
      expect(stored).toMatchObject({ whatHappened: values.whatHappened, childWords: values.childWords, location: values.location, actionTaken: values.actionTaken, pupils: [values.pupils] });
      expect(await h.db.query('SELECT count(*)::int AS n FROM concern_events WHERE concern_id = $1', [row.concern_id])).toEqual([{ n: 1 }]);

      const [posted] = await eventuallySome(() => h.fake.findByText(`Concern ${ref}`).filter((m) => m.conversationId.startsWith(SCHOOL.dslChannel.id)), 5000, 'channel card');
      const card = (posted.body.attachments as { content: unknown }[])[0].content;
      expect(adaptiveCardProblems(card)).toEqual([]);
      const elements = textElements(card);
      for (const value of Object.values(values)) {
        const holders = elements.filter((e) => e.text.includes(value));
        expect(holders.length).toBeGreaterThan(0);
        // Shown only where Adaptive Cards never interpret markdown.
        expect(holders.every((e) => e.type === 'TextRun')).toBe(true);
      }
    });

    it('keeps hostile text typed into the chat literally in the form it offers back', async () => {
      const typed = "**urgent** [x](https://evil.example) '); DROP TABLE concerns; --";
      await h.post(personalMessage(h.ctx, PEOPLE.teacher, h.personalConversationId(PEOPLE.teacher), typed));
      const card = await eventually(() => {
        const c = h.fake.lastCardIn(h.personalConversationId(PEOPLE.teacher));
        return c && JSON.stringify(c).includes('evil.example') ? c : undefined;
      }, 5000, 'card keeping the typed text');
      expect(adaptiveCardProblems(card)).toEqual([]);
      expect(JSON.stringify(card)).toContain(JSON.stringify(typed).slice(1, -1));
      expect(textElements(card).filter((e) => e.type === 'TextBlock' && e.text.includes('evil.example'))).toEqual([]);
      expect((await h.db.query('SELECT count(*)::int AS n FROM concerns'))[0]).toBeDefined();
    });
  });
});
