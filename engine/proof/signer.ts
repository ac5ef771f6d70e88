// The signing and verification ports. Signing happens in Node (ed25519-node.ts) with a cached key;
// verification has a Node and a browser implementation that must agree on every vector.

/** Signs with one Ed25519 key; `keyid` is the key's G… strkey (FORMATS.md: DSSE keyid). */
export interface Signer {
  keyid: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Ed25519 verification (RFC 8032 §5.1.7). Resolves false for any malformed key or signature; never rejects. */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;
