// One acceptance rule for Ed25519 signatures, applied before either back end (OpenSSL, WebCrypto or
// @noble/ed25519) so that the CLI and the browser always reach the same verdict (docs/design.md §5).
// RFC 8032 §5.1.7 requires S < L; OpenSSL and noble already enforce that. Where the libraries
// differ ("Taming the many EdDSAs", noble edge-cases.json), we take the strict side: a public key or
// a commitment R of small order (the 8 torsion points, including non-canonical encodings of them) is
// refused. Any message "verifies" under a small-order key, an honest signer never produces a
// small-order R (probability ~2^-250), and OpenSSL already refuses some of these cases.

const L = [
  // group order L = 2^252 + 27742317777372353535851937790883648493, little-endian
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

// Encodings of the 8 small-order points (canonical y, sign bit 0 and 1) plus the non-canonical
// y ≥ p spellings of y = 0 and y = 1 (RFC 8032 decoders may or may not reject these).
const SMALL_ORDER_HEX = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
];
// Compared as bytes (no hex string per check: the verifier runs this once per signature).
const SMALL_ORDER = SMALL_ORDER_HEX.map((h) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16)));

/** Whether the 32 bytes at `bytes[offset…]` spell one of the small-order encodings above. */
function isSmallOrder(bytes: Uint8Array, offset: number): boolean {
  next: for (let c = 0; c < SMALL_ORDER.length; c++) {
    const candidate = SMALL_ORDER[c]!;
    for (let i = 0; i < 32; i++) if (bytes[offset + i] !== candidate[i]) continue next;
    return true;
  }
  return false;
}

/** S (second half of the signature, little-endian) must be below L (RFC 8032 §5.1.7 step 1). */
function scalarIsCanonical(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = L[i]!;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false; // S == L
}

export function passesStrictRules(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (!scalarIsCanonical(signature)) return false;
  return !isSmallOrder(publicKey, 0) && !isSmallOrder(signature, 0);
}
