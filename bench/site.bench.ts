// Site benchmarks (issue 5), each against a floor measured in the same run:
// 1. Building the site for 1,000 generated executions vs an Astro build of 1,000 trivial pages
//    (target ≤ 2×). Both are `astro build` on this Node with search indexing off; the pagefind
//    indexing time of the real site is reported beside it.
// 2. Verifying a 1,000-step manifest on the verify page in headless chromium vs the raw WebCrypto
//    calls its cryptography needs (1,001 Ed25519 verifications, 2,000 SHA-256 digests) in the same
//    page, in alternating rounds (target: median ≤ 1.5× median; see RAW_ROUND).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeFixtureTree } from '../engine/site-data/fixture-tree.ts';
import type { Manifest } from '../engine/base/signed-records.ts';
import { utf8 } from '../engine/proof/bytes.ts';
import { canonicalize } from '../engine/proof/jcs.ts';
import { MANIFEST_PAYLOAD_TYPE, signedPart } from '../engine/proof/manifest.ts';
import { pae } from '../engine/proof/pae.ts';
import { decodeStrKey } from '../engine/proof/strkey.ts';
import { serveStatic } from '../scripts/site-serve.mjs';
import { CHROMIUM, launchHeadless } from '../engine/testing/headless-chromium.ts';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');

interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  ratio: number;
  target: string;
  pass: boolean;
  details: Record<string, unknown>;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function buildSite(data: string, out: string, search: boolean): Promise<number> {
  const args = [join(repo, 'scripts/site-build.mjs'), '--data', data, '--out', out, ...(search ? [] : ['--no-search'])];
  return timed(() => run(process.execPath, args, { cwd: repo, maxBuffer: 1 << 26 }));
}

/** An Astro project with 1,000 trivial getStaticPaths pages, resolving astro from this repo. */
async function writeBaseline(dir: string, pages: number): Promise<void> {
  await mkdir(join(dir, 'src/pages'), { recursive: true });
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(
    join(dir, 'astro.config.mjs'),
    `export default { output: 'static', trailingSlash: 'always', build: { format: 'directory' }, devToolbar: { enabled: false } };\n`,
  );
  await writeFile(
    join(dir, 'src/pages/[n].astro'),
    `---\nexport function getStaticPaths() { return Array.from({ length: ${pages} }, (_, i) => ({ params: { n: String(i) } })); }\nconst { n } = Astro.params;\n---\n<html lang="en"><head><title>Page {n}</title></head><body><h1>Page {n}</h1></body></html>\n`,
  );
}

async function buildBaseline(dir: string): Promise<number> {
  return timed(() =>
    run(process.execPath, [join(repo, 'node_modules/astro/bin/astro.mjs'), 'build', '--root', dir, '--silent'], {
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
      maxBuffer: 1 << 26,
    }),
  );
}

