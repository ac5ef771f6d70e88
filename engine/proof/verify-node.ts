// verifyManifest with the Node ports: the step signatures as one batch on worker threads that the
// main thread joins when its structural checks are done (nodeVerifyBatch), other signatures through
// node:crypto's callback API (the libuv pool), and node:crypto's one-shot SHA-256. The one function
// `pcq verify` calls, and the one bench/proof.bench.ts measures.
import { nodeVerify, nodeVerifyBatch } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import type { TrustStore } from './trust.ts';
import { verifyManifest, type VerifyOptions, type VerifyReport } from './verify-manifest.ts';

export function verifyManifestNode(
  text: string,
  trust: TrustStore,
  options: Pick<VerifyOptions, 'mode' | 'now' | 'roster' | 'timeAnchor'> = {},
): Promise<VerifyReport> {
  return verifyManifest(text, trust, nodeVerify, { ...options, sha256: sha256Node, verifyBatch: nodeVerifyBatch });
}
