// Preloaded (node --require) into a process the sharing audit benchmark measures: on exit it
// prints one line `BENCH_RESULT {...}` with the exit code, the time since the process started,
// the process's peak RSS and how long its event loop was held up. The server runs the scheduled
// audit in its own process, so the longest hold-up is how long a Teams request arriving during
// an audit could wait before Jigsaw even reads it (PGlite runs its queries on this thread).
const { writeSync } = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
// The three longest hold-ups and when each ended, in seconds since the process started, to
// tell the phases apart (start-up, the run, the report at the end).
let lastTick = performance.now();
let longest = [];
setInterval(() => {
  const now = performance.now();
  const ms = Math.round(now - lastTick);
  if (longest.length < 3 || ms > longest[longest.length - 1].ms) {
    longest = [...longest, { ms, endedAtS: Math.round(process.uptime() * 10) / 10 }].sort((a, b) => b.ms - a.ms).slice(0, 3);
  }
  lastTick = now;
}, 5).unref();

process.on('exit', (code) => {
  loopDelay.disable();
  const ms = (ns) => Math.round(ns / 1e6);
  const result = {
    code,
    wallMs: Math.round(process.uptime() * 1000),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    loopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max), longest },
  };
  writeSync(1, `\nBENCH_RESULT ${JSON.stringify(result)}\n`);
});
