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
import { checkPrivateData, openSealed, unsealMismatch as mismatch } from '../runtime/sealing.ts';
import { checkOpening, type PrivateOpening } from '../proof/private-commitment.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { VerifyCheck } from '../proof/verify-manifest.ts';
import { signedArtifactDigests } from './release-exports.ts';

export interface UnsealResult {
  outDir: string;
  steps: string[]; // private steps whose values were checked and written
  withheld: string[]; // withheld exports checked and written
}

async function sealedNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((n) => n.endsWith('.age'))
      .map((n) => n.slice(0, -4))
      .sort();
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
    throw new PcqError({
      code: 'PCQ_SEALED_MISSING',
      message: `execution ${manifest.executionId} has nothing sealed (no ${paths.sealed})`,
      hint: 'Only runs with private steps or withheld exports have sealed data; its public files are readable as they are.',
    });
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
    if (signed.get(name) !== digest)
      throw mismatch(`sealed ${name} has digest ${digest}, the signed attestation names ${signed.get(name) ?? 'no such artifact'}`);
    await writeFileAtomic(join(outDir, 'withheld', name), bytes, 0o600);
    result.withheld.push(name);
  }
  return result;
}

/**
 * `pcq verify --private-dir DIR`: a holder of the private data (DIR = an execution's private/, or
 * what `pcq unseal` wrote) checks it against the signed manifest — every steps/<stepId>.json
 * opening against its step's commitments, every withheld/<name> against its artifact digest.
 */
export async function checkPrivateDir(manifest: Manifest, dir: string): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const predicates = new Map(manifest.steps.map((s) => [s.stepId, decodeEnvelopePayload(s.attestation)?.predicate as Record<string, unknown> | undefined]));
  for (const file of (await readdir(join(dir, 'steps')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort()) {
    const stepId = file.slice(0, -5);
    let problems: string[];
    try {
      const opening = JSON.parse(await readFile(join(dir, 'steps', file), 'utf8')) as PrivateOpening;
      const predicate = predicates.get(stepId);
      problems = !predicate
        ? [`the manifest has no step ${stepId}`]
        : opening?.stepId !== stepId
          ? [`steps/${file} opens ${String(opening?.stepId)}`]
          : checkOpening(predicate, opening, sha256Node);
    } catch (err) {
      problems = [`steps/${file} is not JSON: ${(err as Error).message}`];
    }
    checks.push({
      code: 'PCQ_UNSEAL_MISMATCH',
      check: 'private-data',
      stepId,
      ok: problems.length === 0,
      message: problems.length === 0 ? `steps/${file} opens the signed commitments` : problems.join('; '),
    });
  }
  const signed = signedArtifactDigests(manifest);
  for (const name of (await readdir(join(dir, 'withheld')).catch(() => [] as string[])).sort()) {
    const digest =
      'sha256:' +
      createHash('sha256')
        .update(await readFile(join(dir, 'withheld', name)))
        .digest('hex');
    const ok = signed.get(name) === digest;
    checks.push({
      code: 'PCQ_UNSEAL_MISMATCH',
      check: 'withheld-export',
      ok,
      message: ok
        ? `withheld/${name} is the signed artifact ${digest}`
        : `withheld/${name} has digest ${digest}, the signed attestation names ${signed.get(name) ?? 'no such artifact'}`,
    });
  }
  if (checks.length === 0)
    checks.push({ code: 'PCQ_SEALED_MISSING', check: 'private-data', ok: false, message: `${dir} holds no steps/<stepId>.json or withheld/<name> to check` });
  return checks;
}
