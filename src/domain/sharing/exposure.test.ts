import { computeExposures, countReachedDescendants, exposureRank, pickMostSevere, rootOwnExposure, type TreeNode } from './exposure';
import type { PermissionExposure } from './types';

const now = new Date('2026-11-22T06:00:00Z');
const exposure = (scope: PermissionExposure['scope'], overrides: Partial<PermissionExposure> = {}): PermissionExposure => ({
  scope,
  permissionId: `perm-${scope}`,
  linkType: 'view',
  expiresAt: null,
  hasPassword: false,
  inherited: false,
  inheritedFromItemId: null,
  reason: scope,
  ...overrides,
});

//   root
//   ├── A (folder)            anonymous link
//   │   ├── a1.docx
//   │   └── B (folder)        organisation link
//   │       ├── b1.xlsx
//   │       └── C (folder)    deleted
//   │           └── c1.txt    (orphaned by the deletion)
//   ├── D (folder)            external link with a password
//   │   └── E (folder)        organisation link
//   │       └── e1.pdf
//   └── F (folder)            nothing
//       └── f1.docx
const tree: TreeNode[] = [
  { id: 'root', parentId: null },
  { id: 'A', parentId: 'root' },
  { id: 'a1', parentId: 'A' },
  { id: 'B', parentId: 'A' },
  { id: 'b1', parentId: 'B' },
  { id: 'C', parentId: 'B', deleted: true },
  { id: 'c1', parentId: 'C' },
  { id: 'D', parentId: 'root' },
  { id: 'E', parentId: 'D' },
  { id: 'e1', parentId: 'E' },
  { id: 'F', parentId: 'root' },
  { id: 'f1', parentId: 'F' },
];

describe('computeExposures', () => {
  const roots = new Map<string, PermissionExposure>([
    ['A', exposure('anonymous')],
    ['B', exposure('organization')],
    ['D', exposure('external', { hasPassword: true })],
    ['E', exposure('organization', { permissionId: 'perm-E' })],
  ]);
  const result = computeExposures(tree, roots, now);

  it.each([
    ['the root itself', 'A', 'anonymous', 'A', 0],
    ['a file inherits through its folder', 'a1', 'anonymous', 'A', 1],
    ['a nested root under a wider link keeps the wider one', 'B', 'anonymous', 'A', 1],
    ['two levels down, the most severe root wins', 'b1', 'anonymous', 'A', 2],
    ['a nearer, wider root wins over a farther narrower one', 'e1', 'organization', 'E', 1],
    ['the nested root under a narrower link', 'E', 'organization', 'E', 0],
    ['a password-protected external root', 'D', 'external', 'D', 0],
  ])('%s (%s)', (_label, id, scope, via, depth) => {
    expect(result.get(id)).toMatchObject({ scope, viaItemId: via, depth });
  });

  it.each([
    ['deleted items are not exposed', 'C'],
    ['items under a deleted folder are not exposed', 'c1'],
    ['unshared folders', 'F'],
    ['unshared files', 'f1'],
    ['the drive root above the shares', 'root'],
  ])('%s (%s)', (_label, id) => expect(result.has(id)).toBe(false));

  it('prefers the nearer root between equals', () => {
    const equal = computeExposures(tree, new Map([['A', exposure('anonymous')], ['B', exposure('anonymous', { permissionId: 'pB' })]]), now);
    expect(equal.get('b1')).toMatchObject({ viaItemId: 'B', permissionId: 'pB', depth: 1 });
  });

  it('prefers an unmitigated link to a mitigated one of the same scope', () => {
    const mixed = computeExposures(tree, new Map([['A', exposure('anonymous')], ['B', exposure('anonymous', { hasPassword: true })]]), now);
    expect(mixed.get('b1')).toMatchObject({ viaItemId: 'A' });
  });

  it('ignores a deleted root', () => {
    expect(computeExposures(tree, new Map([['C', exposure('anonymous')]]), now).size).toBe(0);
  });
});

describe('countReachedDescendants', () => {
  it('counts live items under each root, nested roots included', () => {
    expect(Object.fromEntries(countReachedDescendants(tree, ['A', 'B', 'D', 'C']))).toEqual({ A: 3, B: 1, D: 2 });
  });
});

describe('rootOwnExposure', () => {
  it.each([
    ['own links only', [exposure('organization')], [], 'organization'],
    ['an inherited link from a known root is that root’s business', [exposure('anonymous', { inherited: true, inheritedFromItemId: 'A' }), exposure('external')], ['A'], 'external'],
    ['an inherited link from outside the known roots counts', [exposure('anonymous', { inherited: true, inheritedFromItemId: 'site' })], ['A'], 'anonymous'],
    ['an inherited link without a source counts', [exposure('organization', { inherited: true })], ['A'], 'organization'],
    ['nothing', [], [], null],
  ])('%s', (_label, exposures, known, expected) => {
    expect(rootOwnExposure(exposures as PermissionExposure[], new Set(known as string[]), now)?.scope ?? null).toBe(expected);
  });
});

describe('exposureRank and pickMostSevere', () => {
  it('orders anonymous > organisation > external, unmitigated above mitigated', () => {
    const ranks = [
      exposure('anonymous'),
      exposure('anonymous', { hasPassword: true }),
      exposure('organization'),
      exposure('organization', { expiresAt: '2026-11-30T00:00:00Z' }),
      exposure('external'),
      exposure('external', { hasPassword: true }),
    ].map((e) => exposureRank(e, now));
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(6);
  });

  it('picks the first of equals', () => {
    const first = exposure('organization', { permissionId: 'first' });
    expect(pickMostSevere([exposure('external'), first, exposure('organization', { permissionId: 'second' })], now)).toBe(first);
    expect(pickMostSevere([], now)).toBeNull();
  });
});
