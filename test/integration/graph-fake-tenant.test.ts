// The fake tenant itself: deterministic from a seed, realistic school content, a mix of
// sharing, mutation helpers, and a compact representation at 1,000,000 items.
import { FileKind, makeUpn, startFakeGraphTenant, FakeTenant } from '../fakes/graph-tenant';
import { connectToFake } from '../fakes/graph-tenant/connect';

describe('fake tenant generator', () => {
  it('is deterministic for a seed and different across seeds', () => {
    const a = new FakeTenant({ seed: 5, items: 500 });
    const b = new FakeTenant({ seed: 5, items: 500 });
    const c = new FakeTenant({ seed: 6, items: 500 });
    const names = (t: FakeTenant) => Array.from({ length: t.itemCount }, (_, i) => `${t.parentOf(i)}:${t.nameOf(i)}`);
    expect(names(a)).toEqual(names(b));
    expect(a.sharingRoots()).toEqual(b.sharingRoots());
    expect(names(a)).not.toEqual(names(c));
    expect(a.tenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/u);
  });

  it('builds school content: pupils with diacritics, class lists, SEN registers, pupil photos, MIS exports', () => {
    const t = new FakeTenant({ seed: 1, items: 5000, pupils: 40 });
    const all = Array.from({ length: t.itemCount }, (_, i) => t.nameOf(i));
    expect(all.some((n) => /^Class list /u.test(n))).toBe(true);
    expect(all.some((n) => /^SEN register /u.test(n))).toBe(true);
    expect(all.some((n) => /sports day\.jpg$/u.test(n))).toBe(true);
    expect(all.some((n) => /pupils export .*\.csv$/u.test(n))).toBe(true);
    expect(all.some((n) => /[À-ɏ]/u.test(n))).toBe(true);
    const pupils = t.users.filter((u) => u.role === 'student');
    expect(pupils).toHaveLength(40);
    // Files named after a pupil name a real pupil of the roster (in one of several written forms).
    const photo = Array.from({ length: t.itemCount }, (_, i) => i).find((i) => !t.isFolder(i) && t.fileKindOf(i) === FileKind.PupilPhoto)!;
    const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/gu, '').toLowerCase().replace(/[^a-z]/gu, '');
    expect(pupils.some((p) => fold(t.nameOf(photo)).includes(fold(p.givenName)) && fold(t.nameOf(photo)).includes(fold(p.surname)))).toBe(true);
  });

  it('writes MIS-style CSV content with valid UPNs, and look-alikes whose check letter fails', () => {
    const t = new FakeTenant({ seed: 2, items: 10 });
    const id = t.addItem(t.drives[0]!.root, { name: 'Year 7 export.csv', kind: FileKind.MisExport });
    const text = t.contentOf(t.itemIndex(id), 4096).toString('utf8');
    expect(text.split('\n')[0]).toBe('UPN,Legal Surname,Legal Forename,DOB,Year,Reg Group,SEN,FSM');
    const check = (upn: string) => {
      const alphabet = 'ABCDEFGHJKLMNPQRTUVWXYZ';
      let sum = 0;
      for (let i = 1; i < 13; i++) sum += (i + 1) * Number(upn[i]);
      return alphabet[sum % 23] === upn[0];
    };
    const upns = text.split('\n').slice(1).map((l) => l.split(',')[0]!).filter((u) => u.length === 13);
    expect(upns.length).toBeGreaterThan(10);
    expect(upns.every(check)).toBe(true);
    expect(check(makeUpn(12345, false))).toBe(false);
  });

  it('mixes anyone, organisation, external, internal, expired, password and no-link sharing roots', () => {
    const t = new FakeTenant({ seed: 9, items: 20000, sharingRootShare: 0.02 });
    const perms = t.sharingRoots().flatMap((i) => t.ownPermissions(i));
    const now = Date.now();
    expect(perms.some((p) => p.link?.scope === 'anonymous' && !p.expiresAt)).toBe(true);
    expect(perms.some((p) => p.link?.scope === 'anonymous' && p.expiresAt && Date.parse(p.expiresAt) < now)).toBe(true);
    expect(perms.some((p) => p.link?.scope === 'anonymous' && p.hasPassword)).toBe(true);
    expect(perms.some((p) => p.link?.scope === 'organization')).toBe(true);
    expect(perms.some((p) => p.link?.scope === 'users' && p.grantees.some((g) => g.kind === 'external'))).toBe(true);
    expect(perms.some((p) => !p.link && p.grantees.some((g) => g.kind === 'external'))).toBe(true);
    expect(perms.some((p) => p.link?.scope === 'users' && p.grantees.every((g) => g.kind === 'member'))).toBe(true);
    expect(t.sharingRoots().some((i) => t.ownPermissions(i).length === 0)).toBe(true);
    const share = t.sharingRoots().length / t.itemCount;
    expect(share).toBeGreaterThan(0.012);
    expect(share).toBeLessThan(0.03);
  });

  it('stays compact at 1,000,000 items', () => {
    const before = process.memoryUsage();
    const t = new FakeTenant({ seed: 4, items: 1_000_000, staff: 120, pupils: 900, sites: 10 });
    const after = process.memoryUsage();
    expect(t.itemCount).toBe(1_000_000);
    // ~18 bytes of typed arrays per item (capacity included); names are derived, not stored.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(40e6);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(60e6);
    expect(t.pathOf(999_999)).toMatch(/^\//u);
  });

  it('refuses to list site drives when sites are switched off, as a tenant without them', async () => {
    const fake = await startFakeGraphTenant({ tenant: { items: 50, sites: 1 }, sitesEnabled: false });
    const c = connectToFake(fake);
    try {
      const r = await c.edge.send('GET', '/sites?search=*');
      expect(r.status).toBe(404);
      fake.api.setSitesEnabled(true);
      const ok = await c.edge.send('GET', '/sites?search=*');
      expect((ok.body as { value: unknown[] }).value).toHaveLength(1);
    } finally {
      c.close();
      await fake.close();
    }
  });
});
