// The policies digest (FORMATS.md `policyDigest`, seed 002 "policy hash"): one sha256 over every
// file under policies/, so a manifest says which rules it was checked against and an operator can
// pin them (PCQ_POLICY_HASH, run/policy-pin.ts). Definition:
//   sha256( JCS( [ {path: "policies/<relative path>", digest: "sha256:<hex of the file's bytes>"}, … ] ) )
// sorted by path (code-unit order), regular files only, "/" separators. Any byte changed, any file
// added, removed or renamed changes it; reading order and the machine do not.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, digestOfJson } from '../proof/digest.ts';
import { PcqError } from '../base/errors.ts';

export const POLICIES_DIR = 'policies';
const MAX_FILES = 10_000;

export interface PolicyDigest {
  digest: string;
  files: Array<{ path: string; digest: string }>;
}

export async function policyDigest(root: string): Promise<PolicyDigest> {
  const files: Array<{ path: string; digest: string }> = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && rel === POLICIES_DIR) return [];
      throw err;
    });
    for (const entry of entries) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        if (files.length >= MAX_FILES)
          throw new PcqError({
            code: 'PCQ_POLICY_INVALID',
            message: `${POLICIES_DIR}/ holds more than ${MAX_FILES} files`,
            hint: 'Keep only policy documents under policies/.',
          });
        files.push({ path, digest: digestOf(new Uint8Array(await readFile(join(root, path)))) });
      }
    }
  };
  await walk(POLICIES_DIR);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { digest: digestOfJson(files), files };
}
