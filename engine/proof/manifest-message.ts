// The manifest signature's message, PAE(MANIFEST_PAYLOAD_TYPE, JCS(manifest without signature and
// reviews)) (FORMATS.md "Manifest"), written step by step as the verifier streams the manifest; the
// string of the whole is never built. Each step's JCS is written into a scratch buffer that is
// reused for the next step, so JCS(envelope) lies there as one span that is hashed in place (the
// attestation hash and the RFC 9162 leaf). The steps' bytes then go either
//   - into one buffer, verified at the end with the Ed25519 port, for a message up to BUFFER_LIMIT
//     (every manifest a run of ordinary size writes), or
//   - into an incremental SHA-512 (ed25519-stream.ts), for larger ones, which needs the body's
//     length first (the PAE header precedes it): the length a canonical-layout manifest implies
//     (manifest-scan.ts). When the bytes written turn out longer or shorter, `replayLength` says
//     so and the caller writes the steps again under the right header.
// A step whose envelope was read (readEnvelope: exactly payloadType, payload and signatures,
// payload canonical base64, per the schema shape) is written member by member in RFC 8785 order.
// Any piece without a canonical form makes the signature fail, as canonicalize() throwing on the
// whole manifest did.
import { fromBase64 } from './bytes.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import type { Ed25519Verify } from '../base/signer.ts';
import { streamingEd25519Verify, type StreamingVerify } from './ed25519-stream.ts';
import type { Sha256 } from './hash.ts';
import { CanonicalJson, canonicalize } from './jcs.ts';
import { MANIFEST_PAYLOAD_TYPE, signedPart } from './manifest.ts';
import type { HashStream } from './manifest-scan.ts';
import { paeHeader } from './pae.ts';

type Raw = Record<string, unknown>;

/** Messages up to this many bytes are held and verified whole (the Ed25519 port, node:crypto in Node). */
export const BUFFER_LIMIT = 4 * 1024 * 1024;

// A raw NUL never occurs in JCS output (JSON.stringify escapes U+0000), so it can mark where the
// steps go in the canonical text of the rest of the manifest.
const STEPS_MARK = '\u0000';
// Room before the body for the PAE header ("DSSEv1 34 application/vnd.pcq.manifest+json <n> ").
const HEADER_ROOM = 64;
const encoder = new TextEncoder();

// The held message's buffer, kept for the next verification: a fresh 3 MB buffer costs its page
// faults when first written (measured in Chromium: 13–36 ms to fill a new 3 MB buffer, 0.2 ms a
// used one), more than writing the message itself. One buffer (at most BUFFER_LIMIT and change),
// taken by one verification at a time and given back once its signature check has settled.
let spareHeld: Uint8Array | undefined;

function takeHeld(size: number): Uint8Array {
  const spare = spareHeld;
  if (spare !== undefined && spare.length >= size) {
    spareHeld = undefined;
    return spare;
  }
  return new Uint8Array(size);
}

function giveBackHeld(buffer: Uint8Array): void {
  if (buffer.length <= HEADER_ROOM + BUFFER_LIMIT + 1024 && (spareHeld === undefined || spareHeld.length < buffer.length)) spareHeld = buffer;
}

/** The step fields a message is written from (the schema shape has pinned them). */
export interface MessageStep {
  stepId: string;
  attestation: DsseEnvelope;
  proofs: unknown;
  attestationHash: string;
  inclusionProof: { leafIndex: number; treeSize: number; hashes: string[] };
}

/** Where JCS(envelope) lies in `bytes` (valid until the next step is written). */
export interface EnvelopeSpan {
  bytes: Uint8Array;
  start: number;
  end: number;
}

export class ManifestMessage {
  private broken = false;
  private before = '';
  private after = '';
  private steps = 0;
  private written = 0; // body bytes so far
  private scratch = new Uint8Array(64 * 1024);
  private at = 0;
  // Buffered mode:
  private held: Uint8Array | undefined;
  private heldAt = HEADER_ROOM;
  // Streaming mode:
  private stream: StreamingVerify | undefined;
  private readonly signature: Uint8Array | undefined;
  private readonly publicKey: Uint8Array;

  /**
   * `length`: the length of JCS(steps) ("[" … "]") or of the whole body, when known in advance:
   * streaming mode when the body exceeds BUFFER_LIMIT; otherwise buffered mode.
   */
  constructor(manifest: Raw, length: { steps?: number; body?: number }, publicKey: Uint8Array, sha512: () => HashStream) {
    this.publicKey = publicKey;
    this.signature = typeof manifest.signature === 'string' ? fromBase64(manifest.signature.slice('base64:'.length)) : undefined;
    let rest: string;
    try {
      rest = canonicalize({ ...signedPart(manifest), steps: new CanonicalJson(STEPS_MARK) });
    } catch {
      this.broken = true;
      return;
    }
    const mark = rest.indexOf(STEPS_MARK);
    this.before = rest.slice(0, mark) + '[';
    this.after = ']' + rest.slice(mark + STEPS_MARK.length);
    const bodyLength =
      length.body ?? (length.steps === undefined ? undefined : encoder.encode(this.before).length + length.steps - 2 + encoder.encode(this.after).length);
    if (bodyLength !== undefined && bodyLength > BUFFER_LIMIT && this.signature) {
      this.stream = streamingEd25519Verify(publicKey, this.signature, sha512());
      this.stream.update(paeHeader(MANIFEST_PAYLOAD_TYPE, bodyLength));
      this.expected = bodyLength;
    } else this.held = takeHeld(HEADER_ROOM + Math.min(bodyLength ?? 0, BUFFER_LIMIT) + 1024);
    this.write(this.before);
    this.commit();
  }

