// Ed25519 verification of a message that is never held whole (RFC 8032 §5.1.7): the manifest
// signature of a large manifest is over PAE(JCS(manifest)), tens or hundreds of MB, which the
// verifier writes piece by piece. Pure Ed25519 hashes the message once, in k = SHA-512(R ‖ A ‖ M),
// so the pieces go into an incremental SHA-512 and the group equation is checked at the end with
// @noble/ed25519's public Point API: encode([S]B − [k]A) = R, cofactorless, as OpenSSL checks it,
// after the same strict rules every other verification path applies (ed25519-rules.ts: S < L, no
// small-order A or R). proof/ed25519-stream.test.ts holds it to node:crypto's verdicts.
import { Point } from '@noble/ed25519';
import { passesStrictRules } from './ed25519-rules.ts';
import type { HashStream } from './manifest-scan.ts';

// The group order L (RFC 8032 §5.1).
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

// 2B: [s]B as [s >> 1](2B) (+ B when s is odd). The same point as Point.BASE.multiplyUnsafe(s), but
// multiplying B itself makes the library build its base-point table first (4,224 point additions,
// tens of ms of BigInt arithmetic), which one verification per manifest never pays back.
let twoB: InstanceType<typeof Point> | undefined;
function baseTimes(s: bigint): InstanceType<typeof Point> {
  twoB ??= Point.BASE.double();
  const half = twoB.multiplyUnsafe(s >> 1n);
  return (s & 1n) === 1n ? half.add(Point.BASE) : half;
}

export interface StreamingVerify {
  update(piece: Uint8Array): void;
  /** The verdict; never throws. */
  verify(): boolean;
}

/** Starts verifying `signature` by `publicKey` over a message given in pieces (`sha512` a fresh incremental SHA-512). */
export function streamingEd25519Verify(publicKey: Uint8Array, signature: Uint8Array, sha512: HashStream): StreamingVerify {
  const ok = passesStrictRules(publicKey, signature);
  if (ok) {
    sha512.update(signature.subarray(0, 32));
    sha512.update(publicKey);
  }
  return {
    update(piece) {
      if (ok) sha512.update(piece);
    },
    verify() {
      if (!ok) return false;
      try {
        const k = littleEndian(sha512.digest()) % L;
        const s = littleEndian(signature.subarray(32));
        if (s >= L) return false;
        const a = Point.fromBytes(publicKey, false);
        const r = baseTimes(s).subtract(a.multiplyUnsafe(k)).toBytes();
        for (let i = 0; i < 32; i++) if (r[i] !== signature[i]) return false;
        return true;
      } catch {
        return false; // A is not a point
      }
    },
  };
}
