// The site in a real browser (issue 5 "Tests in a real browser"): build it from a signed
// attestations tree, serve it on 127.0.0.1, drive Debian's chromium through playwright-core, walk
// home → runbook → execution → verify → reviews → replay, verify every published manifest (✅) and
// a tampered one (❌ with the codes `pcq verify` gives), scan each page with axe-core, record
// every request (none may leave 127.0.0.1) and save screenshots to test-results/site/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { writeFixtureTree } from './fixture-tree.ts';
import { serveStatic } from '../../scripts/site-serve.mjs';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const shots = join(repo, 'test-results/site');

async function axeScan(page: Page, label: string): Promise<void> {
  await page.addScriptTag({ path: join(repo, 'node_modules/axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${label}: axe found serious/critical violations`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

test('the built site browses, verifies in the browser, and stays on 127.0.0.1', { skip: !existsSync(CHROMIUM) && 'chromium is not installed', timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'pcq-site-e2e-'));
  await mkdir(shots, { recursive: true });
  const tree = await writeFixtureTree(join(work, 'repo'));
  const out = join(work, 'out');
  const build = await run(process.execPath, [join(repo, 'scripts/site-build.mjs'), '--data', tree.root, '--out', out], { cwd: repo });
  assert.match(build.stdout, /site built in/);

  // A tampered manifest: one signature byte changed.
  const original = tree.runs[0]!;
  const text = await readFile(join(original.dir, 'manifest.pcq'), 'utf8');
  const sig = original.manifest.steps[1]!.attestation.signatures[0]!.sig;
  const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
  const tampered = text.replace(sig, flipped);
  assert.notEqual(tampered, text);
  const tamperedPath = join(work, 'tampered.pcq');
  await writeFile(tamperedPath, tampered);
  // The reference is the CLI, run as a user would: `pcq verify --json` from the repository root.
  const cli = (file: string) =>
    run(process.execPath, ['--import', import.meta.resolve('tsx'), join(repo, 'engine/cli/main.ts'), 'verify', file, '--json'], { cwd: tree.root, env: { ...process.env, PCQ_MODE: 'dev' } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const cliTampered = await cli(tamperedPath);
  assert.equal(cliTampered.code, 1, cliTampered.stderr);
  assert.doesNotMatch(cliTampered.stderr, /\n\s+at /, 'no stack trace');
  const reference = JSON.parse(cliTampered.stdout) as { ok: boolean; checks: Array<{ ok: boolean; code: string }> };
  assert.equal(reference.ok, false);
  assert.equal((await cli(join(original.dir, 'manifest.pcq'))).code, 0, 'the CLI accepts the untampered manifest');
  const expectedCodes = [...new Set(reference.checks.filter((c) => !c.ok).map((c) => c.code))].sort();

  const server = await serveStatic(out);
  const requests: string[] = [];
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  try {
    context.on('request', (r) => requests.push(r.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Home: counts by verdict.
    await page.goto(server.url);
    for (const verdict of ['pass', 'blocked', 'approved', 'rejected']) {
      assert.equal((await page.locator(`[data-verdict="${verdict}"] .count`).textContent())?.trim(), '1', `one ${verdict} run`);
    }
    await shot(page, 'home');
    await axeScan(page, 'home');

    // Runbook: DAG drawn at build time, the dispatch button and CLI line.
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Runbooks' }).click();
    await page.getByRole('link', { name: 'R1', exact: true }).click();
    assert.equal(await page.locator('svg.dag .dag-node').count(), 4);
    assert.match((await page.locator('#dispatch-line').textContent()) ?? '', /button=enrich-entities/);
    assert.match((await page.locator('#cli-line').textContent()) ?? '', /pcq run runbooks\/R1-entity-enrichment\.yaml/);
    await shot(page, 'runbook');
    await axeScan(page, 'runbook');

    // Execution: timeline, coloured DAG, attestations, downloads served.
    await page.getByRole('link', { name: original.executionId }).first().click();
    assert.equal(await page.locator('ol.timeline > li').count(), 4);
    assert.equal(await page.locator('svg.dag .dag-node--succeeded').count(), 4);
    assert.equal(await page.locator('section[id^="step-"]').count(), 4);
    for (const name of ['manifest.pcq', `${original.executionId}.intoto.jsonl`, 'score.json', 'evidence.tar.gz', 'verdict.sig', 'verdict.pub']) {
      const link = page.locator(`a[download][href$="/${name}"]`);
      const response = await page.request.get(new URL((await link.getAttribute('href'))!, page.url()).href);
      assert.equal(response.status(), 200, `${name} is downloadable`);
    }
    await shot(page, 'execution');
    await axeScan(page, 'execution');

    // Verify: the run page's link verifies its manifest, then every published manifest passes.
    await page.getByRole('link', { name: 'Verify this manifest in the browser' }).click();
    await page.locator('#verdict').waitFor();
    assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'true');
    await page.getByRole('button', { name: /Verify all/ }).click();
    await page.locator('#all-checks').waitFor();
    assert.equal(await page.locator('#all-checks tr[data-ok="true"]').count(), tree.runs.length);
    assert.match((await page.locator('#all-checks caption').textContent()) ?? '', /^✅ All 4/);

    // A tampered manifest from disk: ❌ with the same codes as `pcq verify`.
    await page.locator('#manifest-file').setInputFiles(tamperedPath);
    await page.locator('#verdict[data-ok="false"]').waitFor();
    assert.match((await page.locator('#verdict').textContent()) ?? '', /❌ Verification failed/);
    const browserCodes = ((await page.locator('#verdict').getAttribute('data-codes')) ?? '').split(' ').filter(Boolean).sort();
    assert.deepEqual(browserCodes, expectedCodes);
    await shot(page, 'verify-tampered');
    await axeScan(page, 'verify');

    // Reviews: the queue with each state.
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Reviews' }).click();
    const states = await page.locator('#review-queue tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.state).sort());
    assert.deepEqual(states, ['approved', 'open', 'rejected']);
    await shot(page, 'reviews');
    await axeScan(page, 'reviews');

    // Replay: per-step identical.
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Replays' }).click();
    await page.getByRole('link', { name: /R1 replay 1/ }).click();
    assert.equal(await page.locator('section[data-identical="true"]').count(), 4);
    await shot(page, 'replay');
    await axeScan(page, 'replay');

    // Keys in dark mode (the other palette gets its own contrast scan).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Keys' }).click();
    assert.equal(await page.locator('#trust-store tbody tr').count(), 5);
    assert.equal(await page.getByText('local dev key').count() >= 1, true);
    await shot(page, 'keys-dark');
    await axeScan(page, 'keys (dark)');

    // Search: pagefind's index, built offline, answers in the browser.
    await page.goto(`${server.url}search/?q=completeness`);
    await page.locator('#search-results li').first().waitFor();
    assert.ok((await page.locator('#search-results li').count()) >= 1);

    assert.deepEqual(errors, [], 'no script errors');
    const outside = requests.filter((u) => !u.startsWith('http://127.0.0.1:') && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.deepEqual(outside, [], 'every request stays on 127.0.0.1');
  } finally {
    await context.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
});
