import { userInfo } from 'node:os';

/** The operating-system user running the CLI, as a safe id (recorded beside the name an admin gives). */
export function cliUserName(): string {
  try {
    return userInfo().username.replace(/[^\w.@-]/g, '').slice(0, 64) || 'unknown';
  } catch {
    return 'unknown';
  }
}
