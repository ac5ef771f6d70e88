// Publisher signing keys (seed 004 §12 `sign keygen`): an Ed25519 pair in a JSON key file
// {format: "pcq-publisher-key/v1", publisher, key_id, algorithm, public_key: G…, secret: S…},
// written 0600 and never overwritten. The secret never reaches the screen; the public key goes to
// the publisher's trust file with `pcq trust add`.
import { open, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { generateKeyPair, signerFromSecret } from '../runtime/keys.ts';
import type { Signer } from '../base/signer.ts';
import { KEY_ID, PUBLISHER } from './signature.ts';

export const PUBLISHER_KEY_FORMAT = 'pcq-publisher-key/v1';

export interface PublisherKeyFile {
  publisher: string;
  keyId: string;
  publicKey: string;
  signer: Signer;
}

export function defaultKeyFile(publisher: string, keyId: string): string {
  return `.pcq/keys/publisher-${publisher}-${keyId}.json`;
}

export async function writePublisherKey(path: string, publisher: string, keyId: string): Promise<{ publicKey: string }> {
  if (!PUBLISHER.test(publisher))
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `publisher "${publisher}" must be lower-case letters, digits, ".", "_" or "-"`,
      hint: 'Run `pcq sign --help`.',
    });
  if (!KEY_ID.test(keyId))
    throw new PcqError({ code: 'PCQ_USAGE', message: `key id "${keyId}" must be letters, digits, ".", "_" or "-"`, hint: 'Run `pcq sign --help`.' });
  const pair = generateKeyPair();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new PcqError({ code: 'PCQ_USAGE', message: `${path} exists; a key file is never overwritten`, hint: 'Choose another --out or --key-id.' });
    throw err;
  }
  try {
    await handle.writeFile(
      JSON.stringify(
        { format: PUBLISHER_KEY_FORMAT, publisher, key_id: keyId, algorithm: 'ed25519', public_key: pair.publicKey, secret: pair.secret },
        null,
        2,
      ) + '\n',
    );
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { publicKey: pair.publicKey };
}

export async function readPublisherKey(path: string): Promise<PublisherKeyFile> {
  const bad = (why: string): PcqError =>
    new PcqError({ code: 'PCQ_PUBLISHER_KEY_FILE', message: `${path}: ${why}`, hint: 'Pass the file `pcq sign keygen` wrote.' });
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a JSON key file');
  }
  if (v === null || typeof v !== 'object' || v.format !== PUBLISHER_KEY_FORMAT) throw bad(`not a ${PUBLISHER_KEY_FORMAT} file`);
  if (typeof v.publisher !== 'string' || !PUBLISHER.test(v.publisher) || typeof v.key_id !== 'string' || !KEY_ID.test(v.key_id))
    throw bad('publisher or key_id missing');
  if (typeof v.secret !== 'string') throw bad('no secret');
  const signer = signerFromSecret(v.secret, path);
  if (signer.keyid !== v.public_key) throw bad("public_key is not the secret's");
  return { publisher: v.publisher, keyId: v.key_id, publicKey: signer.keyid, signer };
}
