// The store's last wall (issue 10): a change holding a registered secret, in any encoding, is
// refused before anything is staged, naming the file and the secret's source, never its value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeSet } from './change-set.ts';
import { commitChange } from './execution-store.ts';
import { secretRegistry } from '../base/secrets.ts';
import { PcqError } from '../base/errors.ts';

const SECRET = 'store-guard-secret-value-42';

test('a change with a registered secret in any encoding is refused whole, and nothing is written', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-guard-'));
  secretRegistry.register(SECRET, 'env TEST_TOKEN');
  try {
    for (const leak of [SECRET, Buffer.from(`user:${SECRET}`).toString('base64'), Buffer.from(SECRET).toString('hex'), encodeURIComponent(`/${SECRET}`)]) {
      const change = new ChangeSet(root);
      change.put(join(root, 'R1/ex-1/outputs/a.json'), '{"ok":true}\n');
      change.put(join(root, 'R1/ex-1/run.json'), JSON.stringify({ note: leak }));
      await assert.rejects(commitChange(change), (err: unknown) => {
        assert.ok(err instanceof PcqError && err.code === 'PCQ_SECRET_IN_OUTPUT');
        assert.match(err.message, /R1\/ex-1\/run\.json .*env TEST_TOKEN/);
        assert.ok(!err.message.includes(SECRET));
        return true;
      });
      assert.deepEqual(await readdir(root), [], 'nothing staged, no folder made');
    }
    const clean = new ChangeSet(root);
    clean.put(join(root, 'R1/ex-1/run.json'), '{"note":"[REDACTED]"}');
    await commitChange(clean);
    assert.ok((await readdir(join(root, 'R1/ex-1'))).includes('run.json'));
  } finally {
    secretRegistry.clear();
    await rm(root, { recursive: true, force: true });
  }
});

test('a text put is read again at the commit when a secret was registered after it, and non-ASCII text is read from its bytes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-guard-late-'));
  try {
    // Put while the registry is empty, then the secret is registered: the put's reading is stale.
    const late = new ChangeSet(root);
    late.put(join(root, 'R1/ex-1/run.json'), JSON.stringify({ note: SECRET }));
    secretRegistry.register(SECRET, 'env LATE_TOKEN');
    await assert.rejects(
      commitChange(late),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_SECRET_IN_OUTPUT' && /env LATE_TOKEN/.test(err.message),
    );
    // Put after a first secret, then a second one is registered: still read again.
    const second = 'store-guard-second-secret-77';
    const again = new ChangeSet(root);
    again.put(join(root, 'R1/ex-1/run.json'), `{"note":"${second}"}`);
    secretRegistry.register(second, 'env SECOND_TOKEN');
    await assert.rejects(commitChange(again), (err: unknown) => err instanceof PcqError && /env SECOND_TOKEN/.test(err.message));
    // Text that is not ASCII (its Latin-1 and UTF-8 readings differ) is read from its bytes, both ways.
    const accented = new ChangeSet(root);
    accented.put(join(root, 'R1/ex-1/run.json'), `{"note":"café ${SECRET}"}`);
    await assert.rejects(commitChange(accented), (err: unknown) => err instanceof PcqError && err.code === 'PCQ_SECRET_IN_OUTPUT');
    assert.deepEqual(await readdir(root), [], 'nothing staged');
  } finally {
    secretRegistry.clear();
    await rm(root, { recursive: true, force: true });
  }
});
