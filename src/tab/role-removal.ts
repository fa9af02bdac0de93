/**
 * What taking a role away means, said in the confirmation before it happens. Taking the
 * headteacher or the chair of governors away re-routes concerns about adults (see
 * domain/concerns/routing.ts): the admin must know where they will go, or that nobody will get
 * them, before they click. Pure, so it is tested without a browser.
 */
export interface RoleHolder {
  role: string;
  roleTitle: string;
  name: string;
  aadObjectId: string;
}

const holderOf = (holders: readonly RoleHolder[], role: string, leaving: RoleHolder) => holders.find((h) => h.role === role && h.aadObjectId !== leaving.aadObjectId);

export function roleRemovalConsequences(leaving: RoleHolder, holders: readonly RoleHolder[]): string[] {
  const head = holderOf(holders, 'headteacher', leaving);
  const chair = holderOf(holders, 'chair', leaving);
  const held = 'nobody: they will be stored but not sent, and the person reporting told to speak to someone directly, until someone is given the role';
  switch (leaving.role) {
    case 'headteacher':
      return [
        `${leaving.name} will no longer see concerns about adults, open ones included.`,
        chair
          ? `New concerns about staff and other adults will go to the chair of governors, ${chair.name}, until a new headteacher is given the role.`
          : `New concerns about staff and other adults will go to ${held}.`,
      ];
    case 'chair':
      return [
        `${leaving.name} will no longer see concerns about the headteacher, open ones included.`,
        `New concerns about the headteacher will go to ${held}.`,
        ...(head ? [] : [`With no headteacher either, new concerns about staff and other adults will also go to nobody.`]),
      ];
    case 'dpo':
      return [`Reports of a data breach will no longer be sent to ${leaving.name}, and they lose the access log (unless they are a DSL).`];
    case 'it_manager':
      return [`Notices of a filtering or monitoring failure will no longer be sent to ${leaving.name}.`];
    default:
      return [`${leaving.name} will no longer see what the ${leaving.roleTitle} role opens in Jigsaw.`];
  }
}
