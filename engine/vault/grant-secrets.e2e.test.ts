// The granting user's key never leaves in output (base/secrets.ts, issue 12): PCQ_GRANT_USER_SECRET
// and the dev user key file (.pcq/keys/grant-user.secret) are registered with the one secret
// registry, so even an error that echoes the value the user typed (the secret pasted as --runner)
// prints [REDACTED], in text and JSON, and no grant file or ledger holds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';

async function allText(dir: string): Promise<string> {
  let out = '';
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

test('PCQ_GRANT_USER_SECRET and the dev user key never appear in any output or written grant', { timeout: 120_000 }, async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  const root = await makeSampleRoot('pcq-grant-secret-');
  const pcq = (env: Record<string, string>, ...args: string[]) => runPcq(root, env, ...args);
  const user = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout) as { secret: string; publicKey: string };
  const runner = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout) as { secret: string; publicKey: string };
  const env = { PCQ_GRANT_USER_SECRET: user.secret, PCQ_DEBUG: '1' };
  const outputs: string[] = [];
  const run = async (e: Record<string, string>, ...args: string[]) => {
    const r = await pcq(e, ...args);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  // The secret typed where a runner key belongs: the usage error echoes the value, redacted.
  for (const json of [[], ['--json']]) {
    const r = await run(env, 'grant', 'add', '--runner', user.secret, '--budget', '5', '--expires', '2099-01-01T00:00:00Z', ...json);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /\[REDACTED\]/);
  }
  assert.equal((await run(env, 'grant', 'add', '--runner', runner.publicKey, '--budget', '5', '--expires', user.secret)).code, 2);
  const added = await run(env, 'grant', 'add', '--runner', runner.publicKey, '--budget', '5', '--expires', '2099-01-01T00:00:00Z', '--json');
  assert.equal(added.code, 0, added.stderr);
  const grantId = (JSON.parse(added.stdout) as { terms: { grantId: string } }).terms.grantId;
  await run(env, 'grant', 'list', '--json');
  await run(env, 'grant', 'revoke', grantId, '--json');
  await run(env, 'config', 'show', '--sources');
  // Dev: the local user key signs; pasted where a runner belongs, it is redacted too.
  const dev = await run({}, 'grant', 'add', '--runner', runner.publicKey, '--budget', '5', '--expires', '2099-01-01T00:00:00Z', '--local');
  assert.equal(dev.code, 0, dev.stderr);
  const devKey = (await readFile(join(root, '.pcq/keys/grant-user.secret'), 'utf8')).trim();
  const echoed = await run({}, 'grant', 'add', '--runner', devKey, '--budget', '5', '--expires', '2099-01-01T00:00:00Z', '--local');
  assert.equal(echoed.code, 2);
  assert.match(echoed.stderr, /\[REDACTED\]/);
  const written =
    (await allText(join(root, 'contracts'))) + (await readFile(join(root, '.pcq/ledger/vault.json'), 'utf8')) + (await allText(join(root, '.pcq/grants')));
  for (const secret of [user.secret, devKey]) {
    for (const text of [...outputs, written]) assert.ok(!text.includes(secret), 'a grant user secret leaked');
    assert.ok(!outputs.join('').includes(Buffer.from(secret).toString('base64')));
  }
});
