// The `.pcq` manifest (FORMATS.md "Manifest"): its type, its one canonical file layout and the
// reader that refuses any other layout. The file bytes are
//   JSON.stringify(sortKeysDeep(m), null, 2) + "\n"
// so a manifest has exactly one spelling, and any single-byte change is caught before any
// signature is looked at (PCQ_MANIFEST_NOT_CANONICAL).
import { PcqError } from '../runtime/errors.ts';
import type { DsseEnvelope } from './dsse.ts';

export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.pcq.manifest+json';

export interface ManifestInclusionProof {
  leafIndex: number;
  treeSize: number;
  hashes: string[]; // lowercase hex, RFC 9162 audit path
}

export interface ManifestStep {
  stepId: string;
  attestation: DsseEnvelope;
  proofs: { preconditions: unknown[]; postconditions: unknown[] };
  attestationHash: string;
  inclusionProof: ManifestInclusionProof;
}

export interface Manifest {
  manifestId: string;
  executionId: string;
  runbookId: string;
  version: string;
  runbookDigest: string;
  executedAt: string;
  executedBy: string;
  actor: string;
  inputs: Record<string, unknown>;
  steps: ManifestStep[];
  merkleRoot: string;
  signature: string; // "base64:<sig>"
  reviews: DsseEnvelope[];
}

/** Copies a JSON value with every object's keys sorted (UTF-16 order, as RFC 8785). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeysDeep((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function serializeManifest(manifest: Manifest | unknown): string {
  return JSON.stringify(sortKeysDeep(manifest), null, 2) + '\n';
}

/** The manifest without `signature` and `reviews`: what the manifest signature covers. */
export function signedPart(manifest: Record<string, unknown>): Record<string, unknown> {
  const { signature: _signature, reviews: _reviews, ...rest } = manifest;
  return rest;
}

/**
 * Parses manifest text and checks it is in canonical layout. Returns the parsed (still untrusted)
 * value; its shape is checked by the schema checker, its proofs by verifyManifest.
 */
export function parseManifestText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_MANIFEST_MALFORMED',
      message: `The manifest is not JSON: ${(err as Error).message}`,
      hint: 'A .pcq file is JSON written by `pcq run`; re-download it or re-run the runbook.',
    });
  }
  if (serializeManifest(value) !== text) {
    throw new PcqError({
      code: 'PCQ_MANIFEST_NOT_CANONICAL',
      message: 'The manifest bytes are not in canonical layout (sorted keys, 2-space indent, one final newline)',
      hint: 'The file was edited or re-formatted after sealing; use the file exactly as `pcq run` wrote it.',
    });
  }
  return value;
}
