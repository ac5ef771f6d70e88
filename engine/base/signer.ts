// The signing and verification ports. Signing happens in Node (ed25519-node.ts) with a cached key;
// verification has a Node and a browser implementation that must agree on every vector.

/** Signs with one Ed25519 key; `keyid` is the key's G… strkey (FORMATS.md: DSSE keyid). */
export interface Signer {
  keyid: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Ed25519 verification (RFC 8032 §5.1.7). Resolves false for any malformed key or signature; never rejects. */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/** Ed25519Verify's verdict computed on the calling thread (Node: node:crypto's synchronous verify); never throws. */
export type Ed25519VerifySync = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** One signature to check in a batch: the signed bytes (e.g. a DSSE PAE) and the 64-byte signature. */
export interface SignatureItem {
  message: Uint8Array;
  signature: Uint8Array;
}

/** A batch in progress. */
export interface SignatureBatch {
  /** One verdict per item, in item order, as Ed25519Verify would give it; never rejects. */
  results: Promise<boolean[]>;
  /**
   * The caller's thread has nothing else to do until the results: it may check the items no other
   * thread has taken yet (synchronously). Optional to call; the results settle either way.
   */
  help(): void;
}

/**
 * Many signatures by one key, started at once. The Node port runs them on a worker thread that the
 * calling thread joins (help) once its own work is done, so a verifier's structural checks and its
 * signature checks share the cores without queueing behind each other.
 */
export type Ed25519VerifyBatch = (publicKey: Uint8Array, items: readonly SignatureItem[]) => SignatureBatch;
