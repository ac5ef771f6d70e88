import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.ts';

test('writes the new bytes and leaves no temp file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-atomic-'));
  const target = join(dir, 'nested', 'manifest.pcq');
  await writeFileAtomic(target, 'first');
  await writeFileAtomic(target, 'second');
  assert.equal(await readFile(target, 'utf8'), 'second');
  assert.deepEqual(await readdir(join(dir, 'nested')), ['manifest.pcq']);
});

test('a failed write keeps the previous content intact', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-atomic-'));
  const target = join(dir, 'index.json');
  await writeFile(target, 'old');
  // A value JSON cannot serialise fails before any byte reaches the target.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(writeJsonAtomic(target, cyclic));
  assert.equal(await readFile(target, 'utf8'), 'old');
  assert.deepEqual(await readdir(dir), ['index.json']);
});
