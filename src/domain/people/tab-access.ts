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
  | 'aup-register'
  | 'records';

/** What the server holds about a person besides their roles that opens a view to them. */
export interface TabGrants {
  /** The recipient of a concern about an adult gave them access to at least one such concern. */
  grantedConcerns?: boolean;
}

/**
 * Views in the order the tab lists them. Everyone is staff: anyone can see what happened to their
 * own reports. Someone given access to a concern about an adult lists it under "About adults"
 * (only the concerns granted to them: the list itself decides which).
 */
export function viewsFor(roles: ReadonlySet<TabRole>, grants: TabGrants = {}): TabView[] {
  const views: TabView[] = [];
  if (roles.has('dsl')) views.push('queue');
  if (roles.has('headteacher') || roles.has('chair') || grants.grantedConcerns) views.push('private-concerns');
  if (roles.has('dsl') || roles.has('dpo')) views.push('access-log');
  if (roles.has('dpo')) views.push('records');
  if (roles.has('governor') || roles.has('chair') || roles.has('headteacher')) views.push('governors');
  if (roles.has('admin')) views.push('admin-settings', 'sharing-audit', 'aup-register');
  views.push('my-reports');
  return views;
}

export function canOpen(roles: ReadonlySet<TabRole>, view: TabView, grants: TabGrants = {}): boolean {
  return viewsFor(roles, grants).includes(view);
}
