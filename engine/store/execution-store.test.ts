// The execution store's guarantee: a change is all there or not there, whatever point a crash
// hits; the next command rolls a committed change forward and a staged one back, leaves a live
// one alone, and reports what it cannot repair. Real-process SIGKILL trials are in
// testing/store-stress/stress.test.ts (bounded) and stress.ts there (npm run stress).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { ChangeSet } from './change-set.ts';
import { commitChange, recoverStore, stageChange } from './execution-store.ts';
import { readIndex, type IndexEntry } from './execution-index.ts';
import { SYNCFS_MIN_FILES, syncFileSystem } from './sync-fs.ts';
import { executionPaths, isPublicPath, isPublicStorePath, listPublicFiles } from './layout.ts';

const entry = (id: string): IndexEntry => ({
  executionId: id,
  runbookId: 'R1',
  version: '1.0',
  executedAt: '2026-11-16T00:00:00Z',
  startedAt: '2026-11-22T00:00:00Z',
  status: 'blocked',
  verdict: 'blocked',
  merkleRoot: 'sha256:' + '0'.repeat(64),
  path: `R1/${id}`,
  actor: 'dev',
});

function runChange(root: string, id: string): ChangeSet {
  const paths = executionPaths(root, 'R1', id);
  const change = new ChangeSet(root);
  change.put(paths.manifest, '{"m":1}\n');
  change.put(join(paths.outputs, 'a.json'), '1\n');
  change.put(join(paths.withheld, 'x.csv'), 'id,email\n1,a@example.org\n');
  change.put(join(root, 'reviews', `${id}.yaml`), 'state: open\n');
  change.setIndex({ kind: 'upsert', entry: entry(id) });
  return change;
}

/** The lock of a transaction as a SIGKILLed process leaves it: its owner no longer runs. */
async function orphan(lockPath: string): Promise<void> {
  await writeFile(lockPath, JSON.stringify({ pid: 2 ** 22 + 11, host: hostname(), start: null, token: 'dead', at: new Date().toISOString() }));
}

test('a commit puts every file, classifies it, and lists the run in the index last', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  const committed = await commitChange(runChange(root, 'ex-1'));
  const dir = executionPaths(root, 'R1', 'ex-1').dir;
  assert.deepEqual(await listPublicFiles(dir), ['manifest.pcq', 'outputs/a.json']);
  assert.equal(await readFile(join(dir, 'private/withheld/x.csv'), 'utf8'), 'id,email\n1,a@example.org\n');
  assert.deepEqual(committed.publicPaths.map((p) => p.slice(root.length + 1)).sort(), ['R1/ex-1/manifest.pcq', 'R1/ex-1/outputs/a.json', 'reviews/ex-1.yaml']);
  assert.equal(committed.indexChanged, true);
  assert.deepEqual(
    (await readIndex(root)).executions.map((e) => e.executionId),
    ['ex-1'],
  );
  assert.deepEqual(await readdir(join(root, '.staging')), [], 'no staging left');
  assert.match(await readFile(join(root, '.gitignore'), 'utf8'), /\*\/\*\/private\//);
});

test('killed before the commit point: the next command rolls the change back, nothing appears', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  const staged = await stageChange(runChange(root, 'ex-2'));
  await rm(join(staged.txDir, 'journal.json')); // the journal never made it to disk
  await orphan(`${staged.txDir}.lock`);
  const report = await recoverStore(root);
  assert.deepEqual(report.rolledBack, [staged.tx]);
  assert.deepEqual(await readdir(root).then((n) => n.filter((x) => !x.startsWith('.'))), [], 'no execution, no ticket, no index');
  assert.deepEqual(await readdir(join(root, '.staging')), []);
});

test('killed after the commit point, half applied: the next command rolls it forward, index last', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  const staged = await stageChange(runChange(root, 'ex-3'));
  // Apply the first rename by hand, as a process killed right after it would have.
  const first = staged.journal.puts[0]!;
  await mkdir(join(root, first.path, '..'), { recursive: true });
  await writeFile(join(root, first.path), await readFile(join(staged.txDir, first.staged)));
  await rm(join(staged.txDir, first.staged));
  await orphan(`${staged.txDir}.lock`);
  assert.deepEqual((await readIndex(root)).executions, [], 'not listed while incomplete');
  const report = await recoverStore(root);
  assert.deepEqual(report.rolledForward, [staged.tx]);
  assert.deepEqual(await listPublicFiles(executionPaths(root, 'R1', 'ex-3').dir), ['manifest.pcq', 'outputs/a.json']);
  assert.deepEqual(
    (await readIndex(root)).executions.map((e) => e.executionId),
    ['ex-3'],
  );
  assert.deepEqual(await readdir(join(root, '.staging')), []);
});

test('a live transaction is left alone; a damaged journal is reported, not guessed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  const live = await stageChange(runChange(root, 'ex-4'));
  assert.deepEqual(await recoverStore(root), { rolledForward: [], rolledBack: [], issues: [] });
  await writeFile(join(live.txDir, 'journal.json'), '{"version":1,"puts":[{"staged":"0","path":"../../etc/passwd"}]}');
  await live.release();
  const report = await recoverStore(root);
  assert.deepEqual(
    report.issues.map((i) => i.code),
    ['PCQ_STORE_INCOMPLETE'],
  );
  assert.deepEqual(await readdir(root).then((n) => n.filter((x) => !x.startsWith('.'))), []);
});

