import { canOpen, type TabRole, viewsFor } from './tab-access';

const of = (...roles: TabRole[]) => new Set<TabRole>(['staff', ...roles]);

describe('tab views by role', () => {
  it.each<[TabRole[], string[]]>([
    [[], ['my-reports']],
    [['dsl'], ['queue', 'access-log', 'my-reports']],
    [['dpo'], ['access-log', 'records', 'my-reports']],
    [['governor'], ['governors', 'my-reports']],
    [['chair'], ['private-concerns', 'governors', 'my-reports']],
    [['headteacher'], ['private-concerns', 'governors', 'my-reports']],
    [['admin'], ['admin-settings', 'sharing-audit', 'aup-register', 'my-reports']],
    [['it_manager', 'online_safety_lead'], ['my-reports']],
  ])('%j sees %j', (roles, views) => {
    expect(viewsFor(of(...roles))).toEqual(views);
  });

  it('someone given access to a concern about an adult opens "About adults", whatever their role', () => {
    expect(viewsFor(of(), { grantedConcerns: true })).toEqual(['private-concerns', 'my-reports']);
    expect(viewsFor(of('dsl'), { grantedConcerns: true })).toEqual(['queue', 'private-concerns', 'access-log', 'my-reports']);
    expect(viewsFor(of('dsl'), { grantedConcerns: false })).not.toContain('private-concerns');
  });

  it('only the DSL team opens the queue; governors never do', () => {
    expect(canOpen(of('dsl'), 'queue')).toBe(true);
    for (const role of ['governor', 'chair', 'headteacher', 'admin', 'dpo'] as TabRole[]) expect(canOpen(of(role), 'queue')).toBe(false);
  });
});
