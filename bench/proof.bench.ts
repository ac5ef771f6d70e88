// Proof-layer benchmarks, each against a raw floor measured in the same process and run:
// (a) attest cost per step (canonicalise + hash + sign + chain + statement + envelope hash) vs the
//     floor canonicalise(record) + sha256 + Ed25519 sign — target ≤ 1.5×;
// (b) `pcq verify`'s code path (verifyManifestNode: the function the CLI calls, with its ports) on
//     the text of a generated 10,000-step manifest vs a raw single-threaded node:crypto verify loop
//     over the same step signatures plus the Merkle root over the same leaves — target ≤ 1.0×
//     (verify spreads signature checks over both cores through the libuv pool, and does every other
//     check — layout, schema, payloads, chain, inclusion proofs, manifest signature — besides);
// (c) merkleRoot over N leaves vs 2N−1 raw one-shot hash calls on inputs of the same sizes — ≤ 1.5×.
// Rounds alternate floor and subject and the median of each is compared, so a noisy neighbour
// (2 cores shared by several engineers) hits both sides alike.
import { createPrivateKey, createPublicKey, hash, sign, verify as cryptoVerify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { attestStep } from '../engine/proof/attest.ts';
import type { StepRecord } from '../engine/base/signed-records.ts';
import { fromBase64, utf8 } from '../engine/proof/bytes.ts';
import { nodeSigner, privateKeyFromSeed } from '../engine/proof/ed25519-node.ts';
import { sha256Node } from '../engine/proof/hash-node.ts';
import { canonicalize } from '../engine/proof/jcs.ts';
import { serializeManifest } from '../engine/proof/manifest.ts';
import { leafHash, merkleRoot } from '../engine/proof/merkle.ts';
import { pae } from '../engine/proof/pae.ts';
import { sealManifest } from '../engine/proof/seal.ts';
import type { TrustStore, TrustedKey } from '../engine/proof/trust.ts';
import { authorizationRecord } from '../engine/proof/authorization.ts';

const BENCH_KEY = (publicKey: string): TrustedKey => ({
  name: 'bench',
  publicKey,
  roles: ['runner'],
  status: 'active',
  validFrom: null,
  validUntil: null,
  source: 'policies/trust.yaml',
});
import { verifyManifestNode } from '../engine/proof/verify-node.ts';

export interface BenchFigure {
  name: string;
  ratio: number;
  target: string;
  pass: boolean;
  details: Record<string, unknown>;
}

const SEED = new Uint8Array(32).fill(42);
const RUN = { runbookId: 'R1', runbookVersion: '1.0', runbookDigest: 'sha256:' + 'cd'.repeat(32), asOf: '2026-03-01T10:00:00Z' };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Alternates floor and subject `rounds` times; returns the medians in ms and each round's ratio. */
async function compare(rounds: number, floor: () => unknown, subject: () => unknown): Promise<{ floorMs: number; subjectMs: number; pairs: number[] }> {
  const f: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < rounds; r++) {
    f.push(await timed(floor));
    s.push(await timed(subject));
  }
  return { floorMs: median(f), subjectMs: median(s), pairs: s.map((x, i) => Math.round((x / f[i]!) * 100) / 100) };
}

function record(i: number): StepRecord {
  return {
    stepId: `step-${String(i).padStart(5, '0')}`,
    type: 'transform',
    status: 'succeeded',
    inputs: { from: [`step-${String(i - 1).padStart(5, '0')}`] },
    outputs: Array.from({ length: 4 }, (_, k) => ({ id: `e${i}-${k}`, name: `Entity ${i}.${k}`, score: (i * 7 + k) / 13, tags: ['a', 'b'] })),
    proofs: { preconditions: [{ prover: 'authority:read', type: 'authority', result: 'pass', evidence: 'allowed' }], postconditions: [] },
    artifacts: [],
    recordings: [],
  };
}

async function attestChain(records: StepRecord[]) {
  const signer = nodeSigner(SEED);
  const out = [];
  let previous: string | null = null;
  for (const [i, r] of records.entries()) {
    const needs = i === 0 ? [] : [records[i - 1]!.stepId];
    const parents = i === 0 ? [] : [out[i - 1]!.hash];
    const a = await attestStep(r, { previousAttestationHash: previous, needs, parents }, RUN, signer, sha256Node);
    previous = a.hash;
    out.push({ stepId: r.stepId, envelope: a.envelope, hash: a.hash, proofs: r.proofs });
  }
  return out;
}

