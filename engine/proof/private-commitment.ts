// Commitments to private step data (engine/FORMATS.md "Private steps"). A private step's signed
// predicate carries, in place of its inputs and outputs, `{digest, size, private: true}` where
//   digest = sha256(JCS({field, salt, value}))   field: "inputs" | "outputs" | "recordings"
//   size   = UTF-8 length of JCS(value)
// (null stays null: it hides nothing), and each recording key is replaced by sha256(JCS({field: "recordings", salt, value: key})).
// The salt is what keeps a low-entropy value (one e-mail address, a count) from being guessed by
// hashing candidates: it is 32 bytes only the runner can compute — SHA-256 of the runner's
// Ed25519 signature (RFC 8032: deterministic) over PAE(PRIVATE_SALT_PAYLOAD_TYPE, JCS(context)) —
// so it is secret, yet a replay with the same key reproduces it and the Merkle root with it.
// The salt is stored beside the private values (private/steps/<stepId>.json) and sealed with them,
// so whoever holds the data can recompute every commitment (`checkOpening`). Browser-safe, pure.
import { utf8 } from './bytes.ts';
import { formatDigest, isDigest } from './digest.ts';
import { toHex } from './bytes.ts';
import type { Sha256 } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { pae } from './pae.ts';
import type { Signer } from '../base/signer.ts';

/** The DSSE payload type of the salt derivation: never a type any verifier accepts as a statement. */
export const PRIVATE_SALT_PAYLOAD_TYPE = 'application/vnd.pcq.private-salt+json';

export type PrivateField = 'inputs' | 'outputs' | 'recordings';

export interface PrivateCommitment {
  digest: string;
  size: number;
  private: true;
}

/** What a step's salt is derived from: the signed run identity and the step (never wall time). */
export interface SaltContext {
  runbookDigest: string;
  asOf: string;
  params: unknown;
  stepId: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export async function deriveSalt(signer: Signer, context: SaltContext, sha256: Sha256): Promise<string> {
  const message = pae(PRIVATE_SALT_PAYLOAD_TYPE, utf8(canonicalize({ purpose: 'pcq private-step salt v1', ...context })));
  return toHex(sha256(await signer.sign(message)));
}

function utf8Length(text: string): number {
  return utf8(text).byteLength;
}

export function commitmentDigest(field: PrivateField, salt: string, value: unknown, sha256: Sha256): string {
  return formatDigest(sha256(canonicalize({ field, salt, value: value ?? null })));
}

export function commitPrivate(field: 'inputs' | 'outputs', salt: string, value: unknown, sha256: Sha256): PrivateCommitment {
  return { digest: commitmentDigest(field, salt, value, sha256), size: utf8Length(canonicalize(value ?? null)), private: true };
}

export function isPrivateCommitment(value: unknown): value is PrivateCommitment {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return Object.keys(v).length === 3 && v.private === true && isDigest(v.digest) && Number.isSafeInteger(v.size) && (v.size as number) >= 0;
}

/** The private values of one step and the salt that opens its commitments. */
export interface PrivateOpening {
  stepId: string;
  salt: string;
  inputs: unknown;
  outputs: unknown;
  /** The recording keys (sha256:…) whose salted digests the predicate lists. */
  recordings: string[];
}

/** Problems found when checking an opening against a signed predicate; empty when it matches. */
export function checkOpening(predicate: Record<string, unknown>, opening: PrivateOpening, sha256: Sha256): string[] {
  const problems: string[] = [];
  if (!HEX64.test(opening.salt)) return [`${opening.stepId}: the salt is not 64 hex digits`];
  for (const field of ['inputs', 'outputs'] as const) {
    const signed = predicate[field];
    if (signed === null && opening[field] === null) continue; // nothing to hide (attest.ts)
    if (!isPrivateCommitment(signed)) {
      problems.push(`${opening.stepId}: the signed ${field} are not a private commitment`);
      continue;
    }
    const mine = commitPrivate(field, opening.salt, opening[field], sha256);
    if (mine.digest !== signed.digest || mine.size !== signed.size)
      problems.push(`${opening.stepId}: the ${field} do not match the signed commitment ${signed.digest}`);
  }
  const signedRecordings = Array.isArray(predicate.recordings) ? predicate.recordings : [];
  const mine = opening.recordings.map((key) => commitmentDigest('recordings', opening.salt, key, sha256));
  if (canonicalize(mine) !== canonicalize(signedRecordings)) problems.push(`${opening.stepId}: the recording keys do not match the signed digests`);
  return problems;
}
