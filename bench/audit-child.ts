// Runs one `jigsaw` CLI command in its own process for the benchmark, so the audit's peak RSS
// is measured without the fake tenant (which lives in the parent). Prints one line
// `BENCH_RESULT {...}` with the exit code, wall time and peak RSS.
import { runCli } from '../src/cli';

async function main(): Promise<void> {
  const started = Date.now();
  const code = await runCli(process.argv.slice(2), process.env);
  const maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ code, wallMs: Date.now() - started, maxRssMb: Math.round(maxRssKb / 1024) })}\n`);
  process.exit(code);
}

void main();
