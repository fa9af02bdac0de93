import { computeExposures, countReachedDescendants } from './exposure';
import { buildFindings, findingIdFor, groupFindingsByOwner } from './findings';
import type { PermissionExposure, PupilDataEvidence } from './types';

const now = new Date('2026-11-22T06:00:00Z');
const link = (scope: PermissionExposure['scope'], overrides: Partial<PermissionExposure> = {}): PermissionExposure => ({
  scope,
  permissionId: `perm-${scope}`,
  linkType: 'view',
  expiresAt: null,
  hasPassword: false,
  inherited: false,
  inheritedFromItemId: null,
  reason: `${scope} link`,
  ...overrides,
});

const nodes = [
  { id: 'root', parentId: null, name: 'root', path: '', isFolder: true },
  { id: 'Y6', parentId: 'root', name: 'Year 6', path: '/Year 6', isFolder: true },
  { id: 'sen', parentId: 'Y6', name: 'SEN register.xlsx', path: '/Year 6/SEN register.xlsx', isFolder: false },
  { id: 'plan', parentId: 'Y6', name: 'Plan.docx', path: '/Year 6/Plan.docx', isFolder: false },
  { id: 'pupils', parentId: 'Y6', name: 'Pupils', path: '/Year 6/Pupils', isFolder: true },
  { id: 'photo', parentId: 'pupils', name: 'Amelia Okonkwo.jpg', path: '/Year 6/Pupils/Amelia Okonkwo.jpg', isFolder: false },
  { id: 'trip', parentId: 'root', name: 'Trip.docx', path: '/Trip.docx', isFolder: false },
  { id: 'menu', parentId: 'root', name: 'Menu.docx', path: '/Menu.docx', isFolder: false },
].map((n) => ({ ...n, webUrl: `https://x/${n.id}` }));

const likely = (reason: string): PupilDataEvidence => ({ likely: true, reasons: [{ kind: 'keyword', reason }] });

function run(rootExposures: Map<string, PermissionExposure>, evidence: Map<string, PupilDataEvidence>) {
  const exposures = computeExposures(nodes, rootExposures, now);
  return buildFindings(
    {
      tenantId: 't1',
      driveId: 'd1',
      items: new Map(nodes.map((n) => [n.id, n])),
      rootExposures,
      exposures,
      reachedDescendants: countReachedDescendants(nodes, rootExposures.keys()),
      evidence,
      owner: () => ({ id: 'u1', displayName: 'Ms Jones', email: 'jones@school.org.uk' }),
    },
    now,
  );
}

describe('buildFindings', () => {
  const evidence = new Map([
    ['sen', likely('Name mentions SEN register')],
    ['pupils', likely('pupil folder')],
    ['photo', { likely: true, reasons: [{ kind: 'image-named-pupil' as const, reason: 'image' }] }],
    ['menu', likely('not exposed, so no finding')],
  ]);

  it('reports every exposed root and the likely pupil data beneath it', () => {
    const findings = run(new Map([['Y6', link('anonymous')], ['trip', link('organization')]]), evidence);
    expect(findings.map((f) => [f.itemId, f.severity, f.exposure.viaItemId, f.exposedDescendants])).toEqual([
      // Anyone link + pupil data beneath it: the root's evidence rests on its descendants.
      ['Y6', 'critical', 'Y6', 4],
      ['pupils', 'critical', 'Y6', 1],
      ['photo', 'critical', 'Y6', 0],
      ['sen', 'critical', 'Y6', 0],
      // An organisation link, no evidence.
      ['trip', 'medium', 'trip', 0],
    ]);
    const root = findings[0];
    expect(root.pupilData.reasons.map((r) => r.reason)).toEqual(['3 exposed items inside are likely pupil data']);
    expect(root.id).toBe(findingIdFor('t1', 'd1', 'Y6'));
    expect(root).toMatchObject({ name: 'Year 6', path: '/Year 6', webUrl: 'https://x/Y6', isFolder: true, owner: { email: 'jones@school.org.uk' } });
  });

  it('does not report an exposed descendant without evidence (it is counted on the root)', () => {
    const findings = run(new Map([['Y6', link('organization')]]), new Map());
    expect(findings.map((f) => [f.itemId, f.severity, f.exposedDescendants])).toEqual([['Y6', 'medium', 4]]);
  });

  it('lowers a password-protected link one step', () => {
    const findings = run(new Map([['Y6', link('anonymous', { hasPassword: true })]]), evidence);
    expect(findings.find((f) => f.itemId === 'sen')?.severity).toBe('high');
  });

  it('finds nothing when nothing is shared', () => {
    expect(run(new Map(), evidence)).toEqual([]);
  });

  it('gives ids that are stable and distinct per tenant, drive and item', () => {
    expect(findingIdFor('t1', 'd1', 'i1')).toBe(findingIdFor('t1', 'd1', 'i1'));
    expect(new Set([findingIdFor('t1', 'd1', 'i1'), findingIdFor('t2', 'd1', 'i1'), findingIdFor('t1', 'd2', 'i1'), findingIdFor('t1', 'd1', 'i2')]).size).toBe(4);
  });
});

describe('groupFindingsByOwner', () => {
  it('makes one digest per owner', () => {
    const findings = run(new Map([['Y6', link('anonymous')], ['trip', link('organization')]]), new Map());
    const { digests, unattributed } = groupFindingsByOwner(findings);
    expect(digests).toHaveLength(1);
    expect(digests[0].findings.map((f) => f.itemId).sort()).toEqual(['Y6', 'trip']);
    expect(unattributed).toEqual([]);
  });

  it('keeps findings whose owner has neither an id nor an email apart, so they are counted rather than dropped', () => {
    const owned = { owner: { id: 'u-1', displayName: 'A', email: null }, itemId: 'a' };
    const byEmail = { owner: { id: null, displayName: 'B', email: 'B@School.org.uk' }, itemId: 'b' };
    const sameEmail = { owner: { id: null, displayName: 'B', email: 'b@school.org.uk' }, itemId: 'c' };
    const nobody = { owner: { id: null, displayName: null, email: null }, itemId: 'd' };
    const { digests, unattributed } = groupFindingsByOwner([owned, byEmail, nobody, sameEmail]);
    expect(digests.map((d) => d.findings.map((f) => f.itemId))).toEqual([['a'], ['b', 'c']]);
    expect(unattributed.map((f) => f.itemId)).toEqual(['d']);
  });
});
