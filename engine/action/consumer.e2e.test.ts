// Issue 14 acceptance: pcq used from ANOTHER repository as `uses: pcq-org/pcq@v0`. The consumer is
// a fresh git repository holding only runbooks/, policies/ and spells/ (no package.json, no pcq sources, no
// node_modules). The action is a release tree unpacked where the runner unpacks actions
// (…/_actions/pcq-org/pcq/v0: the tracked files plus a built dist/), and action.yml is executed
// with composite semantics (engine/testing/composite-action.ts): inputs through `with:`, INPUT_*
// mapped by action.yml's env, GITHUB_ACTION_PATH, per-step GITHUB_OUTPUT, the working directory the
// consumer's checkout. GitHub is the loopback emulator. The install step finds the folder already
// set up (its marker holds the lock file's digest, as after a restored cache): installing from the
// registry is the one thing this machine cannot do offline, and node_modules is linked instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GitHubEmulator } from '../testing/github-emulator.ts';
import { runCompositeAction, type CompositeRun } from '../testing/composite-action.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const vectors = join(ROOT, 'engine/testing/vectors/github-webhooks');
let gh: GitHubEmulator;
let scratch: string;
let actionPath: string;
let consumer: string;

function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.name === '.git') continue;
    if (e.isDirectory()) Object.assign(out, tree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

before(async () => {
  gh = await new GitHubEmulator('acme', 'ops-runbooks').start();
  scratch = mkdtempSync(join(tmpdir(), 'pcq-consumer-'));
  // The release tree: every tracked file as it stands, plus dist/ built the way a release builds it.
  actionPath = join(scratch, '_actions/pcq-org/pcq/v0');
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(actionPath, file)), { recursive: true });
    cpSync(join(ROOT, file), join(actionPath, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(actionPath, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: actionPath, stdio: 'pipe', timeout: 120_000 });
  writeFileSync(
    join(actionPath, '.pcq-installed'),
    createHash('sha256')
      .update(readFileSync(join(actionPath, 'package-lock.json')))
      .digest('hex') + '\n',
  );
  // The consumer: a new repository with runbooks, policies and spells only.
  consumer = join(scratch, 'work/ops-runbooks');
  mkdirSync(consumer, { recursive: true });
  cpSync(join(ROOT, 'runbooks'), join(consumer, 'runbooks'), { recursive: true });
  cpSync(join(ROOT, 'policies'), join(consumer, 'policies'), { recursive: true });
  cpSync(join(ROOT, 'spells'), join(consumer, 'spells'), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: consumer, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'runbooks and policies');
  gh.state.push('main', tree(consumer), 'maintainer-mia', 'initial');
  for (const [login, p] of [
    ['maintainer-mia', 'admin'],
    ['octocat', 'write'],
    ['ombuds-alice', 'write'],
    ['ombuds-bob', 'write'],
    ['ombuds-carol', 'write'],
  ] as const)
    gh.state.permissions.set(login, p);
});

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await gh.stop();
  assert.deepEqual(gh.rejectedRequests, [], 'the Action sent a request GitHub would refuse');
});

