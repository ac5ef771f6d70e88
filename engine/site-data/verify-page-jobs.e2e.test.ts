// The verify page in Chromium on a manifest large enough that its steps' own checks run as jobs on
// the page's Web Worker and its main thread (verify-step-job.ts; blocks of 16, then 64 steps, each
// a worker share): a changed byte anywhere in a step (payload, signature, attestation hash, inclusion
// proof, step id), in the first block, a middle one and the last step, must fail in the
// browser with exactly the report verifyManifest gives in Node under the trust the page embeds,
// row for row (code, check, step, message), as must the untouched manifest pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serveStatic } from '../../scripts/site-serve.mjs';
import { writeFixtureTree } from './fixture-tree.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { sha256Node } from '../proof/hash-node.ts';
import { fromBase64 } from '../proof/bytes.ts';
import type { TrustStore } from '../proof/trust.ts';
import { verifyManifest } from '../proof/verify-manifest.ts';
import { CHROMIUM, launchHeadless } from '../testing/headless-chromium.ts';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const STEPS = 300;

type Row = [ok: boolean, code: string, check: string, step: string, message: string];

/** The manifest with one change inside step `index`'s text (`edit` gets that step's parsed JSON). */
function tamper(text: string, index: number, edit: (step: Record<string, any>) => void): string {
  const m = JSON.parse(text) as { steps: Array<Record<string, any>> };
  const before = JSON.stringify(m.steps[index], null, 2).replaceAll('\n', '\n    ');
  edit(m.steps[index]!);
  const after = JSON.stringify(m.steps[index], null, 2).replaceAll('\n', '\n    ');
  assert.ok(text.includes(before) && before !== after, `step ${index} is found in canonical layout and changed`);
  return text.replace(before, after);
}

/** One base64 character changed (still canonical base64: not in the last quantum). */
const flipChar = (b64: string, at: number): string => b64.slice(0, at) + (b64[at] === 'A' ? 'B' : 'A') + b64.slice(at + 1);

test(
  'verify page: a step changed anywhere fails in Chromium exactly as verifyManifest reports it, with the step checks on workers',
  { timeout: 600_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip('no chromium at /usr/bin/chromium');
    const work = await mkdtemp(join(tmpdir(), 'pcq-verify-jobs-'));
    const tree = await writeFixtureTree(join(work, 'repo'), { extraRuns: 1, extraSteps: STEPS });
    const big = tree.runs.find((r) => r.runbookId === 'GEN')!;
    await run(process.execPath, [join(repo, 'scripts/site-build.mjs'), '--data', tree.root, '--out', join(work, 'out'), '--no-search'], {
      cwd: repo,
      maxBuffer: 1 << 26,
    });
    const text = await readFile(join(work, 'out', `runs/GEN/${big.executionId}/manifest.pcq`), 'utf8');
    const n = (JSON.parse(text) as { steps: unknown[] }).steps.length;
    assert.ok(n >= STEPS, `${n} steps`);
    const cases: Array<[string, string]> = [['untouched', text]];
    for (const i of [3, 140, n - 1]) {
      cases.push([`payload byte, step ${i}`, tamper(text, i, (s) => (s.attestation.payload = flipChar(s.attestation.payload, 200)))]);
      cases.push([`signature byte, step ${i}`, tamper(text, i, (s) => (s.attestation.signatures[0].sig = flipChar(s.attestation.signatures[0].sig, 10)))]);
    }
    cases.push(['attestation hash, step 141', tamper(text, 141, (s) => (s.attestationHash = `sha256:${'0'.repeat(64)}`))]);
    cases.push(['inclusion proof, step 142', tamper(text, 142, (s) => (s.inclusionProof.hashes[1] = 'ab'.repeat(32)))]);
    cases.push(['inclusion leaf index, step 143', tamper(text, 143, (s) => (s.inclusionProof.leafIndex = 144))]);
    cases.push(['step id, step 144', tamper(text, 144, (s) => (s.stepId = `${s.stepId}x`))]);
    cases.push([
      'payload not the statement (other step), step 145',
      tamper(text, 145, (s) => (s.attestation.payload = JSON.parse(text).steps[146].attestation.payload)),
    ]);
    assert.ok(fromBase64(JSON.parse(cases[1]![1]).steps[3].attestation.payload), 'the changed payload is still canonical base64');

    const server = await serveStatic(join(work, 'out'));
    const context = await launchHeadless(join(work, 'profile'));
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${server.url}verify/`);
      await page.locator('html[data-verifier-ready="true"]').waitFor();
      // The page's own trust, roster and anchor settings, so Node verifies under exactly them.
      const embedded = (await page.evaluate(() =>
        ['pcq-trust', 'pcq-roster', 'pcq-time-anchor'].map((id) => document.getElementById(id)?.textContent ?? 'null'),
      )) as [string, string, string];
      const trust = JSON.parse(embedded[0]) as TrustStore;
      const roster = JSON.parse(embedded[1]) as string[] | null;
      const anchor = JSON.parse(embedded[2]) as { required?: boolean; trust?: string[] } | null;
      const options = {
        sha256: sha256Node,
        ...(roster ? { roster } : {}),
        timeAnchor: { required: anchor?.required === true, ...(anchor?.trust ? { trust: anchor.trust.map((b) => fromBase64(b)!) } : {}) },
      };
      for (const [label, manifest] of cases) {
        const expected = await verifyManifest(manifest, trust, nodeVerify, options);
        assert.equal(expected.ok, label === 'untouched', `${label}: Node's verdict`);
        const want: Row[] = [...expected.checks.filter((c) => !c.ok), ...expected.checks.filter((c) => c.ok)].map((c) => [
          c.ok,
          c.ok ? '' : c.code,
          c.check,
          c.stepId ?? '',
          c.message,
        ]);
        const file = join(work, 'm.pcq');
        await writeFile(file, manifest);
        await page.evaluate(() => document.getElementById('result')!.replaceChildren());
        await page.locator('#manifest-file').setInputFiles(file);
        await page.locator('#verdict').waitFor({ timeout: 120_000 });
        const got = (await page.$$eval('#checks tbody tr', (rows) =>
          rows.map((r) => {
            const cells = [...r.querySelectorAll('td')].map((td) => td.textContent ?? '');
            return [r.getAttribute('data-ok') === 'true', cells[1], cells[2], cells[3], cells[4]];
          }),
        )) as Row[];
        assert.deepEqual(got, want, `${label}: the browser's report is Node's`);
        assert.equal(await page.locator('#verdict').getAttribute('data-ok'), String(expected.ok), label);
        await page.locator('#manifest-file').setInputFiles([]);
      }
    } finally {
      await context.close();
      await server.close();
      await rm(work, { recursive: true, force: true });
    }
  },
);
