import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { loadRunbookFile, loadRunbooks } from './load-runbooks.ts';
import { PcqErrors } from '../base/errors.ts';

const GOOD = 'runbookId: G\nname: good\nversion: "1"\nsteps:\n  - {stepId: a, type: assertion}\n';

test('folders expand to *.yaml|*.yml|*.json, sorted, not recursing into data/', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-load-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'data', 'nodes.yaml'), 'not: a runbook\n');
  await writeFile(join(dir, 'b.yml'), GOOD.replace('G', 'B'));
  await writeFile(join(dir, 'a.yaml'), GOOD);
  await writeFile(join(dir, 'c.json'), JSON.stringify({ runbookId: 'C', name: 'c', version: '1', steps: [{ stepId: 'a', type: 'assertion' }] }));
  await writeFile(join(dir, 'notes.md'), '# not a runbook');
  const loaded = await loadRunbooks([dir]);
  assert.deepEqual(loaded.issues, []);
  assert.deepEqual(
    loaded.runbooks.map((r) => r.runbookId),
    ['G', 'B', 'C'],
  );
});

test('the digest is of the file bytes; problems come back as coded issues per file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-load-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'good.yaml'), GOOD);
  await writeFile(join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
  const rb = await loadRunbookFile(join(dir, 'good.yaml'));
  assert.equal(rb.source.digest, `sha256:${createHash('sha256').update(GOOD).digest('hex')}`);
  const loaded = await loadRunbooks([join(dir, 'latin1.yaml'), join(dir, 'missing.yaml')]);
  // Paths that cannot be opened are reported first, then each file's own problems.
  assert.deepEqual(
    loaded.issues.map((i) => i.code),
    ['PCQ_FILE_NOT_FOUND', 'PCQ_YAML_SYNTAX'],
  );
  await assert.rejects(
    loadRunbookFile(join(dir, 'latin1.yaml')),
    (err: unknown) => err instanceof PcqErrors && err.issues[0]!.message === 'file is not valid UTF-8',
  );
});

test('an oversize file is refused from its size, before it is read', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-load-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'big.yaml'), Buffer.alloc(1024 * 1024 + 1, 0x20));
  const loaded = await loadRunbooks([join(dir, 'big.yaml')]);
  assert.deepEqual(
    loaded.issues.map((i) => i.code),
    ['PCQ_YAML_TOO_LARGE'],
  );
});
