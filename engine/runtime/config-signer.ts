// The signer settings of runtime/config.ts: which port signs for the runner (runtime/signers/).
//   env     the S… seed in RUNNER_SECRET (or secrets.signingKeyEnv); dev falls back to .pcq/keys
//   file    a file holding the S… seed, readable by its owner only (PCQ_SIGNER_KEY_FILE)
//   pkcs11  an Ed25519 key on a PKCS#11 token (PCQ_PKCS11_MODULE, _TOKEN, _KEY; PIN in PCQ_PKCS11_PIN)
//   remote  a signing service over HTTP (PCQ_SIGNER_URL; bearer token in PCQ_SIGNER_TOKEN)
// Only environment variable NAMES live here: a secret's value is read where it is used.
import type { PcqIssue } from '../base/errors.ts';
import type { ConfigFileValues } from './config-file.ts';
import type { Pick } from './config.ts';

export type SignerKind = 'env' | 'file' | 'pkcs11' | 'remote';

export interface SignerSettings {
  kind: SignerKind;
  /** env: the variable holding the seed. */
  secretEnv: string;
  keyFile?: string;
  pkcs11?: { module: string; token: string; key: string; pinEnv: string };
  remote?: { url: string; tokenEnv: string };
  /** The secrets this signer needs outside dev. */
  requiredSecrets: string[];
}

export const SIGNER_KINDS: readonly SignerKind[] = ['env', 'file', 'pkcs11', 'remote'];
export const DEFAULT_PKCS11_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export function resolveSigner(input: {
  flag: string | undefined;
  file: ConfigFileValues['signer'];
  signingKeyEnv: string;
  pick: Pick;
  issues: PcqIssue[];
}): SignerSettings {
  const { pick, file = {} } = input;
  const kindRaw = pick('signer.kind', input.flag, 'PCQ_SIGNER', file.kind, 'env');
  const kind = String(kindRaw.value) as SignerKind;
  const bad = (message: string, hint: string): void => void input.issues.push({ code: 'PCQ_CONFIG_INVALID', message, hint });
  if (!SIGNER_KINDS.includes(kind)) {
    bad(`${kindRaw.label}: unknown signer "${String(kindRaw.value)}".`, `Use one of ${SIGNER_KINDS.join(', ')}.`);
    return { kind: 'env', secretEnv: input.signingKeyEnv, requiredSecrets: [input.signingKeyEnv] };
  }
  const settings: SignerSettings = { kind, secretEnv: input.signingKeyEnv, requiredSecrets: [] };
  if (kind === 'env') settings.requiredSecrets.push(input.signingKeyEnv);
  if (kind === 'file') {
    const keyFile = String(pick('signer.keyFile', undefined, 'PCQ_SIGNER_KEY_FILE', file.keyFile, '').value);
    if (keyFile === '') bad('signer file needs a key file (PCQ_SIGNER_KEY_FILE or signer.keyFile).', 'Point it at a file holding the S… seed, mode 0600.');
    settings.keyFile = keyFile;
  }
  if (kind === 'pkcs11') {
    const pinEnv = String(pick('signer.pinEnv', undefined, 'PCQ_PKCS11_PIN_ENV', file.pinEnv, 'PCQ_PKCS11_PIN').value);
    settings.pkcs11 = {
      module: String(pick('signer.module', undefined, 'PCQ_PKCS11_MODULE', file.module, DEFAULT_PKCS11_MODULE).value),
      token: String(pick('signer.token', undefined, 'PCQ_PKCS11_TOKEN', file.token, '').value),
      key: String(pick('signer.key', undefined, 'PCQ_PKCS11_KEY', file.key, '').value),
      pinEnv,
    };
    if (settings.pkcs11.token === '' || settings.pkcs11.key === '')
      bad('signer pkcs11 needs the token label (PCQ_PKCS11_TOKEN) and the key label (PCQ_PKCS11_KEY).', 'Name the token and the Ed25519 key on it.');
    settings.requiredSecrets.push(pinEnv);
  }
  if (kind === 'remote') {
    const url = String(pick('signer.url', undefined, 'PCQ_SIGNER_URL', file.url, '').value);
    const tokenEnv = String(pick('signer.tokenEnv', undefined, 'PCQ_SIGNER_TOKEN_ENV', file.tokenEnv, 'PCQ_SIGNER_TOKEN').value);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      bad(`signer remote needs an http(s) URL (PCQ_SIGNER_URL), got "${url}".`, 'Set PCQ_SIGNER_URL to the signing service.');
    settings.remote = { url, tokenEnv };
    settings.requiredSecrets.push(tokenEnv);
  }
  return settings;
}
