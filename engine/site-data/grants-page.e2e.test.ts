// The site's grants page (site/src/pages/grants.astro, data from engine/site-data/grants-view.ts)
// built by the real site build from a repository with a committed grant, a failed run and a run
// still open on the vault: it shows the grant, the runner registry, the queue depth and each run's
// vault state (pending → open → finalizing → finalized | failed ends as the state shown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot, REPO_ROOT } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { EmbeddedLedger } from '../vault/embedded-ledger.ts';

const exec = promisify(execFile);

test('the grants page shows grants, runners, queue depth and vault states', { timeout: 300_000 }, async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  const root = await makeSampleRoot('pcq-grants-page-');
  await writeFile(
    join(root, 'runbooks/RT.yaml'),
    'runbookId: RT\nname: Fails\nversion: "1.0"\ndescription: Counts a label the dataset lacks.\ndataset: intel\nsteps:\n  - stepId: count\n    type: query\n    description: Count\n    cypher: MATCH (e:Missing) RETURN count(e) AS n\n',
  );
  const failed = await runPcq(root, {}, 'run', 'runbooks/RT.yaml');
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  const executionId = /execution (\S+)/.exec(failed.stdout)![1]!;
  const user = JSON.parse((await runPcq(root, {}, 'keys', 'generate', '--json')).stdout) as { secret: string };
  const runner = 'GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR'; // ci-runner of policies/trust.yaml
  const added = await runPcq(
    root,
    { PCQ_GRANT_USER_SECRET: user.secret },
    'grant',
    'add',
    '--runner',
    runner,
    '--budget',
    '40',
    '--expires',
    '2099-01-01T00:00:00Z',
    '--json',
  );
  assert.equal(added.code, 0, added.stderr);
  const grantId = (JSON.parse(added.stdout) as { terms: { grantId: string } }).terms.grantId;
  await new EmbeddedLedger({ root, isRegisteredRunner: () => true }).openRun({ runId: 'in-flight', grantId, runner, runbookId: 'R1', reserve: 6 });

  const out = await mkdtemp(join(tmpdir(), 'pcq-grants-site-'));
  await exec(process.execPath, [join(REPO_ROOT, 'scripts/site-build.mjs'), '--data', root, '--out', out, '--no-search'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    timeout: 240_000,
  });
  const page = await readFile(join(out, 'grants/index.html'), 'utf8');
  assert.match(page, /id="queue-depth"[^>]*>1</);
  assert.match(page, /id="open-runs-table"[\s\S]*in-flight/);
  assert.match(page, new RegExp(`id="grants"[\\s\\S]*${grantId}[\\s\\S]*0 spent, 6 reserved / 40`), 'the grant with its reservation-aware spend');
  assert.match(page, /id="runners"[\s\S]*ci-runner[\s\S]*1 active/);
  assert.match(page, new RegExp(`${executionId}[\\s\\S]*?data-vault-state="failed"`));
  assert.match(await readFile(join(out, 'index.html'), 'utf8'), /href="[^"]*grants\/"/, 'the nav links the page');
});
