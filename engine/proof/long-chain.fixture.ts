// A long genuine chain, fast (the bounded-memory test and the peer bench): step 0 is attested by the
// engine's own attestStep; every later step's statement is that statement with its step id, chain
// links and subject name changed, canonicalized and signed with node:crypto exactly as attestStep
// signs (DSSE over PAE), so a verifier cannot tell them apart from attestStep's; sealManifest seals.
import { sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attestStep } from './attest.ts';
import { authorizationRecord } from './authorization.ts';
import type { DsseEnvelope, StepRecord } from '../base/signed-records.ts';
import { toBase64, utf8 } from './bytes.ts';
import { formatDigest } from './digest.ts';
import { nodeSigner, privateKeyFromSeed } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { canonicalize } from './jcs.ts';
import { serializeManifest } from './manifest.ts';
import { pae } from './pae.ts';
import { sealManifest } from './seal.ts';
import { IN_TOTO_PAYLOAD_TYPE } from './statement.ts';
import type { Signer } from '../base/signer.ts';

const SEED = new Uint8Array(32).fill(11);
const AS_OF = '2026-03-01T10:00:00Z';

function record(i: number): StepRecord {
  return {
    stepId: `s${i}`,
    type: 'transform',
    status: 'succeeded',
    inputs: {},
    outputs: { ok: true },
    proofs: { preconditions: [], postconditions: [] },
    artifacts: [],
    recordings: [],
  };
}

/** Writes `manifest.pcq` (n chained steps) and `trust.yaml` (its runner key) into `dir`. */
export async function writeLongChain(dir: string, n: number): Promise<void> {
  const signer = nodeSigner(SEED);
  const key = privateKeyFromSeed(SEED);
  const ctx = { runbookId: 'LONG', runbookVersion: '1.0', runbookDigest: 'sha256:' + 'cd'.repeat(32), asOf: AS_OF };
  const first = await attestStep(record(0), { previousAttestationHash: null, needs: [], parents: [] }, ctx, signer, sha256Node);
  const template = JSON.parse(Buffer.from(first.envelope.payload, 'base64').toString('utf8')) as {
    subject: Array<{ name: string }>;
    predicate: { stepId: string; previousAttestationHash: string | null; needs: string[]; parents: string[] };
  };
  const steps: Array<{ stepId: string; envelope: DsseEnvelope; hash: string; proofs: StepRecord['proofs'] }> = [
    { stepId: 's0', envelope: first.envelope, hash: first.hash, proofs: record(0).proofs },
  ];
  let previous = first.hash;
  for (let i = 1; i < n; i++) {
    const stepId = `s${i}`;
    template.subject[0]!.name = template.subject[0]!.name.replace(/s\d+(?=\.json$)/, stepId);
    Object.assign(template.predicate, { stepId, previousAttestationHash: previous, needs: [`s${i - 1}`], parents: [previous] });
    const payload = utf8(canonicalize(template));
    const sig = sign(null, pae(IN_TOTO_PAYLOAD_TYPE, payload), key);
    const envelope: DsseEnvelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: toBase64(payload), signatures: [{ keyid: signer.keyid, sig: toBase64(sig) }] };
    previous = formatDigest(sha256Node(canonicalize(envelope)));
    steps.push({ stepId, envelope, hash: previous, proofs: record(i).proofs });
  }
  await writeSealedChain(dir, { name: 'long-chain', executionId: 'long', actor: 'test', ctx, steps, signer });
}

/** A chain's attested steps sealed into `dir/manifest.pcq`, and `dir/trust.yaml` listing its runner key as `name`. */
export async function writeSealedChain(
  dir: string,
  chain: {
    name: string;
    executionId: string;
    actor: string;
    ctx: { runbookId: string; runbookVersion: string; runbookDigest: string; asOf: string };
    steps: Array<{ stepId: string; envelope: DsseEnvelope; hash: string; proofs: StepRecord['proofs'] }>;
    signer: Signer;
  },
): Promise<void> {
  const { name, ctx, signer } = chain;
  const trusted = { name, publicKey: signer.keyid, roles: ['runner'], status: 'active', validFrom: null, validUntil: null, source: 'trust.yaml' };
  const manifest = await sealManifest({
    executionId: chain.executionId,
    runbookId: ctx.runbookId,
    version: ctx.runbookVersion,
    runbookDigest: ctx.runbookDigest,
    asOf: ctx.asOf,
    actor: chain.actor,
    inputs: {},
    steps: chain.steps,
    signer,
    sha256: sha256Node,
    authorization: authorizationRecord(trusted as never, ctx.asOf, 'prod'),
  });
  await writeFile(join(dir, 'manifest.pcq'), serializeManifest(manifest));
  await writeFile(
    join(dir, 'trust.yaml'),
    `keys:\n  - name: ${name}\n    publicKey: ${signer.keyid}\n    roles: [runner]\n    status: active\n    validFrom: null\n    validUntil: null\n`,
  );
}