function eventFile(payload: unknown): string {
  const path = join(scratch, `event-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

async function uses(withArgs: Record<string, string>, eventName: string, payload: unknown, actor: string): Promise<CompositeRun> {
  const summary = join(scratch, `summary-${Math.random().toString(36).slice(2)}`);
  writeFileSync(summary, '');
  const pinned: string[] = [];
  const res = await runCompositeAction({
    actionPath,
    workspace: consumer,
    with: withArgs,
    token: 'test-token',
    env: {
      // Node 24 first on PATH, as actions/setup-node leaves it.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      HOME: scratch,
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: eventFile(payload),
      GITHUB_ACTOR: actor,
      GITHUB_REPOSITORY: 'acme/ops-runbooks',
      GITHUB_API_URL: gh.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_TOKEN: 'test-token',
      PCQ_MODE: 'dev',
      ASTRO_TELEMETRY_DISABLED: '1',
    },
    uses: (ref, args) => {
      assert.match(ref, /^actions\/setup-node@[0-9a-f]{40}$/, 'third-party actions are pinned by SHA');
      assert.equal(args['node-version'], '24');
      pinned.push(ref);
    },
  });
  assert.doesNotMatch(res.stdout + res.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace reaches the log');
  assert.match(res.stdout, /pcq: dependencies already installed in .*_actions\/pcq-org\/pcq\/v0/, res.stderr);
  return res;
}

const dispatch = () => JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')) as unknown;

test('the consumer holds no pcq code: no package.json, no node_modules, no engine/', () => {
  assert.deepEqual(readdirSync(consumer).sort(), ['.git', 'policies', 'runbooks', 'spells']);
});

test('validate on a pull request, from the action path', async () => {
  gh.state.branches.set('feature/x', gh.state.branchSha('main'));
  const pr = gh.state.openPull({ title: 'x', body: '', user: 'octocat', head: 'feature/x', base: 'main' });
  const p = JSON.parse(readFileSync(join(vectors, 'pull_request_opened.payload.json'), 'utf8')) as Record<string, any>;
  p.number = pr.number;
  Object.assign(p.pull_request, { number: pr.number, user: { ...p.pull_request.user, login: 'octocat', type: 'User' } });
  Object.assign(p.pull_request.head, { ref: pr.head, sha: gh.state.headSha(pr) });
  Object.assign(p.pull_request.base, { ref: 'main', sha: gh.state.branchSha('main') });
  const res = await uses({ command: 'validate' }, 'pull_request', p, 'octocat');
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'valid');
  assert.deepEqual(
    res.steps.map((s) => s.status),
    ['used', 'ran', 'ran', 'skipped'],
  );
});

let blocked = { id: '', pr: 0 };

test('a dispatch that passes publishes one commit; a blocked one opens the ombuds review PR', async () => {
  const pass = await uses(
    { command: 'run', button: 'enrich-entities', params: '{"enrichmentSource":"full"}', 'as-of': '2026-03-01T00:00:00Z' },
    'workflow_dispatch',
    dispatch(),
    'octocat',
  );
  assert.equal(pass.code, 0, pass.stdout + pass.stderr);
  assert.equal(pass.outputs.verdict, 'pass');
  assert.ok(gh.state.fileAt(pass.outputs['manifest-path']!, 'main'), 'manifest published');
  assert.ok(existsSync(join(consumer, pass.outputs['manifest-path']!)));
  const stop = await uses(
    { command: 'run', button: 'enrich-entities', params: '{"enrichmentSource":"partial"}', 'as-of': '2026-03-01T00:00:00Z' },
    'workflow_dispatch',
    dispatch(),
    'octocat',
  );
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);
  assert.equal(stop.outputs.verdict, 'blocked');
  const id = stop.outputs['execution-id']!;
  const pr = [...gh.state.pulls.values()].find((x) => x.head === `pcq/review/R1/${id}`);
  assert.ok(pr, 'review PR opened');
  assert.equal(stop.outputs['review-pr-url'], `https://github.com/acme/ops-runbooks/pull/${pr.number}`);
  blocked = { id, pr: pr.number };
});

test('an ombuds approval releases the withheld export and merges the review PR', async () => {
  rmSync(join(consumer, `attestations/reviews/${blocked.id}.yaml`), { force: true }); // the base checkout
  const review = gh.state.review(blocked.pr, 'ombuds-bob', 'APPROVED');
  const p = JSON.parse(readFileSync(join(vectors, 'pull_request_review_submitted.payload.json'), 'utf8')) as Record<string, any>;
  const pr = gh.state.pull(blocked.pr);
  Object.assign(p.review, { id: review.id, state: 'approved', commit_id: review.commitId, user: { ...p.review.user, login: 'ombuds-bob', type: 'User' } });
  Object.assign(p.pull_request, { number: blocked.pr, user: { ...p.pull_request.user, login: pr.user, type: gh.state.user(pr.user).type } });
  Object.assign(p.pull_request.head, { ref: pr.head, sha: gh.state.headSha(pr) });
  Object.assign(p.pull_request.base, { ref: pr.base, sha: gh.state.branchSha(pr.base) });
  const res = await uses({ command: 'review' }, 'pull_request_review', p, 'ombuds-bob');
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'approved');
  assert.ok(gh.state.pull(blocked.pr).mergedSha, 'merged');
  const onMain = [...gh.state.commit(gh.state.branchSha('main')).files.keys()];
  assert.ok(
    onMain.some((f) => f.startsWith(`attestations/R1/${blocked.id}/exports/`)),
    'export released',
  );
});

test("the site builds from the consumer's data with the action's own site sources", async () => {
  const res = await uses({ command: 'site', 'site-out': '_site', 'site-base': '/ops-runbooks/' }, 'workflow_dispatch', dispatch(), 'maintainer-mia');
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.deepEqual(
    res.steps.map((s) => s.status),
    ['used', 'ran', 'skipped', 'ran'],
  );
  assert.ok(existsSync(join(consumer, '_site/index.html')));
  assert.ok(existsSync(join(consumer, `_site/runs/R1/${blocked.id}/index.html`)), 'the blocked run has its page');
  assert.ok(!existsSync(join(consumer, 'node_modules')) && !existsSync(join(consumer, 'package.json')), 'nothing of pcq was written into the consumer');
});