test('a change set reads through itself: what it put, over what is on disk, minus what it removed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  await commitChange(runChange(root, 'ex-5'));
  const paths = executionPaths(root, 'R1', 'ex-5');
  const change = new ChangeSet(root);
  change.put(join(paths.exports, 'x.csv'), 'released');
  change.remove(join(paths.withheld, 'x.csv'));
  assert.deepEqual(await change.list(paths.withheld), []);
  assert.deepEqual(await change.list(paths.exports), ['x.csv']);
  assert.equal(await change.readText(paths.manifest), '{"m":1}\n');
  assert.throws(() => change.put('/etc/passwd', 'x'), { code: 'PCQ_INTERNAL' });
  await commitChange(change);
  assert.deepEqual(await readdir(paths.dir), ['exports', 'manifest.pcq', 'outputs'], 'the emptied private/ folder is gone');
});

test('one classification rule: private/, dot-files and odd paths are never public', () => {
  for (const rel of ['manifest.pcq', 'exports/a.csv', 'outputs/s.json', 'sealed/a.csv.age', 'replays/1.json']) assert.equal(isPublicPath(rel), true, rel);
  for (const rel of ['private/withheld/a.csv', 'private/steps/x.json', '.x.tmp', 'outputs/.a.json.1.tmp', '../x', 'a/../private/x', '/abs', '', 'a//b', 'a\\b'])
    assert.equal(isPublicPath(rel), false, rel);
  assert.equal(isPublicStorePath('index.json'), true);
  assert.equal(isPublicStorePath('reviews/ex.yaml'), true);
  assert.equal(isPublicStorePath('R1/ex/private/withheld/a.csv'), false);
  assert.equal(isPublicStorePath('.staging/tx/0'), false);
  assert.equal(isPublicStorePath('index.json.lock'), false);
});

test('a large change (one file per step) is staged with one file-system flush and lands whole, modes kept', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  const paths = executionPaths(root, 'R1', 'ex-big');
  const change = new ChangeSet(root);
  const n = SYNCFS_MIN_FILES * 2;
  for (let i = 0; i < n; i++) change.put(join(paths.outputs, `s${i}.json`), `${i}\n`);
  change.put(join(paths.private, 'steps', 'p.json'), '{"secret-ish":1}\n');
  change.setIndex({ kind: 'upsert', entry: entry('ex-big') });
  const staged = await stageChange(change);
  // The commit point is written only after the staged files are durable: every one is there, whole.
  for (const put of staged.journal.puts)
    assert.equal(await readFile(join(staged.txDir, put.staged), 'utf8'), new TextDecoder().decode(change.puts[Number(put.staged)]!.bytes));
  await staged.release();
  await recoverStore(root); // rolls the committed transaction forward, as after a crash
  for (let i = 0; i < n; i++) assert.equal(await readFile(join(paths.outputs, `s${i}.json`), 'utf8'), `${i}\n`);
  assert.equal((await stat(join(paths.private, 'steps', 'p.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(paths.outputs, 's0.json'))).mode & 0o777, 0o644);
  assert.deepEqual(
    (await readIndex(root)).executions.map((e) => e.executionId),
    ['ex-big'],
  );
  await rm(root, { recursive: true, force: true });
});

test('a large change killed halfway through its renames is rolled forward whole: files already moved are skipped', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-store-'));
  const paths = executionPaths(root, 'R1', 'ex-half');
  const change = new ChangeSet(root);
  const n = SYNCFS_MIN_FILES * 3; // the synchronous, sliced rename path (execution-store.ts inSlices)
  for (let i = 0; i < n; i++) change.put(join(paths.outputs, `s${i}.json`), `${i}\n`);
  change.setIndex({ kind: 'upsert', entry: entry('ex-half') });
  const staged = await stageChange(change);
  // A process killed after its first renames: some staged files are in place, the rest still staged.
  await mkdir(paths.outputs, { recursive: true });
  for (const put of staged.journal.puts.slice(0, n / 2)) await writeFile(join(root, put.path), await readFile(join(staged.txDir, put.staged)));
  for (const put of staged.journal.puts.slice(0, n / 2)) await rm(join(staged.txDir, put.staged));
  await orphan(`${staged.txDir}.lock`);
  assert.deepEqual((await readIndex(root)).executions, [], 'not listed while incomplete');
  const report = await recoverStore(root);
  assert.deepEqual(report, { rolledForward: [staged.tx], rolledBack: [], issues: [] });
  for (let i = 0; i < n; i++) assert.equal(await readFile(join(paths.outputs, `s${i}.json`), 'utf8'), `${i}\n`);
  assert.deepEqual(
    (await readIndex(root)).executions.map((e) => e.executionId),
    ['ex-half'],
  );
  assert.deepEqual(await readdir(join(root, '.staging')), []);
  await rm(root, { recursive: true, force: true });
});

test('syncFileSystem flushes the file system of a folder where coreutils sync exists, and says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-syncfs-'));
  const expected = process.platform === 'linux' && (existsSync('/usr/bin/sync') || existsSync('/bin/sync'));
  assert.equal(await syncFileSystem(dir), expected);
  await rm(dir, { recursive: true, force: true });
});
