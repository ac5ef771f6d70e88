// Reading a file that may legitimately be absent (a dev key not yet created, a trust overlay that
// only exists in dev mode): absence is `undefined`; any other failure is still an error.
import { readFile } from 'node:fs/promises';

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
