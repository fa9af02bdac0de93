import { lazySharingAuditConnection, type SharingAuditConnection } from './sharing-audit-connection';

describe('lazySharingAuditConnection', () => {
  const fakeConnection = (closed: string[], name: string) => ({ tenantId: name, close: () => closed.push(name) }) as unknown as SharingAuditConnection;

  it('opens nothing until first used, then one connection shared by every caller', () => {
    const opened: string[] = [];
    const lazy = lazySharingAuditConnection(() => (opened.push('c'), fakeConnection([], `c${opened.length}`)));
    expect(opened).toEqual([]);
    expect(lazy.get()).toBe(lazy.get());
    expect(opened).toEqual(['c']);
  });

  it('closes the open connection when the app stops, and opens a fresh one if used again', () => {
    const closed: string[] = [];
    let n = 0;
    const lazy = lazySharingAuditConnection(() => fakeConnection(closed, `c${++n}`));
    lazy.close(); // never opened: nothing to close
    expect(closed).toEqual([]);
    expect(lazy.get().tenantId).toBe('c1');
    lazy.close();
    expect(closed).toEqual(['c1']);
    expect(lazy.get().tenantId).toBe('c2');
  });
});
