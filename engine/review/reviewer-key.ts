// A reviewer's own signing key for local decisions (`pcq review approve|reject|request-info --by
// <login>`: decisions are signed by the people who decide). The secret comes from
// PCQ_REVIEWER_SECRET, else from .pcq/keys/reviewer-<login>.secret (an S… strkey, mode 0600, made
// only by an explicit `pcq keys generate --reviewer <login>`). pcq never creates a reviewer key by
// itself and never falls back to the runner key: no key means no decision. Whether the key is bound
// to <login> in the trust store is checked by the review rules (proof/review-rules.ts), in `pcq
// review` before anything is written and again in `pcq verify`.
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { signerFromSecret } from '../runtime/keys.ts';
import type { Signer } from '../base/signer.ts';
import { readOptional } from '../store/read-optional.ts';
// The same secret the ombuds unseals private data with (one key per reviewer, one place naming it).
import { REVIEWER_SECRET_ENV, reviewerKeyFile } from '../runtime/age-keys.ts';

export { REVIEWER_SECRET_ENV, reviewerKeyFile };

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/; // GitHub login syntax: safe as a file name part

export async function loadReviewerSigner(root: string, login: string, env: Record<string, string | undefined>): Promise<{ signer: Signer; origin: 'env' | 'file' }> {
  const source = { root, login, env };
  const secret = source.env[REVIEWER_SECRET_ENV];
  if (secret !== undefined && secret.trim() !== '') return { signer: signerFromSecret(secret, REVIEWER_SECRET_ENV), origin: 'env' };
  const file = LOGIN.test(source.login) ? reviewerKeyFile(source.login) : undefined;
  const text = file === undefined ? undefined : await readOptional(join(source.root, file));
  if (text === undefined) {
    throw new PcqError({
      code: 'PCQ_REVIEWER_KEY_MISSING',
      message: `no signing key for reviewer ${source.login}: ${REVIEWER_SECRET_ENV} is not set${file ? ` and ${file} does not exist` : ' (and the login is not a valid GitHub login)'}`,
      hint: `A decision is signed with the reviewer's own key: run \`pcq keys generate --reviewer ${source.login}\` and list its G… key with \`login: ${source.login}\` and role reviewer in policies/trust.yaml, or set ${REVIEWER_SECRET_ENV}.`,
    });
  }
  return { signer: signerFromSecret(text, file!), origin: 'file' };
}
