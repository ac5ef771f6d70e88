// `pcq verify` on a manifest in its execution folder also checks the standard predicates written
// beside it (standard-predicates.ts): verdict.vsa.json and reviews.human-review.jsonl must each be a
// DSSE envelope signed by the verdict key (verdict.pub, trusted as runner or verdict at executedAt)
// whose statement is exactly the one pcq derives from score.json and the manifest, and the score
// must name this manifest's bytes. Failures are PCQ_STANDARD_PREDICATE_INVALID. A folder without a
// VSA (sealed before pcq wrote one) reports that and passes: the VSA restates, it never proves more.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Ed25519Verify } from '../base/signer.ts';
import type { VerifyCheck } from '../proof/verify-manifest.ts';
import { readEnvelope, verifyEnvelopeSignature } from '../proof/dsse.ts';
import { fromUtf8 } from '../proof/bytes.ts';
import { canonicalize } from '../proof/jcs.ts';
import { IN_TOTO_PAYLOAD_TYPE } from '../proof/statement.ts';
import { keyStatusAt, type TrustStore } from '../proof/trust.ts';
import { parseScore, type Score } from './score.ts';
import { parseVerdictPub } from './verdict-signature.ts';
import { HUMAN_REVIEW_FILE, VSA_FILE, humanReviewStatements, vsaStatement } from './standard-predicates.ts';

const CODE = 'PCQ_STANDARD_PREDICATE_INVALID' as const;

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** Why one envelope is not the expected statement signed by the key, or undefined when it is. */
async function envelopeProblem(
  value: unknown,
  expected: unknown,
  key: { keyid: string; publicKey: Uint8Array },
  verify: Ed25519Verify,
): Promise<string | undefined> {
  const env = readEnvelope(value);
  if (!env.ok) return `the envelope ${env.problem}`;
  if (env.envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return `payloadType is ${env.envelope.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`;
  if (env.envelope.signatures.length !== 1 || env.envelope.signatures[0]!.keyid !== key.keyid) return `it is not signed by the verdict key ${key.keyid} alone`;
  if (!(await verifyEnvelopeSignature(env.envelope, env.payload, 0, key.publicKey, verify, { signed: env.signed }))) return 'its signature does not verify';
  if (fromUtf8(env.payload) !== canonicalize(expected)) return 'its statement is not the one the score and the manifest give';
  return undefined;
}

export async function standardPredicateChecks(input: {
  manifestPath: string;
  /** The parsed manifest (its steps are not read) and sha256:<hex> of the file's bytes. */
  manifest: unknown;
  manifestDigest: string;
  trust: TrustStore;
  verify: Ed25519Verify;
}): Promise<VerifyCheck[]> {
  const dir = dirname(input.manifestPath);
  const vsaText = await readText(join(dir, VSA_FILE));
  if (vsaText === undefined)
    return [{ code: CODE, check: 'slsa-vsa', ok: true, message: `no ${VSA_FILE} beside the manifest (a folder sealed before pcq wrote one)` }];
  const fail = (check: string, message: string): VerifyCheck[] => [{ code: CODE, check, ok: false, message }];
  let score: Score;
  let manifest: Parameters<typeof vsaStatement>[1];
  try {
    score = parseScore((await readText(join(dir, 'score.json'))) ?? '');
    if (typeof input.manifest !== 'object' || input.manifest === null) throw new Error('the manifest is not JSON');
    manifest = input.manifest as typeof manifest;
  } catch (err) {
    return fail('slsa-vsa', `score.json or the manifest is unreadable: ${(err as Error).message}`);
  }
  const pub = parseVerdictPub((await readText(join(dir, 'verdict.pub'))) ?? '');
  if ('problem' in pub) return fail('slsa-vsa', pub.problem);
  const runner = keyStatusAt(input.trust, pub.keyid, score.executedAt, 'runner');
  const status = runner.ok ? runner : keyStatusAt(input.trust, pub.keyid, score.executedAt, 'verdict');
  if (!status.ok) return fail('slsa-vsa', `the verdict key ${pub.keyid} is not trusted: ${status.code}`);
  if (input.manifestDigest !== score.manifestDigest) return fail('slsa-vsa', 'score.json names other manifest bytes than this manifest');
  const checks: VerifyCheck[] = [];
  let vsa: unknown;
  try {
    vsa = JSON.parse(vsaText);
  } catch {
    return fail('slsa-vsa', `${VSA_FILE} is not JSON`);
  }
  const vsaProblem = await envelopeProblem(vsa, vsaStatement(score, manifest), pub, input.verify);
  checks.push({
    code: CODE,
    check: 'slsa-vsa',
    ok: vsaProblem === undefined,
    message:
      vsaProblem ??
      `${VSA_FILE}: SLSA VSA ${score.verdict === 'pass' || score.verdict === 'approved' ? 'PASSED' : 'FAILED'} (${score.verdict}), signed by ${pub.keyid}`,
  });
  const expected = humanReviewStatements(manifest);
  const hrText = await readText(join(dir, HUMAN_REVIEW_FILE));
  if (expected.length === 0 && hrText === undefined) return checks;
  const lines = (hrText ?? '').split('\n').filter((l) => l.trim() !== '');
  let problem: string | undefined =
    lines.length === expected.length ? undefined : `${lines.length} human-review envelope(s) for ${expected.length} decision(s)`;
  for (let i = 0; problem === undefined && i < lines.length; i++) {
    try {
      const p = await envelopeProblem(JSON.parse(lines[i]!) as unknown, expected[i], pub, input.verify);
      if (p !== undefined) problem = `decision ${i}: ${p}`;
    } catch {
      problem = `line ${i + 1} is not JSON`;
    }
  }
  checks.push({
    code: CODE,
    check: 'human-review',
    ok: problem === undefined,
    message: problem ?? `${HUMAN_REVIEW_FILE}: ${expected.length} decision(s) as in-toto human reviews`,
  });
  return checks;
}
