// verifyManifest with the Node ports: step signatures through node:crypto's callback API (the libuv
// pool, a block at a time), node:crypto's one-shot SHA-256 and its incremental SHA-256/SHA-512.
// `verifyManifestFile` streams the file (bounded memory, issue 16); `verifyManifestNode` verifies
// text already in memory. The functions `pcq verify` calls, and the ones bench/ measures.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { nodeVerify, nodeVerifySync } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { type ManifestSource } from './manifest-scan.ts';
import type { TrustStore } from './trust.ts';
import { verifyManifest, verifyManifestSource, type VerifiedManifest, type VerifyOptions, type VerifyReport } from './verify-manifest.ts';

type NodeOptions = Pick<VerifyOptions, 'mode' | 'now' | 'roster' | 'onStep' | 'fileDigest' | 'timeAnchor'>;

const nodePorts = {
  sha256: sha256Node,
  sha256Stream: () => createHash('sha256'),
  sha512Stream: () => createHash('sha512'),
  // While the pool is behind, this thread checks signatures itself (verify-manifest.ts BALANCE).
  verifySync: nodeVerifySync,
  nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
};

export function verifyManifestNode(text: string, trust: TrustStore, options: NodeOptions = {}): Promise<VerifyReport> {
  return verifyManifest(text, trust, nodeVerify, { ...options, ...nodePorts });
}

// 32 KiB, about ten steps: the steps of one read are handed on together, and the fewer of them
// wait at once, the fewer outlive a young-generation collection and get promoted to the old one.
// Measured at 10,000 steps (28 MB, two passes): 8 KiB reads were ~7,000 read(2) calls, ~90 ms of
// this thread; 32 KiB has a quarter of them at the same peak RSS (78.6 / 79.1 MiB), while 64 KiB
// raised the peak to 91 MiB.
const FILE_CHUNK = 32 * 1024;

/**
 * A file read in FILE_CHUNK pieces through one reused buffer, from the start each time it is asked for.
 * The reads are synchronous on purpose: the thread pool is busy with step signatures while the
 * steps are read, and an asynchronous read would queue behind them (a read of a file the
 * page cache holds takes microseconds; queued behind a block of signatures, milliseconds).
 */
export function fileSource(path: string): ManifestSource {
  return {
    async *chunks() {
      const fd = openSync(path, 'r');
      try {
        const buffer = new Uint8Array(FILE_CHUNK);
        for (;;) {
          const bytesRead = readSync(fd, buffer, 0, FILE_CHUNK, null);
          if (bytesRead === 0) return;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

export function verifyManifestFile(path: string, trust: TrustStore, options: NodeOptions = {}): Promise<VerifiedManifest> {
  return verifyManifestSource(fileSource(path), trust, nodeVerify, { ...options, ...nodePorts });
}
