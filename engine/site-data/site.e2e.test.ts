// The site in a real browser (issue 5 "Tests in a real browser"), built from runs the real CLI
// produced: a temp copy of the repository's runbooks/ and policies/, where `pcq run` executes R1,
// R2, R3 and two R1 runs on the partial enrichment source (blocked by the completeness
// postcondition, each opening an ombuds ticket), `pcq review approve` decides one of them and
// `pcq replay` replays R3. Then: build the site, serve it on 127.0.0.1, drive Debian's chromium
// through playwright-core, walk home → runbook → execution → verify → reviews → replay, verify every
// published manifest (✅) and a tampered one (❌ with the codes `pcq verify` gives), scan each page
// with axe-core, record every request (none may leave 127.0.0.1), save screenshots to
// test-results/site/ (git-ignored; the test prints the path): among them r1-dag.png, blocked-step-dag.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { serveStatic } from '../../scripts/site-serve.mjs';
import { writeReviewerKey } from '../testing/reviewer-key.ts';
import { segmentHitsBox } from '../plan/layout-check.ts';
import { nodeSigner } from '../proof/ed25519-node.ts';
import { checkAnchorsInBrowser, prepareAnchoredManifests } from './site-anchor.e2e-part.ts';
import { GITHUB_RUN, SITE_REPO, checkOwnTrust, checkReplayDiff, checkRunLinks, checkRunbookConsole, prepareConsoleData } from './site-console.e2e-part.ts';
import { CHROMIUM, launchHeadless } from '../testing/headless-chromium.ts';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const shots = join(repo, 'test-results/site');
const AS_OF = '2026-11-16T00:00:00Z';

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pcq <args>` as a user runs it from the repository root (the CLI from source, through tsx). */
function pcq(root: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Cli> {
  const env = { ...process.env, PCQ_MODE: 'dev', PCQ_ACTOR: 'local:site-e2e', ...extraEnv };
  return run(process.execPath, ['--import', import.meta.resolve('tsx'), join(repo, 'engine/cli/main.ts'), ...args], {
    cwd: root,
    env,
    maxBuffer: 1 << 24,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

async function expectExit(label: string, p: Promise<Cli>, code: number): Promise<Cli> {
  const r = await p;
  assert.equal(r.code, code, `${label}: exit ${r.code}, expected ${code}\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  return r;
}

interface IndexEntry {
  executionId: string;
  runbookId: string;
  verdict: string;
}

