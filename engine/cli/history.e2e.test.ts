// Issue 14 §6 through the real CLI (dist/pcq.mjs): `pcq list`, `pcq runs` with filters, `pcq show`
// and `pcq logs` on a repository with a passing and a blocked run of R1; unique prefixes accepted,
// an unknown id refused with a did-you-mean, an ambiguous prefix refused, a mistyped flag named;
// a step whose postcondition blocked the run is shown as blocked live, in show and in the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPcq } from '../testing/pcq-cli.ts';
import { generateKeyPair } from '../runtime/keys.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ENV = { PCQ_MODE: 'dev', NO_COLOR: '1' };

async function repository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-history-'));
  for (const f of ['runbooks', 'policies', 'spells']) await cp(join(ROOT, f), join(dir, f), { recursive: true });
  return dir;
}

test('list, runs, show and logs answer what a user asks about runbooks and runs', { timeout: 240_000 }, async (t) => {
  const dir = await repository();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pcq = (...args: string[]) => runPcq(dir, ENV, ...args);

  const listed = await pcq('list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const list = JSON.parse(listed.stdout) as { schemaVersion: number; runbooks: Array<{ runbookId: string; valid: boolean; inputs: Array<{ name: string }> }> };
  assert.equal(list.schemaVersion, 1);
  const r1 = list.runbooks.find((r) => r.runbookId === 'R1');
  assert.ok(r1?.valid, 'R1 is valid');
  assert.deepEqual(
    r1.inputs.map((i) => i.name),
    ['enrichmentSource'],
  );
  await writeFile(join(dir, 'runbooks/broken.yaml'), 'runbookId: BROKEN\nversion: "1"\nsteps: []\n');
  const text = await pcq('list');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^✗ +BROKEN +1 +runbooks\/broken\.yaml .*problem/m, 'an invalid runbook is listed as invalid');
  assert.match(text.stdout, /^✓ +R1 +1\.1 +runbooks\/R1-entity-enrichment\.yaml +enrichmentSource:string/m);
  await rm(join(dir, 'runbooks/broken.yaml'));

  const pass = await pcq('run', 'runbooks/R1-entity-enrichment.yaml', '--as-of', '2026-11-16T00:00:00Z');
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  const blocked = await pcq('run', 'runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial');
  assert.equal(blocked.code, 4, blocked.stdout + blocked.stderr);
  // The live line and the summary: blocked, never "✓ … succeeded".
  assert.match(blocked.stdout, /^⛔ assert-completeness blocked by postcondition kpi:completeness>=0\.95/m);
  assert.doesNotMatch(blocked.stdout, /assert-completeness succeeded/);
  assert.match(blocked.stdout, /^⛔ assert-completeness +blocked by postcondition/m);

  const all = JSON.parse((await pcq('runs', '--json')).stdout) as {
    schemaVersion: number;
    total: number;
    runs: Array<{ executionId: string; status: string }>;
  };
  assert.equal(all.total, 2);
  const blockedId = all.runs.find((r) => r.status === 'blocked')!.executionId;
  const passId = all.runs.find((r) => r.status === 'succeeded')!.executionId;
  const onlyBlocked = JSON.parse((await pcq('runs', '--status', 'blocked', '--json')).stdout) as { runs: Array<{ executionId: string }> };
  assert.deepEqual(
    onlyBlocked.runs.map((r) => r.executionId),
    [blockedId],
  );
  const byVerdict = JSON.parse((await pcq('runs', '--verdict', 'pass', '--runbook', 'R1', '--limit', '1', '--json')).stdout) as {
    runs: Array<{ executionId: string }>;
  };
  assert.deepEqual(
    byVerdict.runs.map((r) => r.executionId),
    [passId],
  );
  const future = JSON.parse((await pcq('runs', '--since', '2999-01-01', '--json')).stdout) as { total: number };
  assert.equal(future.total, 0);
  const recent = JSON.parse((await pcq('runs', '--since', '1d', '--json')).stdout) as { total: number };
  assert.equal(recent.total, 2);
  const badStatus = await pcq('runs', '--status', 'blokced');
  assert.equal(badStatus.code, 2);
  assert.match(badStatus.stderr, /PCQ_USAGE .*Did you mean "blocked"\?/);
  const typo = await pcq('runs', '--limt', '3');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /PCQ_USAGE runs: unknown flag --limt — did you mean --limit\?/);

  // show: by a unique prefix; the blocked step as blocked with its prover and evidence; files with digests.
  const prefix = blockedId.slice(0, blockedId.length - 4);
  const shown = await pcq('show', prefix);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^ {2}⛔ assert-completeness +blocked by postcondition kpi:completeness>=0\.95/m);
  assert.match(shown.stdout, /✗ postcondition kpi:completeness>=0\.95: Metric not met/);
  assert.match(shown.stdout, /^ {2}manifest\.pcq +\d+ B +sha256:[0-9a-f]{64}$/m);
  assert.match(shown.stdout, /private\/logs\/normalise-emails\.log +\d+ B +\(private, not published\)/);
  const view = JSON.parse((await pcq('show', blockedId, '--json')).stdout) as {
    verdict: string;
    steps: Array<{ stepId: string; status: string; recordedStatus: string }>;
    files: Array<{ path: string; digest?: string; private: boolean }>;
  };
  assert.equal(view.verdict, 'blocked');
  const step = view.steps.find((s) => s.stepId === 'assert-completeness')!;
  assert.deepEqual([step.status, step.recordedStatus], ['blocked', 'succeeded']);
  assert.ok(view.files.every((f) => f.private === (f.digest === undefined)));

  const unknown = await pcq(
    'show',
    blockedId.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
  );
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, new RegExp(`PCQ_EXECUTION_NOT_FOUND .*Did you mean "${blockedId}"\\?`));
  const ambiguous = await pcq('show', '20');
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /PCQ_EXECUTION_AMBIGUOUS "20" is the start of 2 execution ids/);

  // logs: a spell step's log; a step with none says so; a mistyped step is named; prune still works.
  const logs = await pcq('logs', prefix, 'normalise-emails');
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^── normalise-emails \(succeeded\) ──\n# spell pcq-normalise-emails@1\.0\.0/m);
  const allLogs = await pcq('logs', blockedId);
  assert.match(allLogs.stdout, /^── assert-completeness \(blocked\) ──\n\(no execution log/m);
  const badStep = await pcq('logs', blockedId, 'normalise-emial');
  assert.equal(badStep.code, 3);
  assert.match(badStep.stderr, /PCQ_STEP_NOT_FOUND .*Did you mean "normalise-emails"\?/);
  const prune = await pcq('logs', 'prune', '--dry-run', '--json');
  assert.equal(prune.code, 0, prune.stderr);
  assert.equal((JSON.parse(prune.stdout) as { dryRun: boolean }).dryRun, true);

  await verifyTrustSources(dir, `attestations/R1/${passId}/manifest.pcq`);
});

