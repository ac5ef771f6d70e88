// The embedded ledger: durable compare-and-swap under the store lock. The acceptance line: 20 truly
// concurrent runs (separate processes, released together) against one grant whose budget covers
// exactly 10 → 10 finalize, 10 refuse with BudgetExhausted, and the ledger's settled balance equals
// the sum of the finalized usage (no double spend, no lost update).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { EmbeddedLedger, LEDGER_FILE, readLedgerState } from './embedded-ledger.ts';
import { generateKeyPair } from '../runtime/keys.ts';
import { PcqError } from '../base/errors.ts';

const NODE = resolve('node_modules/.bin/node');
const WORKER = resolve('engine/testing/vault-run-worker.ts');

function registration(runner: string, user: string, budget: number) {
  return { grantId: 'g-00000000000a', digest: `sha256:${'a'.repeat(64)}`, user, runner, runbooks: ['*'], budget, expiresAt: '2099-01-01T00:00:00Z' };
}

test('20 concurrent processes against a budget for exactly 10: 10 finalize, 10 refuse, balance = finalized usage', { timeout: 120_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-ledger-'));
  try {
    const runner = generateKeyPair().publicKey,
      user = generateKeyPair().publicKey;
    const reserve = 3;
    const ledger = new EmbeddedLedger({ root, isRegisteredRunner: () => true });
    await ledger.grantRunner(registration(runner, user, 10 * reserve));
    const go = join(root, 'go');
    const workers = Array.from({ length: 20 }, (_, i) => {
      const child = spawn(NODE, ['--import', 'tsx', WORKER, root, `run-${i}`, 'g-00000000000a', runner, String(reserve), go], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      const ready = new Promise<void>((ok) => createInterface({ input: child.stdout }).on('line', (l) => (l === 'ready' ? ok() : lines.push(l))));
      const done = new Promise<Record<string, unknown>>((ok, fail) =>
        child.on('exit', (code) =>
          code === 0 && lines.length === 1 ? ok(JSON.parse(lines[0]!)) : fail(new Error(`worker ${i} exit ${code}: ${lines.join('|')}`)),
        ),
      );
      return { ready, done };
    });
    await Promise.all(workers.map((w) => w.ready));
    await writeFile(go, 'go'); // all 20 released at once
    const results = await Promise.all(workers.map((w) => w.done));
    const finalized = results.filter((r) => r.ok === true);
    const refused = results.filter((r) => r.ok === false);
    assert.equal(finalized.length, 10, JSON.stringify(results));
    assert.equal(refused.length, 10);
    assert.ok(
      refused.every((r) => r.code === 'PCQ_BUDGET_EXHAUSTED'),
      JSON.stringify(refused),
    );
    const state = await readLedgerState(join(root, LEDGER_FILE));
    const grant = state.grants['g-00000000000a']!;
    const sum = finalized.reduce((s, r) => s + Number(r.usage), 0);
    assert.equal(grant.spent, sum);
    assert.equal(grant.spent, 10 * reserve);
    assert.equal(grant.reserved, 0);
    assert.equal(Object.values(state.runs).filter((r) => r.state === 'finalized').length, 10);
    assert.equal(state.events.filter((e) => e.name === 'run_opened').length, 10);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a refused open_run leaves the ledger file byte-identical', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-ledger-'));
  try {
    const runner = generateKeyPair().publicKey,
      user = generateKeyPair().publicKey;
    const ledger = new EmbeddedLedger({ root, isRegisteredRunner: () => true });
    await ledger.grantRunner(registration(runner, user, 2));
    const before = await readFile(join(root, LEDGER_FILE), 'utf8');
    await assert.rejects(
      ledger.openRun({ runId: 'r1', grantId: 'g-00000000000a', runner, runbookId: 'R1', reserve: 3 }),
      (e: PcqError) => e.code === 'PCQ_BUDGET_EXHAUSTED',
    );
    await assert.rejects(
      ledger.openRun({ runId: 'r2', grantId: 'g-00000000000a', runner: user, runbookId: 'R1', reserve: 1 }),
      (e: PcqError) => e.code === 'PCQ_UNAUTHORIZED_RUNNER',
    );
    assert.equal(await readFile(join(root, LEDGER_FILE), 'utf8'), before);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a corrupt ledger file is PCQ_LEDGER_CORRUPT, never silently reset', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-ledger-'));
  try {
    const ledger = new EmbeddedLedger({ root, isRegisteredRunner: () => true });
    await ledger.grantRunner(registration(generateKeyPair().publicKey, generateKeyPair().publicKey, 2));
    await writeFile(join(root, LEDGER_FILE), '{"format":"other"}');
    await assert.rejects(
      ledger.grantRunner(registration(generateKeyPair().publicKey, generateKeyPair().publicKey, 2)),
      (e: PcqError) => e.code === 'PCQ_LEDGER_CORRUPT',
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
