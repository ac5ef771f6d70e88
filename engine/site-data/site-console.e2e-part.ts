// The console half of the site's browser test (site.e2e.test.ts calls these; kept apart so each
// file stays readable): issue 14 items 7–9 checked on the built site in real Chromium, with the
// screenshots the acceptance asks for (R1's DAG, a blocked step, a replay diff) saved beside the others.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const SITE_REPO = 'octo/pcq-demo';
export const GITHUB_RUN = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: SITE_REPO,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_WORKFLOW: 'run',
};

/**
 * After the real runs, before the build: two runbooks `pcq validate` refuses, the runs committed to
 * git (so the site finds each publishing commit), then a data change and a replay report that
 * differs. `pcq replay` itself refuses to replay on changed data (PCQ_REPLAY_DATA_CHANGED), so no
 * current pcq writes a differing report; this one is the real report of the R3 replay with one
 * output field changed, standing in for a replay that read other data.
 */
export async function prepareConsoleData(root: string, r3: { runbookId: string; executionId: string }): Promise<{ changedStep: string }> {
  await writeFile(
    join(root, 'runbooks/zz-unknown-prover.yaml'),
    'runbookId: BADPROVER\nname: Bad\nversion: "1"\nsteps:\n  - {stepId: a, type: query, cypher: "MATCH (n) RETURN n", postconditions: [nope]}\n',
  );
  await writeFile(
    join(root, 'runbooks/zz-bad-when.yaml'),
    'runbookId: BADWHEN\nname: Bad when\nversion: "1"\nsteps:\n  - {stepId: a, type: query, cypher: "MATCH (n) RETURN n"}\n  - {stepId: b, type: query, cypher: "MATCH (n) RETURN n", needs: [a], when: "1 +"}\n',
  );
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'pcq',
        GIT_AUTHOR_EMAIL: 'pcq@example.invalid',
        GIT_COMMITTER_NAME: 'pcq',
        GIT_COMMITTER_EMAIL: 'pcq@example.invalid',
      },
      stdio: 'ignore',
      timeout: 30_000,
    });
  git('init', '-q');
  git('add', 'attestations');
  git('commit', '-q', '-m', 'pcq: publish runs');
  const dir = join(root, 'attestations', r3.runbookId, r3.executionId, 'replays');
  const report = JSON.parse(await readFile(join(dir, '1.json'), 'utf8')) as {
    identical: boolean;
    replayedMerkleRoot: string;
    steps: Array<Record<string, unknown>>;
  };
  // The step's outputs as its attestation signs them (R3's steps are private: the signed outputs are
  // salted commitments, and no outputs file is published; the replay page compares signed values).
  const manifest = JSON.parse(await readFile(join(root, 'attestations', r3.runbookId, r3.executionId, 'manifest.pcq'), 'utf8')) as {
    steps: Array<{ stepId: string; attestation: { payload: string } }>;
  };
  const step = report.steps[0]!;
  const signed = manifest.steps.find((m) => m.stepId === step['stepId'])!;
  const original = (JSON.parse(Buffer.from(signed.attestation.payload, 'base64').toString('utf8')) as { predicate: { outputs: unknown } }).predicate.outputs;
  const replayed = changeOneLeaf(original);
  Object.assign(step, {
    identical: false,
    replayedOutputs: replayed,
    replayedDigest: 'sha256:' + 'f'.repeat(64),
    differences: [{ field: 'outputs', original, replayed }],
  });
  report.identical = false;
  report.replayedMerkleRoot = 'sha256:' + 'e'.repeat(64);
  await writeFile(join(dir, '2.json'), JSON.stringify(report, null, 2));
  await appendFile(join(root, 'runbooks/data/intel/entities.csv'), 'E9999,Late Entry,person,late@mail.example,NL,2026-11-20T00:00:00Z,osint-feed\n');
  return { changedStep: String(step['stepId']) };
}

