// Loaded with `node --import` into a benchmarked child process: on exit it writes the process's
// peak resident memory and CPU time to the file named by PCQ_BENCH_PROBE (bench/runner.bench.ts).
import { writeFileSync } from 'node:fs';

const out = process.env.PCQ_BENCH_PROBE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKb: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 }));
  });
}
