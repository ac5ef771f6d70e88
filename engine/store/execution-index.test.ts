import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIndex, upsertIndexEntry, updateIndexEntry, type IndexEntry } from './execution-index.ts';
import { executionPaths } from './layout.ts';

const entry = (id: string, startedAt: string): IndexEntry => ({
  executionId: id,
  runbookId: 'R1',
  version: '1.0',
  executedAt: '2026-11-16T00:00:00Z',
  startedAt,
  status: 'succeeded',
  verdict: 'pass',
  merkleRoot: 'sha256:' + '0'.repeat(64),
  path: `R1/${id}`,
  actor: 'dev',
});

test('concurrent upserts keep every entry, newest first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-index-'));
  await Promise.all(Array.from({ length: 12 }, (_, i) => upsertIndexEntry(dir, entry(`ex-${i}`, `2026-11-22T00:00:${String(i).padStart(2, '0')}Z`))));
  const index = await readIndex(dir);
  assert.equal(index.executions.length, 12);
  assert.equal(index.executions[0]?.executionId, 'ex-11');
  await updateIndexEntry(dir, 'ex-3', { verdict: 'approved' });
  assert.equal((await readIndex(dir)).executions.find((e) => e.executionId === 'ex-3')?.verdict, 'approved');
});

test('a corrupt index is a coded error, not a crash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-index-'));
  await writeFile(join(dir, 'index.json'), '{"executions": 3}');
  await assert.rejects(readIndex(dir), { code: 'PCQ_INDEX_CORRUPT' });
});

test('ids that would escape the attestations folder are refused', () => {
  assert.throws(() => executionPaths('/tmp/a', '../etc', 'x'), { code: 'PCQ_UNSAFE_ID' });
  assert.throws(() => executionPaths('/tmp/a', 'R1', 'a/../../b'), { code: 'PCQ_UNSAFE_ID' });
  assert.equal(executionPaths('/tmp/a', 'R1', 'ex-1').manifest, '/tmp/a/R1/ex-1/manifest.pcq');
});
