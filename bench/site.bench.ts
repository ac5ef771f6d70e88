// Site benchmarks (issue 5), each against a floor measured in the same run:
// 1. Building the site for 1,000 generated executions vs an Astro build of 1,000 trivial pages
//    (target ≤ 2×). Both are `astro build` on this Node with search indexing off; the pagefind
//    indexing time of the real site is reported beside it.
// 2. Verifying a 1,000-step manifest on the verify page in headless chromium vs a raw WebCrypto
//    Ed25519 verify loop over the same 1,001 signatures in the same page (target ≤ 1.5×).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { writeFixtureTree } from '../engine/site-data/fixture-tree.ts';
import { serveStatic } from '../scripts/site-serve.mjs';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';

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
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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

const RAW_LOOP = `async (url) => {
      const text = await (await fetch(url)).text();
      const m = JSON.parse(text);
      const enc = new TextEncoder();
      const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const pae = (type, body) => {
        const head = enc.encode(\`DSSEv1 \${enc.encode(type).length} \${type} \${body.length} \`);
        const out = new Uint8Array(head.length + body.length);
        out.set(head);
        out.set(body, head.length);
        return out;
      };
      const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      const strkey = (g) => {
        let bits = 0, value = 0; const out = [];
        for (const ch of g) { value = (value << 5) | B32.indexOf(ch); bits += 5; if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; } }
        return new Uint8Array(out.slice(1, 33));
      };
      const items = m.steps.map((s) => ({ msg: pae(s.attestation.payloadType, b64(s.attestation.payload)), sig: b64(s.attestation.signatures[0].sig) }));
      items.push({ msg: new Uint8Array(64), sig: b64(String(m.signature).slice(7)) }); // same cost: one verify
      const key = await crypto.subtle.importKey('raw', strkey(m.executedBy), { name: 'Ed25519' }, false, ['verify']);
      const seq = [];
      const par = [];
      for (let r = 0; r < 5; r++) {
        let t = performance.now();
        for (const it of items) await crypto.subtle.verify({ name: 'Ed25519' }, key, it.sig, it.msg);
        seq.push(performance.now() - t);
        t = performance.now();
        await Promise.all(items.map((it) => crypto.subtle.verify({ name: 'Ed25519' }, key, it.sig, it.msg)));
        par.push(performance.now() - t);
      }
      return { seq: Math.min(...seq), par: Math.min(...par), n: items.length };
    }`;

export async function verifyFigure(steps = 1000): Promise<BenchFigure> {
  const work = await mkdtemp(join(tmpdir(), 'pcq-site-verify-bench-'));
  const tree = await writeFixtureTree(join(work, 'repo'), { extraRuns: 1, extraSteps: steps });
  const big = tree.runs.find((r) => r.runbookId === 'GEN')!;
  await buildSite(tree.root, join(work, 'out'), false);
  const server = await serveStatic(join(work, 'out'));
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const manifestPath = `runs/GEN/${big.executionId}/manifest.pcq`;
    await page.goto(`${server.url}verify/`);
    await page.locator('html[data-verifier-ready="true"]').waitFor();
    const engine: number[] = [];
    let via = '';
    for (let i = 0; i < 5; i++) {
      await page.selectOption('#published', { value: `/${manifestPath}` });
      await page.evaluate(() => document.getElementById('result')!.replaceChildren());
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('#verdict').waitFor({ timeout: 120_000 });
      if ((await page.locator('#verdict').getAttribute('data-ok')) !== 'true') throw new Error('the 1,000-step manifest did not verify in the browser');
      const summary = (await page.locator('#result p.muted').first().textContent()) ?? '';
      const m = / · ([\d.]+) ms with (.+)$/.exec(summary);
      if (!m) throw new Error(`unexpected summary: ${summary}`);
      engine.push(Number(m[1]));
      via = m[2]!;
    }
    // The floor: the same 1,001 Ed25519 verifications (every step + the manifest signature) as raw
    // crypto.subtle.verify calls, messages prepared outside the timed region, key imported once;
    // the faster of a sequential and a concurrent loop.
    // Passed as source text: tsx would wrap a function literal in helpers the page does not have.
    const raw = (await page.evaluate(`(${RAW_LOOP})(${JSON.stringify(`${server.url}${manifestPath}`)})`)) as { seq: number; par: number; n: number };
    // Judged on the median of the 5 page runs (issue 16: the best run met the target while the
    // median did not); the page starts its verify workers when it loads (verify-page.ts, eager),
    // so the first run no longer pays their start-up. The best run is reported beside it.
    const sorted = [...engine].sort((a, b) => a - b);
    const bestMs = sorted[0]!;
    const medianMs = sorted[Math.floor(sorted.length / 2)]!;
    const floor = Math.min(raw.seq, raw.par);
    const ratio = medianMs / floor;
    return {
      name: `browser verify, ${steps}-step manifest vs raw WebCrypto loop (median of ${engine.length} runs; best in details)`,
      value: Math.round(medianMs * 10) / 10,
      unit: 'ms',
      ratio,
      target: '≤ 1.5',
      pass: ratio <= 1.5,
      details: {
        engineRunsMs: engine,
        bestMs,
        bestRatio: Math.round((bestMs / floor) * 100) / 100,
        via,
        rawSequentialMs: raw.seq,
        rawConcurrentMs: raw.par,
        signatures: raw.n,
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
