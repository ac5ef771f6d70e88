// in-toto Statement v1 (in-toto/attestation spec/v1/statement.md, resource_descriptor.md) and the
// pcq step predicate (FORMATS.md "Step attestation"). Validation follows the reference Go
// implementation's rules and error names (go/v1/statement.go, resource_descriptor.go), so the
// vendored good/bad cases from its tests apply one for one.

import { fromBase64, fromUtf8 } from './bytes.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STEP_PREDICATE_TYPE = 'https://pcq.dev/attestation/step/v1';
export const REVIEW_PREDICATE_TYPE = 'https://pcq.dev/review/v1';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  [field: string]: unknown;
}

export interface Statement<P = unknown> {
  _type: string;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: P;
}

export interface StatementProblem {
  error: string; // the reference implementation's error name, e.g. ErrSubjectRequired
  message: string;
}

// Digest algorithms whose encoding the reference implementation checks (hex, fixed byte length).
const DIGEST_BYTES: Record<string, number[]> = {
  sha256: [32],
  sha224: [28],
  sha384: [48],
  sha512: [64],
  sha512_224: [28],
  sha512_256: [32],
  sha3_224: [28],
  sha3_256: [32],
  sha3_384: [48],
  sha3_512: [64],
  sha1: [20],
  md5: [16],
  gitCommit: [20, 32],
  gitTree: [20, 32],
  gitBlob: [20, 32],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateResourceDescriptor(rd: unknown): StatementProblem[] {
  if (!isRecord(rd)) return [{ error: 'ErrRDRequiredField', message: 'a resource descriptor must be an object' }];
  const digest = rd.digest;
  const hasDigest = isRecord(digest) && Object.keys(digest).length > 0;
  if (!rd.name && !rd.uri && !hasDigest) {
    return [{ error: 'ErrRDRequiredField', message: 'a resource descriptor needs a name, a uri or a digest' }];
  }
  const problems: StatementProblem[] = [];
  if (digest !== undefined && !isRecord(digest)) problems.push({ error: 'ErrInvalidDigestEncoding', message: 'digest must be a map of algorithm to value' });
  if (isRecord(digest)) {
    for (const [alg, value] of Object.entries(digest)) {
      if (typeof value !== 'string') {
        problems.push({ error: 'ErrInvalidDigestEncoding', message: `digest ${alg} must be a string` });
        continue;
      }
      const lengths = DIGEST_BYTES[alg];
      if (!lengths) continue; // custom algorithms are opaque to the spec
      if (!/^[0-9a-fA-F]*$/.test(value) || value.length % 2 !== 0) {
        problems.push({ error: 'ErrInvalidDigestEncoding', message: `digest ${alg} must be hex` });
      } else if (!lengths.includes(value.length / 2)) {
        problems.push({ error: 'ErrIncorrectDigestLength', message: `digest ${alg} has ${value.length / 2} bytes, expected ${lengths.join(' or ')}` });
      }
    }
  }
  return problems;
}

/** The Statement layer's rules; the predicate's own rules belong to its predicateType. */
export function validateStatement(value: unknown): StatementProblem[] {
  if (!isRecord(value)) return [{ error: 'ErrInvalidStatementType', message: 'a statement must be a JSON object' }];
  const problems: StatementProblem[] = [];
  // The reference implementation accepts the v1 type and, for compatibility, v0.1.
  if (value._type !== STATEMENT_TYPE && value._type !== 'https://in-toto.io/Statement/v0.1') {
    problems.push({ error: 'ErrInvalidStatementType', message: `_type must be ${STATEMENT_TYPE}` });
  }
  if (!Array.isArray(value.subject) || value.subject.length === 0) {
    problems.push({ error: 'ErrSubjectRequired', message: 'a statement needs at least one subject' });
  } else {
    for (const subject of value.subject) {
      const rdProblems = validateResourceDescriptor(subject);
      problems.push(...rdProblems);
      if (rdProblems.length === 0 && !(isRecord(subject) && isRecord(subject.digest) && Object.keys(subject.digest).length > 0)) {
        problems.push({ error: 'ErrDigestRequired', message: 'every subject of a statement needs a digest' });
      }
    }
  }
  if (typeof value.predicateType !== 'string' || value.predicateType === '') {
    problems.push({ error: 'ErrPredicateTypeRequired', message: 'predicateType is required' });
  }
  if (!isRecord(value.predicate)) problems.push({ error: 'ErrPredicateRequired', message: 'predicate is required' });
  return problems;
}

/**
 * The JSON object a DSSE envelope's payload carries (strict base64, UTF-8, JSON), or undefined for
 * anything else. Reading only: this checks no signature; verify-manifest.ts does.
 */
export function decodeEnvelopePayload(envelope: unknown): Record<string, unknown> | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const payload = (envelope as { payload?: unknown }).payload;
  if (typeof payload !== 'string') return undefined;
  const bytes = fromBase64(payload);
  const text = bytes && fromUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
