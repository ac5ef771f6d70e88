// The ombuds reads what they decide on (engine/FORMATS.md "Sealed"): `pcq unseal` opens an
// execution's sealed/ files with the reviewer's own key, checks every value against what the run
// signed — each private step's inputs, outputs and recording keys against the salted commitments
// in its attestation (proof/private-commitment.ts), each withheld export against the artifact
// digest — and writes the plaintext to a private folder (default .pcq/unsealed/<executionId>/,
// git-ignored, mode 0700) for the reviewer to read. A file that does not match is refused, so the
// ombuds never decides on bytes other than the ones the run produced.
import { chmod, mkdir, readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { Manifest } from '../base/signed-records.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import { canonicalize } from '../proof/jcs.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { checkOpening, type PrivateOpening } from '../proof/private-commitment.ts';
import { sha256Node } from '../proof/hash-node.ts';
import { openSealed, PRIVATE_DATA_FORMAT, type PrivateData } from '../runtime/sealing.ts';
import { signedArtifactDigests } from './release-exports.ts';

export interface UnsealResult {
  outDir: string;
  steps: string[]; // private steps whose values were checked and written
  withheld: string[]; // withheld exports checked and written
}

function mismatch(message: string): PcqError {
  return new PcqError({ code: 'PCQ_UNSEAL_MISMATCH', message, hint: 'The sealed copy does not hold what the run signed; do not decide on it. Restore the execution folder from git and report it.' });
}

/** Parses and checks decrypted private data against the signed manifest (pure apart from hashing). */
export function checkPrivateData(manifest: Manifest, text: string): PrivateData {
  let data: PrivateData;
  try {
    data = JSON.parse(text) as PrivateData;
  } catch {
    throw mismatch('the sealed private data is not JSON');
  }
  if (data?.format !== PRIVATE_DATA_FORMAT || data.executionId !== manifest.executionId || !Array.isArray(data.steps)) {
    throw mismatch(`the sealed private data is not ${PRIVATE_DATA_FORMAT} for execution ${manifest.executionId}`);
  }
  const predicates = new Map(manifest.steps.map((s) => [s.stepId, decodeEnvelopePayload(s.attestation)?.predicate as Record<string, unknown> | undefined]));
  for (const opening of data.steps as PrivateOpening[]) {
    const predicate = predicates.get(opening?.stepId);
    if (!predicate) throw mismatch(`the sealed data names a step ${String(opening?.stepId)} the manifest does not have`);
    const problems = checkOpening(predicate, opening, sha256Node);
    if (problems.length > 0) throw mismatch(problems.join('; '));
  }
  return data;
}

async function sealedNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.age')).map((n) => n.slice(0, -4)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function unsealExecution(paths: ExecutionPaths, manifest: Manifest, identity: string, outDir: string): Promise<UnsealResult> {
  let sealedData: Uint8Array | undefined;
  try {
    sealedData = new Uint8Array(await readFile(paths.sealedData));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const names = await sealedNames(paths.sealedWithheld);
  if (sealedData === undefined && names.length === 0) {
    throw new PcqError({ code: 'PCQ_SEALED_MISSING', message: `execution ${manifest.executionId} has nothing sealed (no ${paths.sealed})`, hint: 'Only runs with private steps or withheld exports have sealed data; its public files are readable as they are.' });
  }
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  await chmod(outDir, 0o700);
  const result: UnsealResult = { outDir, steps: [], withheld: [] };
  if (sealedData !== undefined) {
    const data = checkPrivateData(manifest, new TextDecoder().decode(await openSealed(sealedData, identity, 'sealed/private-data.json.age')));
    for (const opening of data.steps) {
      await writeFileAtomic(join(outDir, 'steps', `${opening.stepId}.json`), JSON.stringify(opening, null, 2) + '\n', 0o600);
      result.steps.push(opening.stepId);
    }
    if (data.recordings.length > 0) await writeFileAtomic(join(outDir, 'recordings.json'), canonicalize(data.recordings) + '\n', 0o600);
    if (data.effects.length > 0) await writeFileAtomic(join(outDir, 'effects.json'), canonicalize(data.effects) + '\n', 0o600);
  }
  const signed = signedArtifactDigests(manifest);
  for (const name of names) {
    const bytes = await openSealed(new Uint8Array(await readFile(join(paths.sealedWithheld, `${name}.age`))), identity, `sealed/withheld/${name}.age`);
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (signed.get(name) !== digest) throw mismatch(`sealed ${name} has digest ${digest}, the signed attestation names ${signed.get(name) ?? 'no such artifact'}`);
    await writeFileAtomic(join(outDir, 'withheld', name), bytes, 0o600);
    result.withheld.push(name);
  }
  return result;
}
