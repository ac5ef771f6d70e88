// What an ombuds decision changes in the execution folder besides the manifest and ticket, put
// into the decision's change set (committed atomically by store/execution-store.ts): an approval
// releases the withheld exports to exports/, and run.json records the new verdict and each
// artifact's state. The bytes released are the private plaintext (private/withheld/, present
// where the run ran) or else the sealed copy (sealed/withheld/<name>.age, opened with the runner
// key — the Action's checkout has no private/), and either way they must hash to the digest the
// export step's signed attestation names: a swapped file is refused, never released. Nothing
// under private/ is ever published.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ChangeSet } from '../store/change-set.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import type { Verdict } from '../base/run-record.ts';
import type { Manifest } from '../base/signed-records.ts';
import { PcqError } from '../base/errors.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { openSealed } from '../runtime/sealing.ts';
import { parseRunRecord } from '../store/read-records.ts';

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

/**
 * Releases every withheld export of an approved run into the change. `runnerIdentity` (the
 * runner's age identity) is asked for only when a plaintext copy is missing and the sealed one
 * must be opened.
 */
export async function releaseExports(
  paths: ExecutionPaths,
  change: ChangeSet,
  manifest: Manifest,
  runnerIdentity: () => Promise<string | undefined>,
): Promise<string[]> {
  const legacy = join(paths.dir, 'withheld'); // executions stored before private/ existed
  const sealed = (await change.list(paths.sealedWithheld)).filter((n) => n.endsWith('.age')).map((n) => n.slice(0, -4));
  const names = [...new Set([...(await change.list(paths.withheld)), ...(await change.list(legacy)), ...sealed])].sort();
  const signed = signedArtifactDigests(manifest);
  for (const name of names) {
    const expected = signed.get(name);
    if (expected === undefined) {
      throw new PcqError({
        code: 'PCQ_RELEASE_MISMATCH',
        message: `withheld file ${name} is not an artifact of the signed manifest`,
        hint: 'Nothing was released. Remove the stray file or restore the execution folder from git.',
      });
    }
    let bytes = (await change.read(join(paths.withheld, name))) ?? (await change.read(join(legacy, name)));
    if (bytes === undefined) {
      const identity = await runnerIdentity();
      if (identity === undefined) {
        throw new PcqError({
          code: 'PCQ_SECRET_MISSING',
          message: `${name} is withheld only in sealed form and no runner key is available to open it`,
          hint: 'Set RUNNER_SECRET to the runner key the run was sealed to (sealed/recipients.json).',
        });
      }
      bytes = await openSealed((await change.read(join(paths.sealedWithheld, `${name}.age`)))!, identity, `sealed/withheld/${name}.age`);
    }
    const actual = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) {
      throw new PcqError({
        code: 'PCQ_RELEASE_MISMATCH',
        message: `withheld ${name} has digest ${actual}, but the signed attestation names ${expected}`,
        hint: 'The withheld copy was changed after the run; nothing was released. Restore the execution folder from git.',
      });
    }
    change.put(join(paths.exports, name), bytes);
    for (const copy of [join(paths.withheld, name), join(legacy, name)]) if ((await change.read(copy)) !== undefined) change.remove(copy);
  }
  return names;
}

export async function recordVerdict(paths: ExecutionPaths, verdict: Verdict, change: ChangeSet): Promise<void> {
  const text = await change.readText(paths.run);
  if (text === undefined)
    throw new PcqError({ code: 'PCQ_RECORD_INVALID', message: `${paths.run} does not exist`, hint: 'Restore the execution folder from git.' });
  const record = parseRunRecord(text, paths.run);
  record.verdict = verdict;
  if (verdict === 'approved') record.artifacts = record.artifacts.map((a) => ({ ...a, state: 'released' }));
  change.putJson(paths.run, record);
}
