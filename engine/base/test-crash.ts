// Deterministic crash points for crash tests (docs/operations.md "Resume after a crash"): a test
// sets PCQ_TEST_CRASH_AT=<point> on the pcq process it starts, and the process kills itself with
// SIGKILL when it reaches that point — no cleanup, no `finally`, exactly what `kill -9` or a lost
// machine does, but at a chosen place instead of after a guessed delay. Unset (every real use), a
// point is one environment lookup and nothing else. A process can only ever kill itself with it, so
// the variable grants nothing to whoever sets it.
// Points: `step:<stepId>` (before the step starts; run/execute-run.ts), `resume:after-finalize`
// (the vault settled the resumed run, nothing recorded locally yet; run/resume-journal.ts),
// `resume:before-commit` (the resumed run is sealed and its change set built, nothing committed),
// `resume:after-commit` (the final manifest is committed; the resume journal and lock still there).
export const CRASH_ENV = 'PCQ_TEST_CRASH_AT';

export function crashPoint(point: string): void {
  if (process.env[CRASH_ENV] === point) process.kill(process.pid, 'SIGKILL');
}
