import { Agent, request } from 'node:http';

/**
 * A keep-alive HTTP client for the benchmarks: one socket per concurrent caller, requests
 * queued first-in first-out. (fetch's pool served some requests seconds late under a closed
 * loop, which measured the client, not the server.)
 */
export function createBenchClient(concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency, scheduling: 'fifo' });
  return {
    postJson(url: string, body: unknown): Promise<{ status: number; text: string }> {
      const payload = Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
