// Creates the embedded store (PGlite's initdb + Jigsaw's migrations) in its own process, as the
// server's first start does in a deployment, so the audit's peak RSS is measured against an
// existing store. Creating a PGlite database peaks far above running one (its initdb module's
// memory is only freed by a later garbage collection); the bench prints that figure separately.
// Prints one line `BENCH_RESULT {...}` with the wall time and peak RSS.
import { openStore } from '../src/store/open-store';

async function main(): Promise<void> {
  const started = Date.now();
  const db = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR });
  await db.close();
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ code: 0, wallMs: Date.now() - started, maxRssMb })}\n`);
}

void main();
