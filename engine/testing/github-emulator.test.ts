// The emulator's own honesty: it refuses requests GitHub would refuse, and its validator catches a
// response GitHub would never send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GitHubEmulator } from './github-emulator.ts';
import { exampleResponse, validateRequest, validateResponse } from './github-emulator-openapi.ts';

let gh: GitHubEmulator;
before(async () => {
  gh = await new GitHubEmulator('acme', 'ops').start();
  gh.state.push('main', { 'a.txt': 'a' }, 'alice');
});
after(() => gh.stop());

const call = (method: string, path: string, body?: unknown, token = 'test-token') =>
  fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

test('a PR creation without head/base and with a numeric title is refused with 422 and the ajv errors', async () => {
  const res = await call('POST', '/repos/acme/ops/pulls', { title: 42 });
  assert.equal(res.status, 422);
  const body = (await res.json()) as { errors: Array<{ where: string; errors: Array<{ message: string; params: Record<string, unknown> }> }> };
  const messages = body.errors.flatMap((e) => e.errors.map((x) => `${e.where}: ${x.message}`));
  assert.ok(messages.includes("request body: must have required property 'head'"), messages.join('\n'));
  assert.ok(messages.includes('request body: must be string'));
  assert.equal(gh.rejectedRequests.length, 1);
});

test('a query parameter the operation does not declare, or of the wrong type, is refused', async () => {
  const bad = await call('GET', '/repos/acme/ops/pulls?per_page=lots');
  assert.equal(bad.status, 422);
  const unknown = await call('GET', '/repos/acme/ops/pulls?colour=blue');
  assert.equal(unknown.status, 422);
  const good = await call('GET', '/repos/acme/ops/pulls?per_page=5&state=open');
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), []);
});

test('an enum outside the description is refused (merge_method)', async () => {
  const res = await call('PUT', '/repos/acme/ops/pulls/1/merge', { merge_method: 'octopus' });
  assert.equal(res.status, 422);
});

test('bad credentials answer 401 with a basic-error body', async () => {
  const res = await call('GET', '/repos/acme/ops/pulls/1', undefined, 'nope');
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { message: string }).message, 'Bad credentials');
});

test('unknown repository is 404; an unserved path says so', async () => {
  assert.equal((await call('GET', '/repos/other/repo/pulls/1')).status, 404);
  const res = await call('GET', '/repos/acme/ops/actions/workflows');
  assert.equal(res.status, 404);
  assert.match(((await res.json()) as { message: string }).message, /does not serve/);
});

test('the validator catches a response missing a required field, and a wrong type', () => {
  const pr = exampleResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200);
  pr.requested_teams = [];
  assert.deepEqual(validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, pr), []);
  const missing = structuredClone(pr);
  delete missing.head;
  const problems = validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, missing);
  assert.equal(problems.length, 1);
  assert.ok(problems[0]!.errors.some((e) => e.message === "must have required property 'head'"));
  const wrongType = { ...pr, number: 'seven' };
  assert.ok(validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, wrongType)[0]!.errors.some((e) => e.instancePath === '/number'));
  const nullUser = { ...pr, user: null };
  assert.notDeepEqual(
    validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, nullUser),
    [],
    'pull-request.user is simple-user, not nullable',
  );
});

test("GitHub's own example for GET pull is not blindly trusted: its requested_teams entry lacks `type`", () => {
  const pr = exampleResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200);
  const problems = validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200, pr);
  assert.ok(problems[0]?.errors.some((e) => e.instancePath === '/requested_teams/0'));
});

test('undeclared statuses are refused unless they are error bodies', () => {
  assert.equal(validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}/commits', 201, []).length, 1);
  assert.deepEqual(validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}/commits', 404, { message: 'Not Found' }, true), []);
  assert.equal(validateResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}/commits', 404, { message: 42 }, true).length, 1);
});

test('path params are typed: pull_number must be an integer', () => {
  const problems = validateRequest(
    'get',
    '/repos/{owner}/{repo}/pulls/{pull_number}',
    { owner: 'a', repo: 'b', pull_number: 'x' },
    new URLSearchParams(),
    undefined,
  );
  assert.equal(problems[0]?.where, 'path param pull_number');
  assert.throws(() => validateRequest('get', '/repos/{owner}/{repo}/no-such', {}, new URLSearchParams(), undefined), /no operation/);
});

test('workflow runs: filtered by status, paginated, shaped as GitHub describes them; an unknown status is refused', async () => {
  const before = gh.rejectedRequests.length;
  gh.state.workflowRuns.push(
    { id: 1, name: 'run', status: 'queued', event: 'workflow_dispatch' },
    { id: 2, name: 'run', status: 'in_progress', event: 'workflow_dispatch' },
    { id: 3, name: 'run', status: 'queued', event: 'workflow_dispatch' },
  );
  try {
    const res = await call('GET', '/repos/acme/ops/actions/runs?status=queued&per_page=1');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { total_count: number; workflow_runs: Array<{ id: number; status: string }> };
    assert.equal(body.total_count, 2);
    assert.deepEqual(
      body.workflow_runs.map((r) => [r.id, r.status]),
      [[1, 'queued']],
    );
    assert.deepEqual(validateResponse('get', '/repos/{owner}/{repo}/actions/runs', 200, body), []);
    assert.equal(gh.rejectedRequests.length, before);
    // GitHub's description enumerates the statuses; anything else is a request GitHub would refuse.
    const bad = await call('GET', '/repos/acme/ops/actions/runs?status=sleeping');
    assert.equal(bad.status, 422);
  } finally {
    gh.state.workflowRuns.length = 0;
  }
});
