// The runner key from a key file holding the S… seed (seed 001 "LocalKeyConnector"). The file must
// be readable by its owner only: a key any other user of the machine can read is not a secret, so
// pcq refuses it (PCQ_KEY_FILE_PERMISSIONS) before reading a byte, the way ssh refuses such keys.
import { readFile, stat } from 'node:fs/promises';
import { PcqError } from '../../base/errors.ts';
import { signerFromSecret } from '../keys.ts';
import type { Signer } from '../../base/signer.ts';

export async function keyFileSigner(path: string): Promise<Signer> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (err) {
    throw new PcqError(
      {
        code: 'PCQ_SECRET_MISSING',
        message: `the runner key file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        hint: 'Point PCQ_SIGNER_KEY_FILE at the file holding the S… seed.',
      },
      { cause: err },
    );
  }
  // Windows has no POSIX modes: only the owner bits are meaningful there, so the check is POSIX-only.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new PcqError({
      code: 'PCQ_KEY_FILE_PERMISSIONS',
      message: `the runner key file ${path} is readable or writable by others (mode ${(mode & 0o777).toString(8).padStart(3, '0')})`,
      hint: `Run \`chmod 600 ${path}\`: a signing key must be readable by its owner only.`,
      details: { path, mode: (mode & 0o777).toString(8) },
    });
  }
  return signerFromSecret(await readFile(path, 'utf8'), `the key file ${path}`);
}
