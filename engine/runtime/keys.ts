// Runner keys (docs/design.md §5: Ed25519, shown as Stellar strkeys, so the attestation key and the Stellar
// account are one identity). The secret comes from RUNNER_SECRET (an S… seed); in dev only, a key
// is created on first use in .pcq/keys/runner.secret (git-ignored, 0600) and listed as an active
// dev runner (origin local-runner, role runner) in the overlay .pcq/trust.local.yaml. In staging/prod a missing secret fails fast
// (seed 002, "fail-fast secrets"). A secret is never printed or logged, and never appears in an
// error message, except by `pcq keys generate`, whose job it is.
import { registerSecret } from '../base/secrets.ts';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { DEV_KEY_FILE, upsertOverlayKey } from './local-keys.ts';
import { LOCAL_RUNNER_ROLES } from './trust-overlay.ts';
import { nodeSigner } from '../proof/ed25519-node.ts';
import { decodeStrKey, encodeStrKey, tryDecodeStrKey } from '../proof/strkey.ts';
import type { Signer } from '../base/signer.ts';
import { readOptional } from '../store/read-optional.ts';
import type { SignerSettings } from './config-signer.ts';
import { keyFileSigner } from './signers/key-file.ts';
import { pkcs11Signer } from './signers/pkcs11.ts';
import { remoteSigner } from './signers/remote.ts';

export const RUNNER_SECRET_ENV = 'RUNNER_SECRET';
export { DEV_KEY_FILE } from './local-keys.ts';

export interface KeyPairStrings {
  secret: string; // S…
  publicKey: string; // G…
}

export function generateKeyPair(random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))): KeyPairStrings {
  const seed = random(32);
  return { secret: encodeStrKey('seed', seed), publicKey: nodeSigner(seed).keyid };
}

/** A Signer from an S… seed; the error never echoes the value. */
export function signerFromSecret(secret: string, origin: string): Signer {
  const seed = tryDecodeStrKey('seed', secret.trim());
  if (!seed) {
    throw new PcqError({
      code: 'PCQ_SECRET_INVALID',
      message: `${origin} is not a Stellar secret seed (S…, 56 characters with a valid checksum)`,
      hint: 'Generate one with `pcq keys generate` and store the S… value as the secret.',
    });
  }
  return nodeSigner(seed);
}

/**
 * Lists the dev key in the overlay as the local runner key, origin local-runner, with the roles
 * LOCAL_RUNNER_ROLES allows (runner; a key pcq generates by itself is never to count as a
 * reviewer's, docs/design.md §7). Replaces an entry an older pcq wrote for the same key without an origin.
 */
async function ensureDevTrust(root: string, publicKey: string, now: () => Date): Promise<void> {
  await upsertOverlayKey(
    root,
    { name: 'dev-runner-local', publicKey, roles: [...LOCAL_RUNNER_ROLES], origin: 'local-runner', status: 'active', validFrom: null, validUntil: null },
    `created by pcq on ${now().toISOString()} for dev mode`,
  );
}

export interface RunnerSignerSource {
  env: Record<string, string | undefined>;
  root: string;
  mode: 'dev' | 'staging' | 'prod';
  now?: () => Date;
  /** Which port signs (runtime/config-signer.ts); default: the seed in RUNNER_SECRET, dev key in dev. */
  signer?: SignerSettings;
}

export type SignerOrigin = 'env' | 'dev-key' | 'file' | 'pkcs11' | 'remote';

export async function loadRunnerSigner(source: RunnerSignerSource): Promise<{ signer: Signer; origin: SignerOrigin }> {
  const settings = source.signer;
  if (settings !== undefined && settings.kind !== 'env') return { signer: await openSignerPort(settings, source.env, source.root), origin: settings.kind };
  const secret = source.env[RUNNER_SECRET_ENV];
  if (secret !== undefined && secret.trim() !== '') {
    registerSecret(secret, `env ${RUNNER_SECRET_ENV}`); // never stored or printed, in any encoding (base/secrets.ts)
    return { signer: signerFromSecret(secret, RUNNER_SECRET_ENV), origin: 'env' };
  }
  if (source.mode !== 'dev') {
    throw new PcqError({
      code: 'PCQ_SECRET_MISSING',
      message: `PCQ_MODE=${source.mode} needs ${RUNNER_SECRET_ENV} (the runner's S… signing seed), which is not set`,
      hint: `Store the seed from \`pcq keys generate\` as the ${RUNNER_SECRET_ENV} secret and list its G… key in policies/trust.yaml; dev mode creates a local key instead.`,
    });
  }
  const path = join(source.root, DEV_KEY_FILE);
  let text = await readOptional(path);
  if (text === undefined) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    text = generateKeyPair().secret + '\n';
    await writeFile(path, text, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      text = await readFile(path, 'utf8'); // another process created it first: use theirs
    });
    await chmod(path, 0o600);
  }
  registerSecret(text, DEV_KEY_FILE);
  const signer = signerFromSecret(text, DEV_KEY_FILE);
  await ensureDevTrust(source.root, signer.keyid, source.now ?? (() => new Date()));
  return { signer, origin: 'dev-key' };
}

/** The raw public key bytes of a G… strkey (for exports and displays). */
export function publicKeyBytes(publicKey: string): Uint8Array {
  return decodeStrKey('public', publicKey);
}

/** The non-env signer ports: a key file, a PKCS#11 token, a remote signing service. */
async function openSignerPort(settings: SignerSettings, env: Record<string, string | undefined>, root: string): Promise<Signer> {
  const secret = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new PcqError({
        code: 'PCQ_SECRET_MISSING',
        message: `the ${settings.kind} signer needs the secret ${name}, which is not set`,
        hint: `Provide ${name} from your secret store.`,
        details: { variable: name },
      });
    return value;
  };
  if (settings.kind === 'file') return keyFileSigner(resolve(root, settings.keyFile ?? ''));
  if (settings.kind === 'pkcs11' && settings.pkcs11) return pkcs11Signer({ ...settings.pkcs11, pin: secret(settings.pkcs11.pinEnv) });
  if (settings.kind === 'remote' && settings.remote) return remoteSigner({ url: settings.remote.url, token: secret(settings.remote.tokenEnv) });
  throw new PcqError({
    code: 'PCQ_SIGNER_INVALID',
    message: `signer ${settings.kind} is not fully configured`,
    hint: 'Run `pcq config show --sources` to see the signer settings.',
  });
}
