// BALANCE (verify-manifest.ts): when the signature port is behind, the verifier checks whole blocks
// of step signatures on its own thread with the synchronous port. The report must be the one the
// port alone gives, broken signatures in every block included, whichever thread checked them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ed25519Verify, Ed25519VerifySync } from '../base/signer.ts';
import { writePcqChain } from '../../bench/verify-peer.bench.ts';
import { loadTrust } from '../runtime/trust-store.ts';
import { nodeVerify, nodeVerifySync } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { fileSource } from './verify-node.ts';
import { verifyManifestSource, type VerifyOptions } from './verify-manifest.ts';

const STEPS = 700; // six blocks of 128 and a part

/** A sealed chain with one step signature broken in every stretch of 60 steps (so in every block). */
async function brokenChain(dir: string): Promise<{ broken: string[] }> {
  await writePcqChain(dir, STEPS);
  const path = join(dir, 'manifest.pcq');
  let text = await readFile(path, 'utf8');
  const broken: string[] = [];
  let index = 0;
  text = text.replace(/"sig": "([A-Za-z0-9+/])/g, (whole, first: string) => {
    const i = index++;
    if (i % 60 !== 7) return whole;
    broken.push(`s${i}`);
    return `"sig": "${first === 'A' ? 'B' : 'A'}`;
  });
  await writeFile(path, text);
  return { broken };
}

const basePorts: VerifyOptions = {
  mode: 'dev',
  now: Date.parse('2026-06-01T00:00:00Z'),
  sha256: sha256Node,
  sha256Stream: () => createHash('sha256'),
  sha512Stream: () => createHash('sha512'),
};

test('with the signature port behind, blocks checked on this thread give the port-only report', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-balance-'));
  try {
    await mkdir(dir, { recursive: true });
    const { broken } = await brokenChain(dir);
    const { trust } = await loadTrust({ root: dir, file: join(dir, 'trust.yaml') });
    const path = join(dir, 'manifest.pcq');

    const plain = await verifyManifestSource(fileSource(path), trust, nodeVerify, basePorts);

    // A port that checks one signature at a time, a millisecond each (a pool thread starved of its
    // core), and a count of who checked what.
    let viaPort = 0;
    let viaThread = 0;
    let queue: Promise<unknown> = Promise.resolve();
    const slow: Ed25519Verify = (key, message, signature) => {
      viaPort++;
      const copy = message.slice(); // as node:crypto's job copies the message when it starts
      const verdict = queue.then(() => new Promise((resolve) => setTimeout(resolve, 1))).then(() => nodeVerify(key, copy, signature));
      queue = verdict;
      return verdict;
    };
    const here: Ed25519VerifySync = (key, message, signature) => {
      viaThread++;
      return nodeVerifySync(key, message, signature);
    };
    const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
    const balanced = await verifyManifestSource(fileSource(path), trust, slow, { ...basePorts, verifySync: here, nextTurn });

    assert.ok(viaThread >= 128, `this thread checked at least a block (${viaThread})`);
    assert.ok(viaPort >= 128, `the port checked at least a block (${viaPort})`);
    assert.equal(viaThread + viaPort, STEPS + 1, 'every step signature checked exactly once, and the manifest signature by the port');
    assert.deepEqual(balanced.report, plain.report);
    const failed = plain.report.checks.filter((c) => c.check === 'step-signature' && !c.ok).map((c) => c.stepId);
    assert.deepEqual(failed, broken);
    assert.equal(plain.report.ok, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
