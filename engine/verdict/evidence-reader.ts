// Reading an evidence bundle that may be hostile (a verifier distrusts every byte, docs/design.md §4).
// Bounded everywhere: compressed and decompressed size (zlib maxOutputLength stops a gzip bomb
// before it is inflated), entry count, name length; only regular files; names must be relative,
// '/'-separated, without '.', '..', empty or NUL segments (no path traversal, even though nothing
// is ever written to disk); no duplicates. Every problem is a PcqError PCQ_VERDICT_MALFORMED.
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { PcqError } from '../base/errors.ts';

export interface EvidenceLimits {
  maxCompressed: number;
  maxUncompressed: number;
  maxEntries: number;
}

export const DEFAULT_EVIDENCE_LIMITS: EvidenceLimits = {
  maxCompressed: 64 * 1024 * 1024,
  maxUncompressed: 256 * 1024 * 1024,
  maxEntries: 10_000,
};

const malformed = (message: string): PcqError =>
  new PcqError({
    code: 'PCQ_VERDICT_MALFORMED',
    message: `evidence bundle: ${message}`,
    hint: 'Use the evidence.tar.gz exactly as pcq wrote it beside score.json.',
  });

export function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name.includes('\0') || name.includes('\\') || name.startsWith('/')) return false;
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Unpacks tar.gz bytes into name → bytes; throws PCQ_VERDICT_MALFORMED on anything unexpected. */
export async function readEvidence(bytes: Uint8Array, limits: EvidenceLimits = DEFAULT_EVIDENCE_LIMITS): Promise<Map<string, Uint8Array>> {
  if (bytes.length > limits.maxCompressed) throw malformed(`${bytes.length} bytes is larger than the ${limits.maxCompressed}-byte limit`);
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(bytes, { maxOutputLength: limits.maxUncompressed });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw malformed(code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates beyond ${limits.maxUncompressed} bytes` : 'it is not gzip data');
  }
  if (tarBytes.length === 0 || tarBytes.length % 512 !== 0) throw malformed('the tar stream is not a whole number of 512-byte blocks');
  const files = new Map<string, Uint8Array>();
  const extract = tar.extract();
  let entries = 0;
  const parsed = (async () => {
    for await (const entry of extract) {
      const header = entry.header;
      entries++;
      if (entries > limits.maxEntries) {
        entry.resume();
        throw malformed(`more than ${limits.maxEntries} entries`);
      }
      if (header.type !== 'file') {
        entry.resume();
        throw malformed(`entry ${JSON.stringify(String(header.name).slice(0, 80))} is a ${header.type}, not a regular file`);
      }
      const name = String(header.name);
      if (!isSafeEntryName(name)) {
        entry.resume();
        throw malformed(`entry name ${JSON.stringify(name.slice(0, 80))} is not a safe relative path`);
      }
      if (files.has(name)) {
        entry.resume();
        throw malformed(`entry ${name} appears twice`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.set(name, new Uint8Array(Buffer.concat(chunks)));
    }
  })();
  extract.end(tarBytes);
  try {
    await parsed;
  } catch (err) {
    extract.destroy();
    if (err instanceof PcqError) throw err;
    throw malformed(`it is not a valid tar archive (${(err as Error)?.message ?? String(err)})`);
  }
  return files;
}
