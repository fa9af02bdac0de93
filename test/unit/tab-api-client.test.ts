import { ApiError, createApi, downloadFile } from '../../src/tab/api';
import type { Host } from '../../src/tab/host';

// The tab's API client: a token that has expired (401) is asked for afresh once, in Teams, for
// the JSON calls and the PDF download alike; a second 401 is an error that says what to do.
function teamsHost(kind: Host['kind'] = 'teams') {
  const asked: boolean[] = [];
  const host: Host = { kind, theme: 'default', page: 'personal', getToken: async (fresh = false) => (asked.push(fresh), fresh ? 'fresh-token' : 'stale-token'), onThemeChange: () => undefined };
  return { host, asked };
}

const sent: { url: string; authorization: string }[] = [];
function answer(...responses: Response[]) {
  sent.length = 0;
  global.fetch = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(url), authorization: (init?.headers as Record<string, string>).authorization });
    return responses.shift()!;
  }) as typeof fetch;
}
const refused = () => new Response(JSON.stringify({ error: 'unauthorized' }), { status: 401, headers: { 'content-type': 'application/json' } });
const pdf = () => new Response(new Uint8Array([37, 80, 68, 70]), { status: 200, headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="cp-file.pdf"' } });
const realFetch = global.fetch;
afterAll(() => {
  global.fetch = realFetch;
});

describe('the PDF download', () => {
  it('retries once with a fresh token when the first is refused as expired', async () => {
    const { host, asked } = teamsHost();
    answer(refused(), pdf());
    const file = await downloadFile(host, 'concerns/c/pupils/0/transfers', { destinationSchool: 'Oak Primary' });
    expect(file.fileName).toBe('cp-file.pdf');
    expect(Buffer.from(await file.blob.arrayBuffer()).toString()).toBe('%PDF');
    expect(asked).toEqual([false, true]);
    expect(sent.map((s) => s.authorization)).toEqual(['Bearer stale-token', 'Bearer fresh-token']);
  });

  it('a second refusal is an error that says to reopen the tab, not a third try', async () => {
    const { host } = teamsHost();
    answer(refused(), refused(), pdf());
    const error = await downloadFile(host, 'concerns/c/pupils/0/transfers', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toMatch(/reopen the tab/);
    expect(sent).toHaveLength(2);
  });

  it('outside Teams (the development token) there is no fresh token to ask for', async () => {
    const { host } = teamsHost('dev');
    answer(refused(), pdf());
    await expect(downloadFile(host, 'x', {})).rejects.toBeInstanceOf(ApiError);
    expect(sent).toHaveLength(1);
  });
});

describe('the JSON calls', () => {
  it('retry once with a fresh token, as before', async () => {
    const { host, asked } = teamsHost();
    answer(refused(), new Response(JSON.stringify({ name: 'Sam' }), { status: 200 }));
    expect(await createApi(host)<{ name: string }>('me')).toEqual({ name: 'Sam' });
    expect(asked).toEqual([false, true]);
  });
});