/** pcq verify says what it verified and which trust it used; --key and --trust choose it; JSON never codes a pass. */
async function verifyTrustSources(dir: string, manifest: string): Promise<void> {
  const pcq = (...args: string[]) => runPcq(dir, ENV, ...args);
  const plain = await pcq('verify', manifest);
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  assert.match(plain.stdout, /^ {2}runbook {3}R1 v1\.1 · execution /m);
  assert.match(plain.stdout, /^ {2}verdict {3}pass$/m);
  assert.match(plain.stdout, /^ {2}time {6}2026-11-16T00:00:00Z/m);
  assert.match(plain.stdout, /^ {2}actor {5}local:tester$/m);
  assert.match(plain.stdout, /^ {2}runner {4}G[A-Z2-7]{55} \(dev-runner-local\)$/m);
  assert.match(plain.stdout, /^ {2}grant {5}g-[0-9a-f]+ signed by G[A-Z2-7]{55}/m);
  assert.match(plain.stdout, /^ {2}trust {5}policies\/trust\.yaml \+ the DEV OVERLAY \.pcq\/trust\.local\.yaml/m);
  const report = JSON.parse((await pcq('verify', manifest, '--json')).stdout) as {
    schemaVersion: number;
    summary: { runner: string; verdict: string };
    trustSource: { kind: string };
    checks: Array<{ ok: boolean; code?: string }>;
  };
  assert.equal(report.trustSource.kind, 'repository');
  assert.ok(report.checks.length > 5);
  assert.ok(
    report.checks.every((c) => c.ok === (c.code === undefined)),
    'a passing check carries no failure code',
  );
  const runner = report.summary.runner;
  const byKey = await pcq('verify', manifest, '--key', runner);
  assert.equal(byKey.code, 0, byKey.stdout + byKey.stderr);
  assert.match(byKey.stdout, new RegExp(`^ {2}trust {5}only the key\\(s\\) given with --key: ${runner}$`, 'm'));
  const other = generateKeyPair().publicKey;
  const wrongKey = await pcq('verify', manifest, '--key', other, '--json');
  assert.equal(wrongKey.code, 1);
  const wrong = JSON.parse(wrongKey.stdout) as { checks: Array<{ ok: boolean; code?: string }> };
  assert.ok(wrong.checks.some((c) => !c.ok && c.code === 'PCQ_KEY_UNKNOWN'));
  assert.ok(wrong.checks.every((c) => c.ok === (c.code === undefined)));
  const badKey = await pcq('verify', manifest, '--key', 'GNOTAKEY');
  assert.equal(badKey.code, 2);
  const byFile = await pcq('verify', manifest, '--trust', 'policies/trust.yaml', '--key', runner);
  assert.equal(byFile.code, 0, byFile.stdout + byFile.stderr);
  assert.match(byFile.stdout, /^ {2}trust {5}the trust file policies\/trust\.yaml given with --trust and the key\(s\) given with --key/m);
  // Outside the repository no trust store is found: said as a warning, and the runner is unknown.
  const elsewhere = await runPcq(tmpdir(), ENV, 'verify', join(dir, manifest));
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stderr, /warning PCQ_TRUST_MISSING no trust store found/);
  assert.match(elsewhere.stdout, /^ {2}trust {5}none: no trust store was found$/m);
  // An auditor outside the repository who brings the runner key: everything the manifest proves is
  // checked; the grant file and its revocations cannot be, and that is said, not failed.
  const auditor = await runPcq(tmpdir(), ENV, 'verify', join(dir, manifest), '--key', runner);
  assert.equal(auditor.code, 0, auditor.stdout + auditor.stderr);
  assert.match(auditor.stderr, /warning PCQ_GRANT_UNCHECKED no grant files in /);
  // Inside the repository the same --key still checks the grant file.
  const inside = await pcq('verify', manifest, '--key', runner, '--json');
  assert.ok((JSON.parse(inside.stdout) as { checks: Array<{ check: string }> }).checks.some((c) => c.check === 'grant-file'));
}