  private expected = -1;
  /** Set by finish() when a streamed body was not the announced length: write the steps again with this one. */
  replayLength: number | undefined;

  private write(text: string): void {
    if (this.scratch.length - this.at < text.length * 3) {
      const grown = new Uint8Array(Math.max(this.scratch.length * 2, this.at + text.length * 3));
      grown.set(this.scratch.subarray(0, this.at), 0);
      this.scratch = grown;
    }
    this.at += encoder.encodeInto(text, this.scratch.subarray(this.at)).written;
  }

  /** Hands the scratch bytes to the sink and starts the scratch over. */
  private commit(): void {
    const piece = this.scratch.subarray(0, this.at);
    this.written += piece.length;
    if (this.stream) this.stream.update(piece);
    else if (this.held) {
      if (this.held.length - this.heldAt < piece.length) {
        const grown = new Uint8Array(Math.max(this.held.length * 2, this.heldAt + piece.length + 1024));
        grown.set(this.held.subarray(0, this.heldAt), 0);
        this.held = grown;
      }
      this.held.set(piece, this.heldAt);
      this.heldAt += piece.length;
    }
    this.at = 0;
  }

  private separator(): void {
    if (this.steps++ > 0) this.write(',');
  }

  /** Any step: its JCS as canonicalize() gives it. */
  addStep(step: unknown): void {
    if (this.broken) return;
    try {
      const jcs = canonicalize(step);
      this.separator();
      this.write(jcs);
      this.commit();
    } catch {
      this.broken = true;
    }
  }

  /**
   * A step whose envelope readEnvelope accepted: writes JCS(step) and returns where JCS(envelope)
   * is, or undefined when the envelope has no canonical form. The members are written in RFC 8785
   * order (attestation < attestationHash < inclusionProof < proofs < stepId; payload < payloadType
   * < signatures), the schema shape having pinned them to exactly these; the payload, canonical
   * base64, needs no escaping.
   */
  addReadStep(step: MessageStep, envelope: DsseEnvelope): EnvelopeSpan | undefined {
    let envelopeTail: string;
    try {
      envelopeTail = '","payloadType":' + canonicalize(envelope.payloadType) + ',"signatures":' + canonicalize(envelope.signatures) + '}';
    } catch {
      this.broken = true; // canonicalize(step) would throw as well
      return undefined;
    }
    let stepTail: string | undefined;
    try {
      // attestationHash (sha256:<hex>) and the audit path (64 hex each) are pinned by the schema
      // shape to characters JSON never escapes, leafIndex and treeSize to integers.
      const ip = step.inclusionProof;
      stepTail =
        ',"attestationHash":"' +
        step.attestationHash +
        '","inclusionProof":{"hashes":' +
        (ip.hashes.length === 0 ? '[]' : '["' + ip.hashes.join('","') + '"]') +
        ',"leafIndex":' +
        String(ip.leafIndex) +
        ',"treeSize":' +
        String(ip.treeSize) +
        '},"proofs":' +
        canonicalize(step.proofs) +
        ',"stepId":' +
        canonicalize(step.stepId) +
        '}';
    } catch {
      this.broken = true; // the message fails; the envelope is still hashed below
    }
    this.separator();
    this.write('{"attestation":');
    const start = this.at;
    this.write('{"payload":"');
    this.write(envelope.payload);
    this.write(envelopeTail);
    const end = this.at;
    if (stepTail !== undefined) this.write(stepTail);
    const bytes = this.scratch;
    if (!this.broken) this.commit();
    else this.at = 0;
    return { bytes, start, end };
  }

  /** The verdict of the manifest signature; never rejects. */
  finish(verify: Ed25519Verify): Promise<boolean> {
    if (!this.signature || this.broken) return Promise.resolve(false);
    this.write(this.after);
    this.commit();
    if (this.stream) {
      if (this.written !== this.expected) this.replayLength = this.written;
      return Promise.resolve(this.written === this.expected && this.stream.verify());
    }
    const held = this.held!;
    const header = paeHeader(MANIFEST_PAYLOAD_TYPE, this.heldAt - HEADER_ROOM);
    held.set(header, HEADER_ROOM - header.length);
    const out = held.subarray(HEADER_ROOM - header.length, this.heldAt);
    this.held = undefined;
    return verify(this.publicKey, out, this.signature)
      .catch(() => false)
      .then((ok) => {
        giveBackHeld(held); // no one reads the message once its verdict is in
        return ok;
      });
  }
}

/**
 * RFC 9162 leaf hash SHA-256(0x00 ‖ JCS(envelope)) of a span, hashed in place: the byte before the
 * span (the ':' of "attestation":) holds the 0x00 prefix for the one call.
 */
export function leafHashAt(span: EnvelopeSpan, sha256: Sha256): Uint8Array {
  const saved = span.bytes[span.start - 1]!;
  span.bytes[span.start - 1] = 0;
  try {
    return sha256(span.bytes.subarray(span.start - 1, span.end));
  } finally {
    span.bytes[span.start - 1] = saved;
  }
}
