/**
 * What each person may open in the tab, decided from the roles the server holds for them
 * (DSL channel roster, configured role holders). Pure: the edges resolve the roles.
 */
export type TabRole = 'staff' | 'dsl' | 'admin' | 'headteacher' | 'chair' | 'dpo' | 'governor' | 'it_manager' | 'online_safety_lead';

export type TabView =
  | 'my-reports'
  | 'queue'
  | 'private-concerns'
  | 'access-log'
  | 'governors'
  | 'admin-settings'
  | 'sharing-audit'
  | 'aup-register';

/** Views in the order the tab lists them. Everyone is staff: anyone can see what happened to their own reports. */
export function viewsFor(roles: ReadonlySet<TabRole>): TabView[] {
  const views: TabView[] = [];
  if (roles.has('dsl')) views.push('queue');
  if (roles.has('headteacher') || roles.has('chair')) views.push('private-concerns');
  if (roles.has('dsl') || roles.has('dpo')) views.push('access-log');
  if (roles.has('governor') || roles.has('chair') || roles.has('headteacher')) views.push('governors');
  if (roles.has('admin')) views.push('admin-settings', 'sharing-audit', 'aup-register');
  views.push('my-reports');
  return views;
}

export function canOpen(roles: ReadonlySet<TabRole>, view: TabView): boolean {
  return viewsFor(roles).includes(view);
}