/** A fresh repository with the sample runs, produced the way `npm start` produces them. */
async function realRuns(root: string): Promise<IndexEntry[]> {
  await mkdir(root, { recursive: true });
  await cp(join(repo, 'runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(join(repo, 'policies'), join(root, 'policies'), { recursive: true });
  await cp(join(repo, 'spells'), join(root, 'spells'), { recursive: true });
  const runbook = (id: string) => `runbooks/${id}.yaml`;
  // The first run creates the local dev key (.pcq/); the rest can then run side by side (the
  // index is lock-protected, execution ids are unique).
  await expectExit('R1', pcq(root, ['run', runbook('R1-entity-enrichment'), '--as-of', AS_OF]), 0);
  await Promise.all([
    // R2 runs as the Action runs it: run.json records the GitHub Actions run (run/ci-context.ts).
    expectExit('R2', pcq(root, ['run', runbook('R2-relationship-inference'), '--as-of', AS_OF], GITHUB_RUN), 0),
    expectExit('R3', pcq(root, ['run', runbook('R3-weekly-report'), '--as-of', AS_OF]), 0),
    expectExit('R1 partial', pcq(root, ['run', runbook('R1-entity-enrichment'), '--input', 'enrichmentSource=partial', '--as-of', AS_OF]), 4),
    expectExit('R1 partial (to approve)', pcq(root, ['run', runbook('R1-entity-enrichment'), '--input', 'enrichmentSource=partial', '--as-of', AS_OF]), 4),
  ]);
  const index = JSON.parse(await readFile(join(root, 'attestations/index.json'), 'utf8')) as { executions: IndexEntry[] };
  const blocked = index.executions
    .filter((e) => e.verdict === 'blocked')
    .map((e) => e.executionId)
    .sort();
  assert.equal(blocked.length, 2, 'two blocked runs');
  assert.deepEqual(
    (await readdir(join(root, 'attestations/reviews'))).sort(),
    blocked.map((id) => `${id}.yaml`),
    'each blocked run opened a ticket',
  );
  const r3 = index.executions.find((e) => e.runbookId === 'R3')!;
  // The deciding ombuds' own key (what `pcq keys generate --reviewer ombuds-alice` makes).
  await writeReviewerKey(root, 'ombuds-alice');
  await Promise.all([
    expectExit('review approve', pcq(root, ['review', 'approve', blocked[1]!, '--by', 'ombuds-alice', '--comment', 'Partial source confirmed by hand.']), 0),
    expectExit('replay R3', pcq(root, ['replay', r3.executionId]), 0),
  ]);
  return (JSON.parse(await readFile(join(root, 'attestations/index.json'), 'utf8')) as { executions: IndexEntry[] }).executions;
}

async function axeScan(page: Page, label: string): Promise<void> {
  await page.addScriptTag({ path: join(repo, 'node_modules/axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${label}: axe found serious/critical violations`);
}

/** The run page's DAG as drawn: edges hidden under another element, and segments through a foreign node box. */
async function dagInBrowser(page: Page): Promise<{ edges: number; hidden: string[]; crossings: string[] }> {
  await page.locator('svg.dag').scrollIntoViewIfNeeded();
  const drawn = await page.locator('svg.dag').evaluate((svg) => {
    const s = svg as SVGSVGElement;
    const ctm = s.getScreenCTM()!;
    const hidden: string[] = [];
    const paths = [...s.querySelectorAll<SVGPathElement>('.dag-edge path[data-from]')];
    for (const path of paths) {
      const name = `${path.dataset.from}→${path.dataset.to}`;
      const length = path.getTotalLength();
      for (const f of [0.25, 0.5, 0.75]) {
        const p = path.getPointAtLength(length * f);
        const at = new DOMPoint(p.x, p.y).matrixTransform(ctm);
        const hit = document.elementFromPoint(at.x, at.y);
        if (!hit || !hit.closest('.dag-edge')) hidden.push(`${name} at ${f}: ${hit?.tagName ?? 'nothing'}`);
      }
    }
    const nodes = [...s.querySelectorAll<SVGGElement>('.dag-node')].map((g) => {
      const r = g.querySelector('rect')!.getBBox();
      const m = g.transform.baseVal.consolidate()!.matrix;
      return { id: g.dataset.step!, x: m.e + r.x, y: m.f + r.y, width: r.width, height: r.height };
    });
    const edges = paths.map((p) => ({
      from: p.dataset.from!,
      to: p.dataset.to!,
      points: [...p.getAttribute('d')!.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) })),
    }));
    return { hidden, nodes, edges };
  });
  const crossings: string[] = [];
  for (const e of drawn.edges) {
    for (let i = 1; i < e.points.length; i++) {
      for (const n of drawn.nodes)
        if (n.id !== e.from && n.id !== e.to && segmentHitsBox(e.points[i - 1]!, e.points[i]!, n)) crossings.push(`${e.from}→${e.to} crosses ${n.id}`);
    }
  }
  return { edges: drawn.edges.length, hidden: drawn.hidden, crossings };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

// The timeout bounds a hang, not the speed: five CLI runs, a site build and a browser walk took
// 141 s on a 2-core machine shared by other jobs, and over 300 s when eight jobs shared it.
test(
  'the built site browses, verifies in the browser, and stays on 127.0.0.1',
  { skip: !existsSync(CHROMIUM) && 'chromium is not installed', timeout: 600_000 },
  async () => {
    const work = await mkdtemp(join(tmpdir(), 'pcq-site-e2e-'));
    await mkdir(shots, { recursive: true });
    console.log(`screenshots: ${shots}`);
    const root = join(work, 'repo');
    const executions = await realRuns(root);
    const byVerdict = (v: string) => executions.filter((e) => e.verdict === v);
    assert.deepEqual([byVerdict('pass').length, byVerdict('blocked').length, byVerdict('approved').length], [3, 1, 1]);
    const blocked = byVerdict('blocked')[0]!;
    const approved = byVerdict('approved')[0]!;
    const r1 = executions.find((e) => e.runbookId === 'R1' && e.verdict === 'pass')!;
    const r3 = executions.find((e) => e.runbookId === 'R3')!;
    const r2 = executions.find((e) => e.runbookId === 'R2')!;
    const { changedStep } = await prepareConsoleData(root, r3);
    const out = join(work, 'out');
    // RFC 3161 anchored copies of R1's manifest; the site is built with their TSA CA as timeAnchor.trust.
    const r1Dir = join(root, 'attestations', r1.runbookId, r1.executionId);
    const anchors = await prepareAnchoredManifests(work, await readFile(join(r1Dir, 'manifest.pcq'), 'utf8'));
    const tsaEnv = { PCQ_TSA_TRUST: anchors.caPath };
    const build = await run(process.execPath, [join(repo, 'scripts/site-build.mjs'), '--data', root, '--out', out, '--repo', SITE_REPO], {
      cwd: repo,
      env: { ...process.env, ...tsaEnv },
    });
    assert.match(build.stdout, /site built in/);

    // A tampered manifest: one signature byte of the second step changed.
    const runDir = join(root, 'attestations', r1.runbookId, r1.executionId);
    const text = await readFile(join(runDir, 'manifest.pcq'), 'utf8');
    const manifest = JSON.parse(text) as { steps: Array<{ attestation: { signatures: Array<{ sig: string }> } }> };
    const sig = manifest.steps[1]!.attestation.signatures[0]!.sig;
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    const tampered = text.replace(sig, flipped);
    assert.notEqual(tampered, text);
    const tamperedPath = join(work, 'tampered.pcq');
    await writeFile(tamperedPath, tampered);
    // The reference is the CLI, run as a user would: `pcq verify --json` from the repository root.
    const cliTampered = await pcq(root, ['verify', tamperedPath, '--json']);
    assert.equal(cliTampered.code, 1, cliTampered.stderr);
    assert.doesNotMatch(cliTampered.stderr, /\n\s+at /, 'no stack trace');
    const reference = JSON.parse(cliTampered.stdout) as { ok: boolean; checks: Array<{ ok: boolean; code: string }> };
    assert.equal(reference.ok, false);
    assert.equal((await pcq(root, ['verify', join(runDir, 'manifest.pcq')])).code, 0, 'the CLI accepts the untampered manifest');
    const expectedCodes = [...new Set(reference.checks.filter((c) => !c.ok).map((c) => c.code))].sort();
    const cliCodesOf = async (file: string): Promise<string[]> => {
      const r = JSON.parse((await pcq(root, ['verify', file, '--json'], tsaEnv)).stdout) as { checks: Array<{ ok: boolean; code: string }> };
      return [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.code))].sort();
    };
    const anchorCodes = { anchored: await cliCodesOf(anchors.anchoredPath), backdated: await cliCodesOf(anchors.backdatedPath) };

    const server = await serveStatic(out);
    const requests: string[] = [];
    const context = await launchHeadless(join(work, 'profile'));
    try {
      context.on('request', (r) => requests.push(r.url()));
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(10_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));

      // Home: counts by verdict — the three sample runs, the blocked one, the approved one.
      await page.goto(server.url);
      for (const [verdict, n] of [
        ['pass', 3],
        ['blocked', 1],
        ['approved', 1],
        ['rejected', 0],
      ] as const) {
        assert.equal((await page.locator(`[data-verdict="${verdict}"] .count`).textContent())?.trim(), String(n), `${n} ${verdict} run(s)`);
      }
      assert.equal((await page.locator(`a[href$="/runs/R1/${blocked.executionId}/"]`).count()) >= 1, true, 'the open review is listed on the home page');
      await shot(page, 'home');
      await axeScan(page, 'home');

      // Runbook: DAG drawn at build time (one node per step), the dispatch button and CLI line.
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Runbooks' }).click();
      await page.getByRole('link', { name: 'R1', exact: true }).click();
      const stepRows = await page.locator('table:has(caption:text("Steps in file order")) tbody tr').count();
      assert.ok(stepRows >= 4);
      assert.equal(await page.locator('svg.dag .dag-node').count(), stepRows);
      // Every edge is visible in the real browser: sampled along its length, the topmost element
      // is the edge itself (a node drawn over it would be hit instead), and no segment crosses a
      // node box other than its ends (the layout's own check, on the rendered geometry).
      const dag = await dagInBrowser(page);
      assert.ok(dag.edges >= stepRows - 1, `R1 draws its ${dag.edges} edges`);
      assert.deepEqual(dag.hidden, [], 'no edge is hidden behind a node');
      assert.deepEqual(dag.crossings, [], 'no edge segment crosses a node box');
      await page.locator('svg.dag').screenshot({ path: join(shots, 'r1-dag.png') });
      assert.match((await page.locator('#dispatch-line').textContent()) ?? '', /button=enrich-entities/);
      assert.match((await page.locator('#cli-line').textContent()) ?? '', /pcq run runbooks\/R1-entity-enrichment\.yaml/);
      assert.equal(await page.locator('table tbody tr a.mono').count(), 3, 'the runbook lists its three runs');
      await shot(page, 'runbook');
      await axeScan(page, 'runbook');

      // Execution (the blocked run): timeline from run.json, coloured DAG, failed proof, the ombuds
      // ticket, the attestation chain, withheld exports not published, downloads served.
      await page.getByRole('link', { name: blocked.executionId }).first().click();
      assert.equal(await page.locator('ol.timeline > li').count(), stepRows);
      assert.match((await page.locator('ol.timeline').textContent()) ?? '', /attempts 1/);
      // The step whose postcondition failed is drawn and listed as blocked, not as succeeded.
      assert.equal(await page.locator('svg.dag .dag-node--blocked').count(), 1);
      assert.equal(await page.locator('svg.dag .dag-node--blocked').getAttribute('data-step'), 'assert-completeness');
      assert.equal(await page.locator('svg.dag .dag-node--succeeded').count(), stepRows - 1);
      assert.match((await page.locator('ol.timeline > li.st-blocked').textContent()) ?? '', /assert-completeness[\s\S]*blocked[\s\S]*kpi:completeness>=0\.95/);
      await page.locator('svg.dag').screenshot({ path: join(shots, 'blocked-step-dag.png') });
      assert.equal(await page.locator('table.chain tbody tr[id^="step-"]').count(), stepRows);
      assert.match((await page.locator('#failed-proofs').textContent()) ?? '', /kpi:completeness>=0\.95/);
      assert.match((await page.locator('#ticket + dl').textContent()) ?? '', /open[\s\S]*assert-completeness[\s\S]*ombuds-/);
      assert.match((await page.locator('#withheld').textContent()) ?? '', /r1-enriched-entities\.csv/);
      assert.equal(await page.locator('a[href*="/exports/"]').count(), 0, 'a blocked run publishes no export');
      for (const name of ['manifest.pcq', `${blocked.executionId}.intoto.jsonl`, 'keys.json', 'score.json', 'evidence.tar.gz', 'verdict.sig', 'verdict.pub']) {
        const link = page.locator(`a[download][href$="/${name}"]`);
        const response = await page.request.get(new URL((await link.getAttribute('href'))!, page.url()).href);
        assert.equal(response.status(), 200, `${name} is downloadable`);
      }
      await shot(page, 'execution-blocked');
      await axeScan(page, 'execution');

      // The approved run: its signed decision and its released export.
      await page.goto(`${server.url}runs/R1/${approved.executionId}/`);
      assert.match((await page.locator('#decisions').textContent()) ?? '', /approve[\s\S]*ombuds-alice/);
      const released = page.locator('a[download][href$="/exports/r1-enriched-entities.csv"]');
      assert.equal((await page.request.get(new URL((await released.getAttribute('href'))!, page.url()).href)).status(), 200);
      await page.goto(`${server.url}runs/R1/${r1.executionId}/`);

      // Verify: the run page's link verifies its manifest, then every published manifest passes.
      await page.getByRole('link', { name: 'Verify this manifest in the browser' }).click();
      await page.locator('#verdict').waitFor();
      assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'true');
      await page.getByRole('button', { name: /Verify all/ }).click();
      await page.locator('#all-checks').waitFor();
      assert.equal(await page.locator('#all-checks tr[data-ok="true"]').count(), executions.length);
      assert.match((await page.locator('#all-checks caption').textContent()) ?? '', new RegExp(`^✅ All ${executions.length}`));

      // A tampered manifest from disk: ❌ with the same codes as `pcq verify`.
      await page.locator('#manifest-file').setInputFiles(tamperedPath);
      await page.locator('#verdict[data-ok="false"]').waitFor();
      assert.match((await page.locator('#verdict').textContent()) ?? '', /❌ Verification failed/);
      const browserCodes = ((await page.locator('#verdict').getAttribute('data-codes')) ?? '').split(' ').filter(Boolean).sort();
      assert.deepEqual(browserCodes, expectedCodes);
      await shot(page, 'verify-tampered');
      // RFC 3161 time anchors: the same verdicts and codes as pcq verify with the same TSA trust.
      await checkAnchorsInBrowser(page, anchors, anchorCodes);
      await axeScan(page, 'verify');

      // Reviews: the queue with each state.
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Reviews' }).click();
      const states = await page.locator('#review-queue tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.state).sort());
      assert.deepEqual(states, ['approved', 'open']);
      assert.match(
        (await page.locator(`#review-queue tr[data-state="open"]`).textContent()) ?? '',
        new RegExp(`${blocked.executionId}[\\s\\S]*assert-completeness`),
      );
      await shot(page, 'reviews');
      await axeScan(page, 'reviews');

      // Replay: per-step identical.
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Replays' }).click();
      await page.getByRole('link', { name: /R3 replay 1/ }).click();
      const replayed = await page.locator('section[data-step]').count();
      assert.ok(replayed >= 5);
      assert.equal(await page.locator('section[data-identical="true"]').count(), replayed, `every step of ${r3.executionId} replays identically`);
      await shot(page, 'replay');
      await axeScan(page, 'replay');

      // Keys in dark mode (the other palette gets its own contrast scan).
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Keys' }).click();
      assert.ok((await page.locator('#trust-store tbody tr').count()) >= 2);
      assert.equal((await page.getByText('local dev key').count()) >= 1, true, 'the dev key that signed these runs is shown, marked local');
      await shot(page, 'keys-dark');
      await axeScan(page, 'keys (dark)');

      // Search: pagefind's index, built offline, answers in the browser.
      await page.goto(`${server.url}search/?q=completeness`);
      await page.locator('#search-results li').first().waitFor();
      assert.ok((await page.locator('#search-results li').count()) >= 1);

      // The console: validity, dispatch, links back to GitHub, the replay diff, verifying under your own trust.
      await checkRunbookConsole(page, server.url);
      await checkRunLinks(page, server.url, { r2: r2.executionId, blocked: blocked.executionId, approved: approved.executionId });
      await checkReplayDiff(page, server.url, r3.executionId, changedStep, shots);
      const r1Manifest = JSON.parse(text) as { executedBy: string };
      await checkOwnTrust(page, server.url, `/runs/R1/${r1.executionId}/manifest.pcq`, r1Manifest.executedBy, nodeSigner(new Uint8Array(32).fill(7)).keyid);

      assert.deepEqual(errors, [], 'no script errors');
      const outside = requests.filter((u) => !u.startsWith('http://127.0.0.1:') && !u.startsWith('data:') && !u.startsWith('blob:'));
      assert.deepEqual(outside, [], 'every request stays on 127.0.0.1');
    } finally {
      await context.close();
      await server.close();
      await rm(work, { recursive: true, force: true });
    }
  },
);
