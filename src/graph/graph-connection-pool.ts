// Microsoft throttles SharePoint and OneDrive per app per tenant, counted in resource units. The
// sharing audit and the AUP audiences sign in as the same app registration, so in one process
// they must spend from one budget: with a budget each, both pacing at 80 % of the limit, the app
// would ask for 160 % of it and be throttled. The pool hands out connections of their own (own
// edges, own counters) over one shared app per registration: one token cache, one budget, one
// set of sockets, released when the last connection closes.
import { createGraph, openGraphApp, type GraphApp, type GraphConnection, type GraphSettings } from './create-graph';

function appKey(settings: GraphSettings): string {
  return [settings.authorityHost ?? '', settings.graphBaseUrl ?? '', settings.tenantId.toLowerCase(), settings.clientId.toLowerCase()].join('|');
}

export class GraphConnectionPool {
  readonly #apps = new Map<string, { app: GraphApp; users: number }>();

  constructor(private readonly open: (settings: GraphSettings) => GraphApp = openGraphApp) {}

  /**
   * A connection for this app registration. The first one opens the app with its settings (the
   * RU limit among them); later ones for the same tenant and client share it.
   */
  connect(settings: GraphSettings): GraphConnection {
    const key = appKey(settings);
    let entry = this.#apps.get(key);
    if (!entry) {
      entry = { app: this.open(settings), users: 0 };
      this.#apps.set(key, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.users--;
      if (held.users === 0 && this.#apps.get(key) === held) {
        this.#apps.delete(key);
        held.app.close();
      }
    };
    return createGraph(settings, { ...held.app, close: release });
  }

  /** How many apps are open (for tests and shutdown checks). */
  get openApps(): number {
    return this.#apps.size;
  }
}
