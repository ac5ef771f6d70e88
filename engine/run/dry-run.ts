// `pcq run --dry-run` (issue 14, "authoring without pollution"): the same run, the same checks and
// the same report, in a scratch copy of the repository's inputs (runbooks/, policies/, spells/,
// contracts/), signed with an ephemeral dev key made there. Nothing is written under the
// repository: not attestations/, not .pcq/ (no key, no overlay entry, no outbox), and nothing is
// published. Secrets are not carried over (.env.runner is not copied, the signing key variables
// are dropped), so a dry run can never sign with the real runner key.
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative } from 'node:path';

const INPUT_FOLDERS = ['runbooks', 'policies', 'spells', 'contracts'];
/** Environment variables that select or hold a signing key; a dry run signs with a fresh dev key. */
const SIGNING_VARS = /^(RUNNER_SECRET|PCQ_SIGNER.*|PCQ_MODE|PCQ_KEY.*|PCQ_PKCS11.*)$/;

export interface DryRunScratch {
  root: string;
  /** The runbook file inside the scratch copy. */
  file: string;
  env: Record<string, string | undefined>;
  cleanup: () => Promise<void>;
}

export async function prepareDryRun(input: {
  root: string;
  file: string;
  env: Record<string, string | undefined>;
  signingKeyEnv: string;
}): Promise<DryRunScratch> {
  const root = await mkdtemp(join(tmpdir(), 'pcq-dry-run-'));
  for (const folder of INPUT_FOLDERS) {
    const from = join(input.root, folder);
    if (
      await stat(from).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      await cp(from, join(root, folder), { recursive: true });
  }
  const rel = relative(input.root, input.file);
  let file = join(root, rel);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    file = join(root, basename(input.file));
    await cp(input.file, file);
  }
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(input.env)) if (!SIGNING_VARS.test(k) && k !== input.signingKeyEnv) env[k] = v;
  return { root, file, env, cleanup: () => rm(root, { recursive: true, force: true }) };
}
