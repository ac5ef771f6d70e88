// Test fixture (never shipped): attests and seals a small synthetic run with real keys, the same
// way the runner does, so proof tests work on genuine manifests.
import { attestStep } from './attest.ts';
import type { StepRecord } from '../base/signed-records.ts';
import { nodeSigner } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { sealManifest } from './seal.ts';
import type { Manifest } from '../base/signed-records.ts';
import type { Signer } from '../base/signer.ts';
import { authorizationRecord } from './authorization.ts';

export const RUNNER_SEED = new Uint8Array(32).fill(11);
export const OTHER_SEED = new Uint8Array(32).fill(22);

export interface SampleRun {
  manifest: Manifest;
  signer: Signer;
}

/** Step i needs step i−1 (and step i−2 when i is even), so chains and parents both matter. */
export async function sampleRun(
  options: { steps?: number; executionId?: string; seed?: Uint8Array; asOf?: string; outputs?: (i: number) => unknown } = {},
): Promise<SampleRun> {
  const count = options.steps ?? 5;
  const signer = nodeSigner(options.seed ?? RUNNER_SEED);
  const run = { runbookId: 'R1', runbookVersion: '1.0', runbookDigest: 'sha256:' + 'ab'.repeat(32), asOf: options.asOf ?? '2026-03-01T10:00:00Z' };
  const hashes = new Map<string, string>();
  const steps = [];
  let previous: string | null = null;
  for (let i = 0; i < count; i++) {
    const stepId = `step-${String(i).padStart(3, '0')}`;
    const needs =
      i === 0
        ? []
        : i % 2 === 0 && i >= 2
          ? [`step-${String(i - 1).padStart(3, '0')}`, `step-${String(i - 2).padStart(3, '0')}`]
          : [`step-${String(i - 1).padStart(3, '0')}`];
    const proofs = { preconditions: [{ prover: 'authority:read', type: 'authority', result: 'pass' as const, evidence: 'allowed' }], postconditions: [] };
    const record: StepRecord = {
      stepId,
      type: i === 0 ? 'query' : 'transform',
      status: 'succeeded',
      inputs: { from: needs },
      outputs: options.outputs ? options.outputs(i) : [{ id: i, name: `entity ${i}`, score: i / 3 }],
      proofs,
      artifacts: [],
      recordings: [],
    };
    const { envelope, hash } = await attestStep(
      record,
      { previousAttestationHash: previous, needs, parents: needs.map((n) => hashes.get(n)!) },
      run,
      signer,
      sha256Node,
    );
    hashes.set(stepId, hash);
    previous = hash;
    steps.push({ stepId, envelope, hash, proofs });
  }
  const manifest = await sealManifest({
    executionId: options.executionId ?? 'exec-0001',
    runbookId: run.runbookId,
    version: run.runbookVersion,
    runbookDigest: run.runbookDigest,
    asOf: run.asOf,
    actor: 'octocat',
    inputs: { since: '2026-01-01' },
    steps,
    signer,
    sha256: sha256Node,
    authorization: authorizationRecord(
      { name: 'ci-runner', publicKey: signer.keyid, roles: ['runner'], status: 'active', validFrom: null, validUntil: null, source: 'policies/trust.yaml' },
      run.asOf,
      'prod',
    ),
  });
  return { manifest, signer };
}
