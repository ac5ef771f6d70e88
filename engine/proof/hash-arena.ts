// Where the browser verifier puts a block's SHA-256 inputs, 0x00 ‖ JCS(envelope) per step, until
// the block's batch of digests has settled (verify-manifest.ts settle/foldBlock): slices of a few
// buffers that are handed back afterwards and reused by the next block and the next verification.
// A fresh buffer pays a page fault per 4 KiB on first write (measured in Chromium: 1,000 fresh 3 KB
// buffers 17-40 ms, the same bytes into a used buffer well under 1 ms); a 1,000-step manifest
// hashes ~3 MB.

/** Bytes per buffer: a block of 128 steps of ~3 KB fits in one. */
const SIZE = 512 * 1024;
/** Buffers kept for reuse (two blocks are in flight at most, per verification). */
const KEPT = 4;
const kept: Uint8Array[] = [];

export class HashArena {
  private readonly buffers: Uint8Array[] = [];
  private at = 0;

  /** A copy of `bytes`, valid until release(). */
  copy(bytes: Uint8Array): Uint8Array {
    let current = this.buffers.at(-1);
    if (current === undefined || current.length - this.at < bytes.length) {
      const k = kept.findIndex((b) => b.length >= bytes.length);
      current = k >= 0 ? kept.splice(k, 1)[0]! : new Uint8Array(Math.max(SIZE, bytes.length));
      this.buffers.push(current);
      this.at = 0;
    }
    const out = current.subarray(this.at, this.at + bytes.length);
    out.set(bytes);
    this.at += bytes.length;
    return out;
  }

  /** Every copy made is no longer read: the buffers go back for reuse. */
  release(): void {
    // Most recently used first: its pages are the likeliest to be warm.
    for (const b of this.buffers.splice(0)) if (kept.length < KEPT && b.length <= SIZE) kept.unshift(b);
    this.at = 0;
  }
}
