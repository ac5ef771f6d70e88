// The evidence bundle: deterministic bytes (two builds of one folder are identical, whatever the
// files' mtimes or the order they were written in), a faithful round trip, and a reader that
// refuses hostile archives with PCQ_VERDICT_MALFORMED instead of crashing or escaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { collectEvidence, packEvidence } from './evidence-bundle.ts';
import { readEvidence, isSafeEntryName } from './evidence-reader.ts';
import { executionPaths } from '../store/layout.ts';
import { ChangeSet } from '../store/change-set.ts';

const AT = '2026-11-16T00:00:00Z';

async function folder(order: 'ab' | 'ba', mtime: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pcq-evidence-'));
  const paths = executionPaths(root, 'R1', 'exec-1');
  await mkdir(paths.outputs, { recursive: true });
  await mkdir(paths.withheld, { recursive: true });
  const files: Array<[string, string]> = [
    [paths.manifest, '{"m":1}\n'],
    [paths.run, '{"r":1}\n'],
    [paths.recordings, '[]\n'],
    [paths.effects, '[]\n'],
    [join(paths.outputs, 'a.json'), '1\n'],
    [join(paths.outputs, 'b.json'), '2\n'],
    [join(paths.withheld, 'x.csv'), 'id\n1\n'],
  ];
  for (const [p, text] of order === 'ab' ? files : [...files].reverse()) {
    await writeFile(p, text);
    await utimes(p, mtime, mtime);
  }
  await writeFile(join(paths.dir, 'score.json'), 'not evidence'); // never bundled
  return root;
}

async function tarGz(entries: Array<{ header: Partial<tar.Header> & { name: string }; body?: string }>): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  await done;
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

test('two builds of the same folder are byte-identical, whatever the write order and file mtimes', async () => {
  const a = await folder('ab', 1_000_000);
  const b = await folder('ba', 2_000_000);
  const one = await packEvidence(await collectEvidence(executionPaths(a, 'R1', 'exec-1'), new ChangeSet(a)), AT);
  const two = await packEvidence(await collectEvidence(executionPaths(b, 'R1', 'exec-1'), new ChangeSet(b)), AT);
  assert.deepEqual(Buffer.from(one), Buffer.from(two));
  assert.equal(one[9], 0xff, 'gzip OS byte is fixed');
  assert.deepEqual([...one.subarray(4, 8)], [0, 0, 0, 0], 'gzip MTIME is 0');
  const files = await readEvidence(one);
  // The withheld export lives under private/: it is never bundled (the bundle is published).
  assert.deepEqual([...files.keys()], ['effects.json', 'manifest.pcq', 'outputs/a.json', 'outputs/b.json', 'recordings.json', 'run.json']);
  // Headers carry the run's clock and no owner.
  const extract = tar.extract();
  const headers: tar.Header[] = [];
  const it = (async () => {
    for await (const e of extract) {
      headers.push(e.header);
      e.resume();
    }
  })();
  extract.end(gunzipSync(one));
  await it;
  assert.ok(headers.every((h) => h.mtime!.toISOString() === '2026-11-16T00:00:00.000Z' && h.uid === 0 && h.gid === 0 && h.mode === 0o644));
  // A different executedAt is a different bundle.
  const later = await packEvidence(await collectEvidence(executionPaths(a, 'R1', 'exec-1'), new ChangeSet(a)), '2026-11-17T00:00:00Z');
  assert.notDeepEqual(Buffer.from(one), Buffer.from(later));
});

test('a private name can never be packed into the published bundle', async () => {
  for (const name of ['private/withheld/x.csv', 'private/steps/a.json', '.staging/0', 'outputs/../private/x']) {
    await assert.rejects(packEvidence([{ name, bytes: new Uint8Array([1]) }], AT), { code: 'PCQ_PRIVATE_PATH' });
  }
});

test('hostile bundles are refused with PCQ_VERDICT_MALFORMED, never a crash', async () => {
  const refuses = async (bytes: Uint8Array, pattern: RegExp, limits?: Parameters<typeof readEvidence>[1]) => {
    await assert.rejects(readEvidence(bytes, limits), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'PCQ_VERDICT_MALFORMED', err.message);
      assert.match(err.message, pattern);
      return true;
    });
  };
  await refuses(await tarGz([{ header: { name: '../escape.txt' }, body: 'x' }]), /not a safe relative path/);
  await refuses(await tarGz([{ header: { name: '/etc/passwd' }, body: 'x' }]), /not a safe relative path/);
  await refuses(await tarGz([{ header: { name: 'outputs/../../x' }, body: 'x' }]), /not a safe relative path/);
  await refuses(await tarGz([{ header: { name: 'link', type: 'symlink', linkname: '/etc/passwd' } }]), /symlink, not a regular file/);
  await refuses(
    await tarGz([
      { header: { name: 'a' }, body: '1' },
      { header: { name: 'a' }, body: '2' },
    ]),
    /appears twice/,
  );
  await refuses(await tarGz(Array.from({ length: 5 }, (_, i) => ({ header: { name: `f${i}` }, body: 'x' }))), /more than 3 entries/, {
    maxCompressed: 1 << 20,
    maxUncompressed: 1 << 20,
    maxEntries: 3,
  });
  await refuses(new Uint8Array(gzipSync(Buffer.alloc(4 << 20))), /inflates beyond/, { maxCompressed: 1 << 20, maxUncompressed: 1 << 20, maxEntries: 10 }); // a gzip bomb
  await refuses(new Uint8Array([1, 2, 3, 4]), /not gzip/);
  await refuses(new Uint8Array(gzipSync(Buffer.from('hello'))), /512-byte blocks/);
  const good = await tarGz([{ header: { name: 'manifest.pcq' }, body: 'x'.repeat(2000) }]);
  const truncated = gunzipSync(good).subarray(0, 1024); // header claims 2000 bytes, archive ends early
  await refuses(new Uint8Array(gzipSync(truncated)), /not a valid tar archive|512-byte/);
  await refuses(new Uint8Array(gzipSync(Buffer.alloc(1024, 0x41))), /not a valid tar archive/);
  await refuses(new Uint8Array(100), /larger than the 5-byte limit/, { maxCompressed: 5, maxUncompressed: 5, maxEntries: 1 });
  assert.equal(isSafeEntryName('outputs/a.json'), true);
  for (const bad of ['', '.', 'a/./b', 'a//b', 'a\\b', 'a\0b', 'x'.repeat(256)]) assert.equal(isSafeEntryName(bad), false, bad);
});