/** The first string or number leaf found, changed (so the diff has exactly one changed field). */
function changeOneLeaf(value: unknown): unknown {
  const copy = structuredClone(value) as unknown;
  let done = false;
  const walk = (v: unknown): unknown => {
    if (done) return v;
    if (typeof v === 'string') return ((done = true), `${v} (changed)`);
    if (typeof v === 'number') return ((done = true), v + 1);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(copy);
  assert.ok(done, 'the step has a leaf to change');
  return out;
}

export async function checkRunbookConsole(page: Page, base: string): Promise<void> {
  await page.goto(`${base}runbooks/`);
  assert.equal(await page.locator('[data-valid="false"]').count(), 1, 'BADWHEN is marked invalid in the list');
  assert.match((await page.locator('[data-invalid-file="runbooks/zz-unknown-prover.yaml"]').textContent()) ?? '', /invalid[\s\S]*PCQ_UNKNOWN_PROVER/);
  await page.goto(`${base}runbooks/BADWHEN/`);
  assert.match((await page.locator('#runbook-invalid').textContent()) ?? '', /refuses[\s\S]*PCQ_[A-Z_]+[\s\S]*zz-bad-when\.yaml:\d+:\d+/);
  await page.goto(`${base}runbooks/R1/`);
  assert.equal(await page.locator('#run-workflow-link').getAttribute('href'), `https://github.com/${SITE_REPO}/actions/workflows/run.yml`);
  assert.equal(
    (await page.locator('#dispatch-line').textContent())?.trim(),
    `gh workflow run run.yml -R ${SITE_REPO} -f button=enrich-entities -f 'params={"enrichmentSource":"full"}'`,
  );
}

export async function checkRunLinks(page: Page, base: string, runs: { r2: string; blocked: string; approved: string }): Promise<void> {
  await page.goto(`${base}runs/R2/${runs.r2}/`);
  assert.equal(await page.locator('#link-actions-run a').getAttribute('href'), `https://github.com/${SITE_REPO}/actions/runs/4242/attempts/2`);
  assert.match((await page.locator('#link-commit a').getAttribute('href')) ?? '', new RegExp(`^https://github\\.com/${SITE_REPO}/commit/[0-9a-f]{40}$`));
  assert.match((await page.locator('#link-review-pr').textContent()) ?? '', /no prover failed/);
  await page.goto(`${base}runs/R1/${runs.blocked}/`);
  assert.match((await page.locator('#link-actions-run').textContent()) ?? '', /none recorded/, 'a local run says it has no Actions run');
  assert.match((await page.locator('#link-review-pr a').getAttribute('href')) ?? '', /\/pulls\?q=is%3Apr%20head%3Apcq%2Freview%2FR1%2F/);
  await page.goto(`${base}reviews/`);
  assert.equal(await page.locator('#review-queue td.review-pr a').count(), 2, 'each review in the queue links its PR');
}

export async function checkReplayDiff(page: Page, base: string, r3: string, changedStep: string, shots: string): Promise<void> {
  await page.goto(`${base}runs/R3/${r3}/replays/2/`);
  assert.equal(await page.locator('#replay-cause').getAttribute('data-cause'), 'data');
  assert.match((await page.locator('#replay-cause').textContent()) ?? '', /data change[\s\S]*runbooks\/data\/intel\/entities\.csv/);
  const section = page.locator(`section[data-step="${changedStep}"]`);
  assert.equal(await section.getAttribute('data-identical'), 'false');
  assert.equal(await section.locator('table.field-changes tbody tr').count(), 1, 'exactly the one changed field is listed');
  const path = await section.locator('table.field-changes tbody tr').getAttribute('data-path');
  assert.match(path ?? '', /^\/outputs\//);
  // The changed line is highlighted on both sides (and only that line).
  assert.equal(await section.locator('mark.diff-del').count(), 1);
  assert.equal(await section.locator('mark.diff-add').count(), 1);
  assert.equal(await section.locator('mark.diff-add').getAttribute('data-path'), path!.slice('/outputs'.length));
  assert.match((await section.locator('mark.diff-add').textContent()) ?? '', /\(changed\)|\d/);
  await section.scrollIntoViewIfNeeded();
  await page.locator('#replay-cause').screenshot({ path: join(shots, 'replay-cause.png') });
  await section.screenshot({ path: join(shots, 'replay-diff.png') });
}

export async function checkOwnTrust(page: Page, base: string, manifestUrl: string, runnerKey: string, otherKey: string): Promise<void> {
  await page.goto(`${base}verify/`);
  assert.ok((await page.locator('#site-trust-keys tbody tr').count()) >= 1, 'the keys the site trusts are listed');
  assert.match((await page.locator('#site-trust-keys').textContent()) ?? '', /policies\/trust\.yaml|DEV OVERLAY/);
  await page.locator('#own-trust-text').fill(otherKey);
  await page.getByRole('button', { name: 'Use this trust' }).click();
  assert.equal(await page.locator('#trust-in-use').getAttribute('data-trust'), 'own');
  await page.locator('#published').selectOption({ value: manifestUrl });
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.locator('#verdict[data-ok="false"]').waitFor();
  assert.match((await page.locator('#verdict').getAttribute('data-codes')) ?? '', /PCQ_KEY_UNKNOWN/);
  await page.locator('#own-trust-text').fill(runnerKey);
  await page.getByRole('button', { name: 'Use this trust' }).click();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.locator('#verdict[data-ok="true"]').waitFor();
  assert.match((await page.locator('#result').textContent()) ?? '', /trusting 1 key you supplied/);
}
