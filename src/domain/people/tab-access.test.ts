import { canOpen, type TabRole, viewsFor } from './tab-access';

const of = (...roles: TabRole[]) => new Set<TabRole>(['staff', ...roles]);

describe('tab views by role', () => {
  it.each<[TabRole[], string[]]>([
    [[], ['my-reports']],
    [['dsl'], ['queue', 'access-log', 'my-reports']],
    [['dpo'], ['access-log', 'my-reports']],
    [['governor'], ['governors', 'my-reports']],
    [['chair'], ['private-concerns', 'governors', 'my-reports']],
    [['headteacher'], ['private-concerns', 'governors', 'my-reports']],
    [['admin'], ['admin-settings', 'sharing-audit', 'aup-register', 'my-reports']],
    [['it_manager', 'online_safety_lead'], ['my-reports']],
  ])('%j sees %j', (roles, views) => {
    expect(viewsFor(of(...roles))).toEqual(views);
  });

  it('only the DSL team opens the queue; governors never do', () => {
    expect(canOpen(of('dsl'), 'queue')).toBe(true);
    for (const role of ['governor', 'chair', 'headteacher', 'admin', 'dpo'] as TabRole[]) expect(canOpen(of(role), 'queue')).toBe(false);
  });
});
