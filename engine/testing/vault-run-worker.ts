// One separate process of the embedded-ledger concurrency test (vault/embedded-ledger.test.ts):
// waits for the go file, then opens a run against the grant and finalizes it with its whole
// reservation as usage. Prints one JSON line: {runId, ok, code?}.
import { existsSync } from 'node:fs';
import { EmbeddedLedger } from '../vault/embedded-ledger.ts';
import { PcqError } from '../base/errors.ts';

const [root, runId, grantId, runner, reserve, goFile] = process.argv.slice(2) as [string, string, string, string, string, string];
const ledger = new EmbeddedLedger({ root, isRegisteredRunner: (r) => r === runner });
process.stdout.write('ready\n');
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 2));
try {
  const open = await ledger.openRun({ runId, grantId, runner, runbookId: 'R1', reserve: Number(reserve) });
  await new Promise((r) => setTimeout(r, 5 + Math.random() * 20)); // the run "executes" while others open
  const fin = await ledger.finalizeRun({ runId, runner, usage: open.reserved, ok: true });
  process.stdout.write(JSON.stringify({ runId, ok: true, usage: fin.usage }) + '\n');
} catch (err) {
  process.stdout.write(JSON.stringify({ runId, ok: false, code: err instanceof PcqError ? err.code : String(err) }) + '\n');
}
