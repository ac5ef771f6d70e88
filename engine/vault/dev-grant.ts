// The dev default (docs/grants.md "Dev mode"): the two-command promise (`npm ci && npm start`) and
// every fresh repository keep working without anyone writing a grant first. In dev mode only, when
// NO grant (committed or local, in any state) names the local runner key, pcq issues one on this
// machine, signed by a local user key .pcq/keys/grant-user.secret, into the git-ignored
// .pcq/grants/ — created on first use, exactly like the local runner key and its trust overlay
// entry. Staging and prod never read .pcq/grants/: there a missing grant refuses the run.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { GrantTerms } from '../base/prepaid-vault.ts';
import { registerSecret } from '../base/secrets.ts';
import type { Signer } from '../base/signer.ts';
import { generateKeyPair, signerFromSecret } from '../runtime/keys.ts';
import { readOptional } from '../store/read-optional.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { LOCAL_GRANTS_DIR, grantPath, serializeGrant, signGrant } from './grant-file.ts';

export const DEV_USER_KEY_FILE = '.pcq/keys/grant-user.secret';
/** Generous: a dev grant is about exercising the flow, not rationing a laptop. */
export const DEV_GRANT_BUDGET = 1_000_000;
const DEV_GRANT_DAYS = 365;

/** The local user key (created on first use, mode 0600), used to sign dev grants and, by default, `pcq grant` in dev. */
export async function localUserSigner(root: string): Promise<Signer> {
  const path = join(root, DEV_USER_KEY_FILE);
  let text = await readOptional(path);
  if (text === undefined) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    text = generateKeyPair().secret + '\n';
    await writeFile(path, text, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      text = await readFile(path, 'utf8');
    });
    await chmod(path, 0o600);
  }
  // The local user key is a secret like the runner's (base/secrets.ts): registered before any use.
  registerSecret(text.trim(), DEV_USER_KEY_FILE);
  return signerFromSecret(text, DEV_USER_KEY_FILE);
}

export function newGrantId(): string {
  return `g-${randomBytes(6).toString('hex')}`;
}

export async function issueDevGrant(root: string, runner: string, now: Date): Promise<string> {
  const user = await localUserSigner(root);
  const expires = new Date(now.getTime() + DEV_GRANT_DAYS * 86_400_000);
  const terms: GrantTerms = {
    grantId: newGrantId(),
    version: 1,
    user: user.keyid,
    runner,
    runbooks: ['*'],
    budget: DEV_GRANT_BUDGET,
    unit: 'step',
    expiresAt: expires.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    revoked: false,
  };
  const file = grantPath(LOCAL_GRANTS_DIR, terms.grantId, 1);
  await writeFileAtomic(join(root, file), serializeGrant(await signGrant(terms, user)));
  return file;
}
