// The runner key rotation of the runner playbook (docs/operations.md "Runner key rotation"), as ONE
// sequence through the real CLI (dist/pcq.mjs; `npm run build` first), in prod on the embedded
// ledger: (1) add the new runner to the agent registry, (2) switch RUNNER_SECRET, (3) the user
// grants the new runner, (4) revoke the old runner's grants, (5) retire the old key. After every
// step each manifest written so far still verifies; the runs each step allows succeed, and what
// it forbids is refused before any step with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { runPcq } from '../testing/pcq-cli.ts';

const R2 = 'runbooks/R2-relationship-inference.yaml';

test(
  'runner key rotation: registry add → switch secret → grant new → revoke old → retire old; every manifest verifies throughout',
  { timeout: 600_000 },
  async () => {
    await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
    const root = await makeSampleRoot('pcq-rotation-');
    const pcq = (env: Record<string, string>, ...args: string[]) => runPcq(root, env, ...args);
    const key = async () => JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout) as { secret: string; publicKey: string };
    const [oldRunner, newRunner, user] = [await key(), await key(), await key()];
    const asUser = { PCQ_GRANT_USER_SECRET: user.secret };
    let live = oldRunner; // the runner secret the service runs with
    const manifests: string[] = [];
    const ok = async <T extends { code: number; stdout: string; stderr: string }>(p: Promise<T>): Promise<T> => {
      const r = await p;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return r;
    };
    const run = async (secret: string) => {
      const r = await ok(pcq({ PCQ_MODE: 'prod', RUNNER_SECRET: secret }, 'run', R2, '--as-of', '2026-11-16T00:00:00Z'));
      assert.match(r.stdout, /run state: pending → open → finalizing → finalized/);
      manifests.push(/manifest: (\S+)/.exec(r.stdout)![1]!);
    };
    const refused = async (secret: string, code: RegExp) => {
      const before = await snapshotTree(root, ['attestations', '.pcq']);
      const r = await pcq({ PCQ_MODE: 'prod', RUNNER_SECRET: secret }, 'run', R2, '--as-of', '2026-11-16T00:00:00Z');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, code);
      assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before, 'a refused run writes nothing');
    };
    const allVerify = async (step: string) => {
      for (const m of manifests) {
        const v = await pcq({ PCQ_MODE: 'prod' }, 'verify', m);
        assert.equal(v.code, 0, `after ${step}, ${m} no longer verifies:\n${v.stdout}${v.stderr}`);
      }
    };

    // Before: the old runner is registered and granted, and runs.
    await ok(pcq({}, 'registry', 'add', oldRunner.publicKey, '--name', 'runner-2026a', '--from', '2026-01-01T00:00:00Z'));
    await ok(pcq(asUser, 'grant', 'add', '--runner', oldRunner.publicKey, '--budget', '1000', '--expires', '2099-01-01T00:00:00Z'));
    await run(live.secret);
    await allVerify('setup');

    // 1. Add the new runner account to the agent registry.
    await ok(pcq({}, 'registry', 'add', newRunner.publicKey, '--name', 'runner-2026b', '--from', '2026-01-01T00:00:00Z'));
    const listed = await ok(pcq({}, 'registry', 'list', '--json'));
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { runners: Array<{ publicKey: string; status: string }> }).runners
        .filter((r) => [oldRunner.publicKey, newRunner.publicKey].includes(r.publicKey))
        .map((r) => r.status),
      ['active', 'active'],
    );
    await allVerify('step 1');
    await run(live.secret); // the old runner keeps working

    // 2. Switch the service's secret. The new runner has no grant yet: refused, nothing written.
    live = newRunner;
    await refused(live.secret, /PCQ_UNAUTHORIZED_RUNNER.*no grant names runner/);
    await allVerify('step 2');

    // 3. The user grants the new runner.
    await ok(pcq(asUser, 'grant', 'add', '--runner', newRunner.publicKey, '--budget', '1000', '--expires', '2099-01-01T00:00:00Z'));
    await run(live.secret);
    await allVerify('step 3');
    // Retiring the old key now would strand its grant: refused.
    const early = await pcq({}, 'registry', 'retire', oldRunner.publicKey);
    assert.equal(early.code, 1, early.stdout + early.stderr);
    assert.match(early.stderr, /PCQ_RUNNER_IN_USE.*1 active grant/);

    // 4. Revoke the old runner's grants.
    const revoked = await ok(pcq(asUser, 'grant', 'revoke', '--runner', oldRunner.publicKey, '--json'));
    assert.equal((JSON.parse(revoked.stdout) as { revoked: unknown[] }).revoked.length, 1);
    await allVerify('step 4');
    await refused(oldRunner.secret, /PCQ_UNAUTHORIZED_RUNNER.*revoked/);
    await run(live.secret);

    // 5. Retire the old key.
    await ok(pcq({}, 'registry', 'retire', oldRunner.publicKey));
    await allVerify('step 5');
    await refused(oldRunner.secret, /PCQ_KEY_NOT_ACTIVE/);
    await run(live.secret);
    await allVerify('the rotation');
    assert.equal(manifests.length, 5);
    const validate = await pcq({ PCQ_MODE: 'prod' }, 'validate');
    assert.equal(validate.code, 0, validate.stdout + validate.stderr);
  },
);
