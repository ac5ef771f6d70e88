// The runner key on a PKCS#11 token (an HSM, a smart card, SoftHSM2 in tests): the private key
// never leaves the token; pcq asks it to sign with CKM_EDDSA (PKCS#11 v3.0 §2.3.14, Ed25519 with
// no pre-hash) and reads the public key from the token's public-key object (CKA_EC_POINT).
// pkcs11js is an optional dependency (a native addon): when it cannot load, this signer is a coded
// PCQ_PKCS11_UNAVAILABLE, and every other signer still works. The PIN is passed to C_Login only.
import { createRequire } from 'node:module';
import { PcqError } from '../../base/errors.ts';
import { encodeStrKey } from '../../proof/strkey.ts';
import { nodeVerify } from '../../proof/ed25519-node.ts';
import type { Signer } from '../../base/signer.ts';

export interface Pkcs11Options {
  module: string; // path of the token's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
  token: string; // token label
  key: string; // key label (CKA_LABEL of the private and the public key)
  pin: string;
}

const CKM_EDDSA = 0x1057;
const CKR_PIN_INCORRECT = 0xa0;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;

type Pkcs11Module = typeof import('pkcs11js');

function loadPkcs11js(): Pkcs11Module {
  try {
    return createRequire(import.meta.url)('pkcs11js') as Pkcs11Module;
  } catch (err) {
    throw new PcqError(
      {
        code: 'PCQ_PKCS11_UNAVAILABLE',
        message: `the PKCS#11 signer needs the optional dependency pkcs11js, which did not load (${(err as Error).message.split('\n')[0]})`,
        hint: 'Install it with its native build (npm ci on a machine with a C++ toolchain), or choose another signer (PCQ_SIGNER).',
      },
      { cause: err },
    );
  }
}

/** Opens the token once per signer; every signature verifies against the token's public key before it is returned. */
export async function pkcs11Signer(options: Pkcs11Options): Promise<Signer & { close(): void }> {
  const lib = loadPkcs11js();
  const p11 = new lib.PKCS11();
  const fail = (message: string, err?: unknown): never => {
    const rv = (err as { code?: unknown } | undefined)?.code;
    const code = rv === CKR_PIN_INCORRECT ? 'PCQ_SIGNER_REFUSED' : 'PCQ_PKCS11_UNAVAILABLE';
    throw new PcqError(
      {
        code,
        message: `PKCS#11 ${message}${err ? `: ${(err as Error).message.split('\n')[0]}` : ''}`,
        hint:
          code === 'PCQ_SIGNER_REFUSED'
            ? 'The token refused the PIN in PCQ_PKCS11_PIN.'
            : 'Check PCQ_PKCS11_MODULE, PCQ_PKCS11_TOKEN and PCQ_PKCS11_KEY (pkcs11-tool --list-objects shows them).',
      },
      { cause: err },
    );
  };
  try {
    p11.load(options.module);
  } catch (err) {
    fail(`module ${options.module} did not load`, err);
  }
  p11.C_Initialize();
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === options.token);
    if (slot === undefined) fail(`no token labelled "${options.token}" in ${options.module}`);
    const session = p11.C_OpenSession(slot!, lib.CKF_SERIAL_SESSION);
    try {
      p11.C_Login(session, lib.CKU_USER, options.pin);
    } catch (err) {
      if ((err as { code?: unknown }).code !== CKR_USER_ALREADY_LOGGED_IN) fail(`login to token "${options.token}" failed`, err);
    }
    const find = (cls: number): Buffer | null => {
      p11.C_FindObjectsInit(session, [
        { type: lib.CKA_CLASS, value: cls },
        { type: lib.CKA_LABEL, value: options.key },
      ]);
      const handle = p11.C_FindObjects(session);
      p11.C_FindObjectsFinal(session);
      return handle;
    };
    const privateKey = find(lib.CKO_PRIVATE_KEY) ?? fail(`no private key labelled "${options.key}" on token "${options.token}"`);
    const publicObject = find(lib.CKO_PUBLIC_KEY) ?? fail(`no public key labelled "${options.key}" on token "${options.token}"`);
    const point = p11.C_GetAttributeValue(session, publicObject!, [{ type: lib.CKA_EC_POINT }])[0]?.value as Buffer | undefined;
    const publicKey = ecPoint(point) ?? fail(`the key "${options.key}" is not an Ed25519 key (CKA_EC_POINT is not 32 bytes)`);
    const keyid = encodeStrKey('public', publicKey!);
    return {
      keyid,
      async sign(message) {
        p11.C_SignInit(session, { mechanism: CKM_EDDSA }, privateKey!);
        const signature = new Uint8Array(p11.C_Sign(session, Buffer.from(message), Buffer.alloc(64)));
        if (!(await nodeVerify(publicKey!, message, signature))) fail(`token "${options.token}" returned a signature that does not verify under ${keyid}`);
        return signature;
      },
      close() {
        try {
          p11.C_Logout(session);
          p11.C_CloseSession(session);
        } finally {
          p11.C_Finalize();
        }
      },
    };
  } catch (err) {
    try {
      p11.C_Finalize();
    } catch {
      /* already failed */
    }
    throw err;
  }
}

/** CKA_EC_POINT of an Ed25519 key: the 32 raw bytes, DER-wrapped in an OCTET STRING (04 20 …) or bare. */
function ecPoint(value: Buffer | undefined): Uint8Array | undefined {
  if (!value) return undefined;
  if (value.length === 34 && value[0] === 0x04 && value[1] === 0x20) return new Uint8Array(value.subarray(2));
  if (value.length === 32) return new Uint8Array(value);
  return undefined;
}
