// SHA-256 through WebCrypto for the browser verifier's bulk hashing (hash.ts Sha256Batch):
// crypto.subtle.digest is asynchronous and runs off the page's main thread, so the attestation and
// leaf hashes of a manifest are computed in parallel instead of one by one in JavaScript (noble).
// Tree nodes (65-byte inputs) stay on the synchronous port: a promise per node costs more than it saves.
import type { Sha256Batch } from './hash.ts';

type SubtleDigest = { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> };

export function webCryptoSha256Batch(subtle: SubtleDigest): Sha256Batch {
  return async (inputs) => {
    const digests = await Promise.all(inputs.map((data) => subtle.digest('SHA-256', data)));
    return digests.map((d) => new Uint8Array(d));
  };
}