export async function buildFigure(executions = 1000): Promise<BenchFigure> {
  const work = await mkdtemp(join(tmpdir(), 'pcq-site-bench-'));
  try {
    const tree = await writeFixtureTree(join(work, 'repo'), { extraRuns: executions - 4, extraSteps: 8 });
    await writeBaseline(join(work, 'baseline'), executions);
    // Alternating rounds, so a burst of load from elsewhere on the (shared, 2-core) machine hits
    // both sides; the ratio is of the fastest rounds, medians are reported beside it.
    const site: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < 3; i++) {
      base.push(await buildBaseline(join(work, 'baseline')));
      site.push(await buildSite(tree.root, join(work, `out-${i}`), false));
    }
    const withSearch = await buildSite(tree.root, join(work, 'out-search'), true);
    const siteMs = Math.min(...site);
    const baseMs = Math.min(...base);
    const ratio = siteMs / baseMs;
    return {
      name: `site build (pagefind off, timed separately), ${tree.runs.length} executions vs ${executions} trivial Astro pages`,
      value: Math.round(siteMs),
      unit: 'ms',
      ratio,
      target: '≤ 2',
      pass: ratio <= 2,
      details: {
        siteMs: site.map(Math.round),
        baselineMs: base.map(Math.round),
        medianRatio: Math.round((median(site) / median(base)) * 100) / 100,
        withPagefindMs: Math.round(withSearch),
        pagefindMs: Math.round(withSearch - siteMs),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// The floor: the cryptography the manifest requires, as raw WebCrypto calls on the same page,
// inputs prepared in Node outside the timed region (fair by construction, issue 16):
//  - 1,001 Ed25519 verifications over the exact signed bytes: every step's PAE and the manifest
//    signature's own message, PAE(manifest type, JCS(signed part)), ~3 MB. (An earlier floor verified
//    the manifest signature over 64 zero bytes, "same cost: one verify": but Ed25519 hashes its whole
//    message, and the ~3 MB one measured 25–40 ms on its own, a third of the loop.)
//  - 2,000 SHA-256 digests over the exact attestation bytes: JCS(envelope) and 0x00 ‖ JCS(envelope),
//    the attestation hash and the RFC 9162 leaf every verifier must compute. The Merkle tree's inner
//    nodes and the subject digests stay out of the floor (the verifier does them on top).
// Each round runs it sequentially (await each verify) and concurrently (Promise.all), and takes the
// faster. Passed as source text: tsx would wrap a function literal in helpers the page does not have.
const RAW_SETUP = `(prep) => {
      const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const items = prep.items.map(([msg, sig]) => ({ msg: b64(msg), sig: b64(sig) }));
      const digests = prep.digests.map(b64);
      return crypto.subtle.importKey('raw', b64(prep.key), { name: 'Ed25519' }, false, ['verify']).then((key) => {
        globalThis.__pcqRawFloor = { items, digests, key };
        return items.length;
      });
    }`;
const RAW_ROUND = `async () => {
      const { items, digests, key } = globalThis.__pcqRawFloor;
      const v = (it) => crypto.subtle.verify({ name: 'Ed25519' }, key, it.sig, it.msg);
      const d = (x) => crypto.subtle.digest('SHA-256', x);
      let t = performance.now();
      for (const it of items) if (!(await v(it))) throw new Error('raw loop: a signature did not verify');
      const sigSeq = performance.now() - t;
      await Promise.all(digests.map(d));
      const seq = performance.now() - t;
      t = performance.now();
      await Promise.all([...items.map(v), ...digests.map(d)]);
      const par = performance.now() - t;
      return { seq, par, sigSeq };
    }`;

/** What the raw loop is given: the exact bytes the verifier's cryptography covers (see RAW_ROUND). */
function rawFloorInput(text: string): { items: [string, string][]; digests: string[]; key: string } {
  const m = JSON.parse(text) as Manifest;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const items: [string, string][] = m.steps.map((s) => {
    const a = s.attestation;
    return [b64(pae(a.payloadType, Buffer.from(a.payload, 'base64'))), a.signatures[0]!.sig];
  });
  const manifestMessage = pae(MANIFEST_PAYLOAD_TYPE, utf8(canonicalize(signedPart(m as unknown as Record<string, unknown>))));
  items.push([b64(manifestMessage), m.signature.slice('base64:'.length)]);
  const digests = m.steps.flatMap((s) => {
    const jcs = utf8(canonicalize(s.attestation));
    return [b64(jcs), b64(Buffer.concat([Buffer.from([0]), jcs]))];
  });
  return { items, digests, key: b64(decodeStrKey('public', m.executedBy)) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (x: number): number => Math.round(x * 10) / 10;

export async function verifyFigure(steps = 1000, rounds = 5): Promise<BenchFigure> {
  const work = await mkdtemp(join(tmpdir(), 'pcq-site-verify-bench-'));
  const tree = await writeFixtureTree(join(work, 'repo'), { extraRuns: 1, extraSteps: steps });
  const big = tree.runs.find((r) => r.runbookId === 'GEN')!;
  await buildSite(tree.root, join(work, 'out'), false);
  const server = await serveStatic(join(work, 'out'));
  const context = await launchHeadless(join(work, 'profile'));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const manifestPath = `runs/GEN/${big.executionId}/manifest.pcq`;
    const prep = rawFloorInput(await readFile(join(work, 'out', manifestPath), 'utf8'));
    await page.goto(`${server.url}verify/`);
    await page.locator('html[data-verifier-ready="true"]').waitFor();
    const signatures = (await page.evaluate(`(${RAW_SETUP})(${JSON.stringify(prep)})`)) as number;
    // CPU time of the page's main thread and of the whole renderer (workers, GC and JIT threads
    // included), from Chromium's own counters: on a loaded machine they say what wall time cannot.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const cpu = async (): Promise<{ thread: number; process: number }> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      const get = (name: string) => (metrics.find((x) => x.name === name)?.value ?? 0) * 1000;
      return { thread: get('ThreadTime'), process: get('ProcessTime') };
    };
    const engine: number[] = [];
    const engineCpu: string[] = [];
    const raw: Array<{ seq: number; par: number; sigSeq: number }> = [];
    const rawCpu: string[] = [];
    let via = '';
    // Rounds alternate a page run and a raw round, so load from elsewhere on the (shared, 2-core)
    // machine falls on both sides alike; the figure compares their medians.
    for (let i = 0; i < rounds; i++) {
      await page.selectOption('#published', { value: `/${manifestPath}` });
      await page.evaluate(() => document.getElementById('result')!.replaceChildren());
      const c0 = await cpu();
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('#verdict').waitFor({ timeout: 120_000 });
      const c1 = await cpu();
      if ((await page.locator('#verdict').getAttribute('data-ok')) !== 'true') throw new Error('the 1,000-step manifest did not verify in the browser');
      const summary = (await page.locator('#result p.muted').first().textContent()) ?? '';
      const m = / · ([\d.]+) ms with (.+)$/.exec(summary);
      if (!m) throw new Error(`unexpected summary: ${summary}`);
      engine.push(Number(m[1]));
      engineCpu.push(`${Math.round(c1.thread - c0.thread)}/${Math.round(c1.process - c0.process)}`);
      via = m[2]!;
      const c2 = await cpu();
      raw.push((await page.evaluate(`(${RAW_ROUND})()`)) as { seq: number; par: number; sigSeq: number });
      const c3 = await cpu();
      rawCpu.push(`${Math.round(c3.thread - c2.thread)}/${Math.round(c3.process - c2.process)}`);
    }
    // Judged on the median of the page runs (issue 16: the best run met the target while the median
    // did not) against the median of the raw rounds measured beside them; the page starts its verify
    // workers when it loads (verify-page.ts, eager), so no run pays their start-up.
    const floors = raw.map((r) => Math.min(r.seq, r.par));
    const medianMs = median(engine);
    const floor = median(floors);
    const ratio = medianMs / floor;
    return {
      name: `browser verify, ${steps}-step manifest vs raw WebCrypto floor (median of ${rounds} alternating rounds each)`,
      value: round1(medianMs),
      unit: 'ms',
      ratio,
      target: '≤ 1.5',
      pass: ratio <= 1.5,
      details: {
        engineRunsMs: engine,
        rawFloorMs: floors.map(round1),
        bestMs: Math.min(...engine),
        bestRawMs: round1(Math.min(...floors)),
        ratioToBestRaw: Math.round((medianMs / Math.min(...floors)) * 100) / 100,
        rawSignaturesOnlySequentialMs: raw.map((r) => round1(r.sigSeq)),
        ratioToSignaturesOnly: Math.round((medianMs / median(raw.map((r) => r.sigSeq))) * 100) / 100,
        cpuMsThreadPerProcess: { page: engineCpu, raw: rawCpu },
        via,
        signatures,
        digests: prep.digests.length,
        loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      },
    };
  } finally {
    await context.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

export async function runSiteBench(): Promise<BenchFigure[]> {
  if (!existsSync(CHROMIUM)) return [await buildFigure()];
  return [await buildFigure(), await verifyFigure()];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const which = process.argv[2];
  const figures = which === 'build' ? [await buildFigure()] : which === 'verify' ? [await verifyFigure()] : await runSiteBench();
  console.log(JSON.stringify(figures, null, 2));
}
