// Preloaded (node --require) into a process the sharing audit benchmark measures: on exit it
// prints one line `BENCH_RESULT {...}` with the exit code, the time since the process started
// and the process's peak RSS.
const { writeSync } = require('node:fs');

process.on('exit', (code) => {
  const result = { code, wallMs: Math.round(process.uptime() * 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  writeSync(1, `\nBENCH_RESULT ${JSON.stringify(result)}\n`);
});