async function attestBench(): Promise<BenchFigure> {
  const n = 2000;
  const records = Array.from({ length: n }, (_, i) => record(i));
  const key = privateKeyFromSeed(SEED);
  const floor = () => {
    for (const r of records) {
      const text = canonicalize(r);
      hash('sha256', text, 'buffer');
      sign(null, Buffer.from(text), key);
    }
  };
  await attestChain(records.slice(0, 200)); // warm up
  floor();
  const { floorMs, subjectMs } = await compare(5, floor, () => attestChain(records));
  const ratio = subjectMs / floorMs;
  return {
    name: 'proof: attest per step vs canonicalise+hash+sign',
    ratio,
    target: '≤ 1.5',
    pass: ratio <= 1.5,
    details: { steps: n, floorUsPerStep: (floorMs * 1000) / n, attestUsPerStep: (subjectMs * 1000) / n },
  };
}

async function verifyBench(): Promise<BenchFigure> {
  const n = 10_000;
  const records = Array.from({ length: n }, (_, i) => record(i));
  const signer = nodeSigner(SEED);
  const steps = await attestChain(records);
  const manifest = await sealManifest({
    executionId: 'bench',
    runbookId: RUN.runbookId,
    version: RUN.runbookVersion,
    runbookDigest: RUN.runbookDigest,
    asOf: RUN.asOf,
    actor: 'bench',
    inputs: {},
    steps,
    signer,
    sha256: sha256Node,
    authorization: authorizationRecord(BENCH_KEY(signer.keyid), RUN.asOf, 'prod'),
  });
  const text = serializeManifest(manifest);
  const trust: TrustStore = { keys: [BENCH_KEY(signer.keyid)] };
  // The floor's inputs are prepared outside the timing: messages, signatures, leaves.
  const publicKey = createPublicKey(
    createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(SEED)]), format: 'der', type: 'pkcs8' }),
  );
  const messages = steps.map((s) => pae(s.envelope.payloadType, fromBase64(s.envelope.payload)!));
  const signatures = steps.map((s) => fromBase64(s.envelope.signatures[0]!.sig)!);
  const leaves = steps.map((s) => canonicalize(s.envelope));
  const floor = () => {
    for (let i = 0; i < n; i++) if (!cryptoVerify(null, messages[i]!, publicKey, signatures[i]!)) throw new Error('floor verify failed');
    merkleRoot(
      leaves.map((l) => leafHash(l, sha256Node)),
      sha256Node,
    );
  };
  let ok = true;
  const subject = async () => {
    const report = await verifyManifestNode(text, trust);
    ok &&= report.ok;
  };
  await subject(); // warm up (KeyObject cache, JIT)
  floor();
  const { floorMs, subjectMs, pairs } = await compare(5, floor, subject);
  const ratio = subjectMs / floorMs;
  return {
    name: 'proof: pcq verify of a 10,000-step manifest vs raw verify loop + Merkle root',
    ratio,
    target: '≤ 1.0',
    pass: ok && ratio <= 1.0,
    details: { steps: n, manifestBytes: utf8(text).length, floorMs, verifyMs: subjectMs, pairRatios: pairs, allChecksOk: ok },
  };
}

async function merkleBench(): Promise<BenchFigure> {
  const n = 100_000;
  const leaves = Array.from({ length: n }, (_, i) => `{"leaf":${i},"payload":"${'x'.repeat(40)}"}`);
  const node65 = new Uint8Array(65);
  const floor = () => {
    for (let i = 0; i < n; i++) hash('sha256', '\u0000' + leaves[i]!, 'buffer');
    for (let i = 0; i < n - 1; i++) hash('sha256', node65, 'buffer');
  };
  const subject = () =>
    merkleRoot(
      leaves.map((l) => leafHash(l, sha256Node)),
      sha256Node,
    );
  subject();
  floor();
  const { floorMs, subjectMs } = await compare(7, floor, subject);
  const ratio = subjectMs / floorMs;
  return {
    name: 'proof: Merkle root vs 2N−1 raw hash calls',
    ratio,
    target: '≤ 1.5',
    pass: ratio <= 1.5,
    details: { leaves: n, floorMs, merkleMs: subjectMs },
  };
}

export async function runProofBench(): Promise<BenchFigure[]> {
  return [await attestBench(), await merkleBench(), await verifyBench()];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `… proof.bench.ts verify` (or attest, merkle) runs one figure.
  const one = { attest: attestBench, merkle: merkleBench, verify: verifyBench }[process.argv[2] ?? ''];
  for (const figure of one ? [await one()] : await runProofBench()) console.log(JSON.stringify(figure));
}
