// What an ombuds decision changes in the execution folder besides the manifest and ticket: an
// approval releases the withheld exports to exports/, and run.json records the new verdict and
// each artifact's state. The bytes released are the private plaintext (private/withheld/, present
// where the run ran) or else the sealed copy (sealed/withheld/<name>.age, opened with the runner
// key — the Action's checkout has no private/), and either way they must hash to the digest the
// export step's signed attestation names: a swapped file is refused, never released.
// Copy-then-remove per file with atomic writes, so a crash leaves a file in both places, never in
// neither. Nothing under private/ is ever published.
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic-write.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import type { Verdict } from '../base/run-record.ts';
import type { RunRecordFile } from '../base/run-record.ts';
import type { Manifest } from '../base/signed-records.ts';
import { PcqError } from '../base/errors.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { openSealed } from '../runtime/sealing.ts';

async function listNames(dir: string, suffix = ''): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.') && e.name.endsWith(suffix)).map((e) => e.name.slice(0, e.name.length - suffix.length));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Artifact name → sha256:<hex> from the step attestations of the signed manifest. */
export function signedArtifactDigests(manifest: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const step of manifest.steps) {
    const predicate = decodeEnvelopePayload(step.attestation)?.predicate as { artifacts?: unknown } | undefined;
    for (const a of Array.isArray(predicate?.artifacts) ? predicate.artifacts : []) {
      const { name, digest } = (a ?? {}) as { name?: unknown; digest?: unknown };
      if (typeof name === 'string' && typeof digest === 'string') out.set(name, digest);
    }
  }
  return out;
}

async function readBytes(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Releases every withheld export of an approved run. `runnerIdentity` (the runner's age identity)
 * is asked for only when a plaintext copy is missing and the sealed one must be opened.
 */
export async function releaseExports(paths: ExecutionPaths, manifest: Manifest, runnerIdentity: () => Promise<string | undefined>): Promise<string[]> {
  const legacy = join(paths.dir, 'withheld'); // executions stored before private/ existed
  const names = [...new Set([...await listNames(paths.withheld), ...await listNames(legacy), ...await listNames(paths.sealedWithheld, '.age')])].sort();
  const signed = signedArtifactDigests(manifest);
  for (const name of names) {
    const expected = signed.get(name);
    if (expected === undefined) {
      throw new PcqError({ code: 'PCQ_RELEASE_MISMATCH', message: `withheld file ${name} is not an artifact of the signed manifest`, hint: 'Nothing was released. Remove the stray file or restore the execution folder from git.' });
    }
    let bytes = (await readBytes(join(paths.withheld, name))) ?? (await readBytes(join(legacy, name)));
    if (bytes === undefined) {
      const identity = await runnerIdentity();
      if (identity === undefined) {
        throw new PcqError({ code: 'PCQ_SECRET_MISSING', message: `${name} is withheld only in sealed form and no runner key is available to open it`, hint: 'Set RUNNER_SECRET to the runner key the run was sealed to (sealed/recipients.json).' });
      }
      bytes = await openSealed(new Uint8Array(await readFile(join(paths.sealedWithheld, `${name}.age`))), identity, `sealed/withheld/${name}.age`);
    }
    const actual = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) {
      throw new PcqError({ code: 'PCQ_RELEASE_MISMATCH', message: `withheld ${name} has digest ${actual}, but the signed attestation names ${expected}`, hint: 'The withheld copy was changed after the run; nothing more was released. Restore the execution folder from git.' });
    }
    await writeFileAtomic(join(paths.exports, name), bytes);
    for (const copy of [join(paths.withheld, name), join(legacy, name)]) await rm(copy, { force: true });
  }
  for (const dir of [paths.withheld, legacy]) await rmdir(dir).catch(() => undefined); // only when empty
  return names;
}

export async function recordVerdict(paths: ExecutionPaths, verdict: Verdict): Promise<void> {
  const record = JSON.parse(await readFile(paths.run, 'utf8')) as RunRecordFile;
  record.verdict = verdict;
  if (verdict === 'approved') record.artifacts = record.artifacts.map((a) => ({ ...a, state: 'released' }));
  await writeJsonAtomic(paths.run, record);
}
