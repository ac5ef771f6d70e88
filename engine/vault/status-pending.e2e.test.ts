// `pcq status --json` through the real CLI (dist/pcq.mjs; `npm run build` first): `queue.pending` is
// the number of workflow runs queued or in progress when the GitHub port is available (GITHUB_TOKEN
// + GITHUB_REPOSITORY, here the loopback emulator, which checks each request and response against
// GitHub's OpenAPI description), and null otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { GitHubEmulator } from '../testing/github-emulator.ts';

test('status --json: pending is the queued + in-progress workflow runs with a GitHub port, null without', { timeout: 120_000 }, async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  const root = await makeSampleRoot('pcq-status-pending-');
  const gh = await new GitHubEmulator('acme', 'ops').start();
  try {
    gh.state.workflowRuns.push(
      { id: 1, name: 'run', status: 'queued', event: 'workflow_dispatch' },
      { id: 2, name: 'run', status: 'in_progress', event: 'workflow_dispatch' },
      { id: 3, name: 'run', status: 'queued', event: 'workflow_dispatch' },
      { id: 4, name: 'run', status: 'completed', event: 'workflow_dispatch' },
    );
    const port = { GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'acme/ops', GITHUB_API_URL: gh.url };
    const withPort = await runPcq(root, port, 'status', '--json');
    assert.equal(withPort.code, 0, withPort.stdout + withPort.stderr);
    const s = JSON.parse(withPort.stdout) as { queue: { depth: number; pending: number | null; open: unknown[] } };
    assert.equal(s.queue.pending, 3);
    assert.equal(s.queue.depth, s.queue.open.length + 3);
    const text = await runPcq(root, port, 'status');
    assert.match(text.stdout, /queue depth 3: 0 open on the embedded vault, 3 pending dispatch\(es\)/);
    const without = JSON.parse((await runPcq(root, {}, 'status', '--json')).stdout) as { queue: { pending: number | null } };
    assert.equal(without.queue.pending, null);
    assert.deepEqual(gh.rejectedRequests, [], 'pcq sent a request GitHub would refuse');
  } finally {
    await gh.stop();
  }
});
