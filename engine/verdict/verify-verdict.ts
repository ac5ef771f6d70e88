// Offline verification of a verdict: score.json + evidence.tar.gz + verdict.sig + verdict.pub
// (seed 002 "Offline verdict verification"). Pure apart from zlib; never throws: every failure is a
// coded check, and every check runs that can, so a report names all that is wrong.
//   PCQ_VERDICT_MALFORMED         a file cannot be read as what it claims to be
//   PCQ_VERDICT_SIGNATURE_INVALID verdict.sig is not the key's DSSE signature of JCS(score)
//   PCQ_VERDICT_KEY_UNTRUSTED     the key is not a trusted runner/verdict key at executedAt
//   PCQ_EVIDENCE_MISMATCH         the evidence is not the bundle the score names, or its files
//                                 are not the ones the manifest attests
//   PCQ_MANIFEST_DIGEST_MISMATCH  the manifest in the evidence is not the one the score names
//   PCQ_VERDICT_INCONSISTENT      the score says something the manifest does not (e.g. pass with a
//                                 failed proof), or run.json disagrees
// plus verifyManifest's own codes for the manifest inside the evidence.
import { canonicalize } from '../proof/jcs.ts';
import { digestOf } from '../proof/digest.ts';
import { fromUtf8 } from '../proof/bytes.ts';
import { decodeEnvelopePayload as decodePayload } from '../proof/statement.ts';
import type { Sha256 } from '../proof/hash.ts';
import type { Ed25519Verify } from '../base/signer.ts';
import { keyStatusAt, type TrustStore, type TrustedKey } from '../proof/trust.ts';
import { verifyManifest, type VerifyCheck, type VerifyReport } from '../proof/verify-manifest.ts';
import { readEvidence, type EvidenceLimits } from './evidence-reader.ts';
import { manifestFacts, type ManifestFacts } from './manifest-facts.ts';
import { parseScore, type Score } from './score.ts';
import { isPublicPath } from '../store/public-path.ts';
import { checkVerdictSignature, parseVerdictPub } from './verdict-signature.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

export interface VerdictInput {
  scoreText: string;
  evidence: Uint8Array;
  sigText: string;
  pubText: string;
  /** The trust store, or 'skip' when only the four files are at hand (integrity, not trust). */
  trust: TrustStore | 'skip';
  /** The ombuds roster logins the manifest's reviews are checked against (verifyManifest). */
  roster?: readonly string[];
  verify: Ed25519Verify;
  sha256: Sha256;
  limits?: EvidenceLimits;
}

export async function verifyVerdict(input: VerdictInput): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  try {
    await run(input, checks);
  } catch (err) {
    checks.push({
      code: 'PCQ_VERDICT_MALFORMED',
      check: 'verdict',
      ok: false,
      message: `verification stopped on unreadable input: ${(err as Error)?.message ?? String(err)}`,
    });
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks };
}

async function run(input: VerdictInput, checks: VerifyCheck[]): Promise<void> {
  const add = (ok: boolean, code: PcqCode, check: string, message: string) => void checks.push({ code, check, ok, message });
  const pub = parseVerdictPub(input.pubText);
  if ('problem' in pub) add(false, 'PCQ_VERDICT_MALFORMED', 'verdict-key', pub.problem);
  let score: Score | undefined;
  try {
    score = parseScore(input.scoreText);
    add(true, 'PCQ_VERDICT_MALFORMED', 'score', 'score.json is a well-formed, canonical score');
  } catch (err) {
    add(false, 'PCQ_VERDICT_MALFORMED', 'score', (err as Error).message);
  }
  if (!score) return;

  if (!('problem' in pub)) {
    const signed = await checkVerdictSignature(score, input.sigText, pub.publicKey, input.verify);
    add(
      signed,
      'PCQ_VERDICT_SIGNATURE_INVALID',
      'verdict-signature',
      signed ? `verdict.sig is ${pub.keyid}'s signature of the score` : `verdict.sig is not a valid signature of this score by ${pub.keyid}`,
    );
    if (input.trust === 'skip') {
      add(true, 'PCQ_VERDICT_KEY_UNTRUSTED', 'verdict-key', 'trust not checked (--no-trust-check): integrity only');
    } else {
      const runner = keyStatusAt(input.trust, pub.keyid, score.executedAt, 'runner');
      const status = runner.ok ? runner : keyStatusAt(input.trust, pub.keyid, score.executedAt, 'verdict');
      add(
        status.ok,
        'PCQ_VERDICT_KEY_UNTRUSTED',
        'verdict-key',
        status.ok ? `${pub.keyid} (${status.key.name}) is trusted to sign verdicts at ${score.executedAt}` : `${status.code}: ${status.message}`,
      );
    }
  }

  const evidenceDigest = digestOf(input.evidence, input.sha256);
  add(
    evidenceDigest === score.evidence.digest,
    'PCQ_EVIDENCE_MISMATCH',
    'evidence-digest',
    evidenceDigest === score.evidence.digest
      ? `the evidence has the digest the score names (${evidenceDigest})`
      : `the evidence digest is ${evidenceDigest}, the score names ${score.evidence.digest}`,
  );
  let files: Map<string, Uint8Array>;
  try {
    files = await readEvidence(input.evidence, input.limits);
  } catch (err) {
    return add(false, 'PCQ_VERDICT_MALFORMED', 'evidence', (err as Error).message);
  }
  const manifestBytes = files.get('manifest.pcq');
  if (!manifestBytes) return add(false, 'PCQ_EVIDENCE_MISMATCH', 'evidence', 'the evidence holds no manifest.pcq');
  const manifestDigest = digestOf(manifestBytes, input.sha256);
  add(
    manifestDigest === score.manifestDigest,
    'PCQ_MANIFEST_DIGEST_MISMATCH',
    'manifest-digest',
    manifestDigest === score.manifestDigest
      ? 'the manifest in the evidence is the one the score names'
      : `the manifest in the evidence has digest ${manifestDigest}, the score names ${score.manifestDigest}`,
  );

  const text = fromUtf8(manifestBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    return add(false, 'PCQ_VERDICT_MALFORMED', 'manifest', 'the manifest in the evidence is not JSON');
  }
  const self = input.trust === 'skip' ? selfTrust(parsed) : undefined;
  const trust = self ? self.trust : (input.trust as TrustStore);
  const roster = self ? self.roster : input.roster;
  const report = await verifyManifest(text!, trust, input.verify, { sha256: input.sha256, ...(roster !== undefined ? { roster } : {}) });
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length === 0) add(true, 'PCQ_VERDICT_INCONSISTENT', 'manifest', `the manifest verifies (${report.checks.length} checks)`);
  for (const c of failed.slice(0, 50)) checks.push({ ...c, check: `manifest:${c.check}` });

  const facts = manifestFacts(parsed);
  if ('problem' in facts) return add(false, 'PCQ_VERDICT_INCONSISTENT', 'consistency', facts.problem);
  const disagreements = compare(score, facts);
  add(
    disagreements.length === 0,
    'PCQ_VERDICT_INCONSISTENT',
    'consistency',
    disagreements.length === 0
      ? `the score agrees with the manifest: verdict ${score.verdict}, ${score.provers.length} prover result(s), ${score.decisions.length} decision(s)`
      : disagreements.join('; '),
  );
  const runJson = runRecordProblem(files.get('run.json'), score);
  add(runJson === undefined, 'PCQ_VERDICT_INCONSISTENT', 'run-record', runJson ?? 'run.json agrees with the score');
  const contents = evidenceProblems(files, facts, score, input.sha256);
  add(
    contents.length === 0,
    'PCQ_EVIDENCE_MISMATCH',
    'evidence-contents',
    contents.length === 0 ? `${files.size} evidence file(s) match the manifest's attestations` : contents.slice(0, 20).join('; '),
  );
}

/** Integrity-only mode: trust exactly the keys the manifest names, so signatures still get checked. */
/** Integrity only (--no-trust-check): every key the manifest names is taken as what it claims to
 *  be (a reviewer key as bound to the reviewer it names, each reviewer as on the roster); the rules
 *  that need no trust (actor, bot, dates, sequence) still hold. */
function selfTrust(manifest: unknown): { trust: TrustStore; roster: string[] } {
  const keys: TrustedKey[] = [];
  const roster: string[] = [];
  const m = (manifest ?? {}) as { executedBy?: unknown; reviews?: unknown };
  const key = (publicKey: unknown, role: 'runner' | 'reviewer', login?: string): void => {
    if (typeof publicKey === 'string')
      keys.push({
        name: `self-${role}`,
        publicKey,
        roles: [role],
        status: 'active',
        validFrom: null,
        validUntil: null,
        ...(login !== undefined ? { login } : {}),
      });
  };
  key(m.executedBy, 'runner');
  for (const r of Array.isArray(m.reviews) ? m.reviews : []) {
    const p = decodePayload(r)?.predicate as { reviewer?: unknown; kind?: unknown } | undefined;
    const reviewer = typeof p?.reviewer === 'string' ? p.reviewer : undefined;
    if (reviewer !== undefined) roster.push(reviewer);
    const keyid = (r as { signatures?: Array<{ keyid?: unknown }> })?.signatures?.[0]?.keyid;
    if (p?.kind === 'runner-attested-github') key(keyid, 'runner');
    else key(keyid, 'reviewer', reviewer);
  }
  return { trust: { keys }, roster };
}

function compare(score: Score, facts: ManifestFacts): string[] {
  const out: string[] = [];
  for (const k of ['executionId', 'runbookId', 'version', 'executedAt', 'executedBy', 'actor', 'merkleRoot'] as const) {
    if (score[k] !== facts[k]) out.push(`score ${k} "${score[k]}" but the manifest says "${facts[k]}"`);
  }
  if (score.verdict !== facts.verdict) {
    const failed = facts.provers.filter((p) => p.result === 'fail').map((p) => `${p.phase} ${p.prover} on ${p.stepId}`);
    out.push(`score verdict "${score.verdict}" but the manifest leads to "${facts.verdict}"${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`);
  }
  if (canonicalize(score.provers) !== canonicalize(facts.provers)) out.push("the score's prover results differ from the manifest's proofs");
  if (canonicalize(score.decisions) !== canonicalize(facts.decisions)) out.push("the score's decisions differ from the manifest's review attestations");
  return out;
}

function runRecordProblem(bytes: Uint8Array | undefined, score: Score): string | undefined {
  if (!bytes) return 'the evidence holds no run.json';
  try {
    const r = JSON.parse(fromUtf8(bytes) ?? '') as Record<string, unknown>;
    if (r.executionId !== score.executionId) return `run.json is for execution ${String(r.executionId)}`;
    if (r.verdict !== score.verdict) return `run.json says verdict "${String(r.verdict)}", the score "${score.verdict}"`;
    return undefined;
  } catch {
    return 'run.json is not JSON';
  }
}

/** outputs/* and exports/* against the attested subjects and artifacts. Zero exports leave with
 *  a failed proof: a verdict other than pass/approved must have no exports/. Nothing private is
 *  ever bundled: no withheld export, no output of a private step (engine/FORMATS.md). */
function evidenceProblems(files: Map<string, Uint8Array>, facts: ManifestFacts, score: Score, sha256: Sha256): string[] {
  const out: string[] = [];
  const released = score.verdict === 'pass' || score.verdict === 'approved';
  const stepIds = new Set(facts.steps.map((s) => s.stepId));
  const privateSteps = new Set(facts.steps.filter((s) => s.private).map((s) => s.stepId));
  const expected = new Map<string, string>();
  for (const step of facts.steps) {
    if (released) for (const a of step.artifacts) expected.set(`exports/${a.name}`, a.digest);
    const bytes = files.get(`outputs/${step.stepId}.json`);
    if (bytes === undefined) {
      if (step.status === 'succeeded' && !step.private) out.push(`outputs/${step.stepId}.json is missing`);
      continue;
    }
    if (step.private) {
      out.push(`outputs/${step.stepId}.json is the output of a private step and must never be bundled`);
      continue;
    }
    // The statement's subject is this file, by the sha256 of its exact bytes (proof/subjects.ts).
    if (step.outputsDigest !== undefined && digestOf(bytes, sha256) !== `sha256:${step.outputsDigest}`)
      out.push(`outputs/${step.stepId}.json is not the attested output`);
  }
  for (const [name, digest] of expected) {
    const bytes = files.get(name);
    if (!bytes) out.push(`${name} is missing`);
    else if (digestOf(bytes, sha256) !== digest) out.push(`${name} is not the attested artifact`);
  }
  for (const name of files.keys()) {
    const [top, rest] = [name.split('/')[0], name.slice(name.indexOf('/') + 1)];
    if (top === 'outputs' && !stepIds.has(rest.replace(/\.json$/, '')) && !privateSteps.has(rest.replace(/\.json$/, '')))
      out.push(`${name} belongs to no step`);
    if (top === 'exports' && !expected.has(name))
      out.push(!released ? `${name} is released although the verdict is ${score.verdict}` : `${name} is not an attested artifact`);
    if (top === 'withheld') out.push(`${name} is a withheld export: it must never be bundled`);
    if (!isPublicPath(name)) out.push(`${name} is private and must never be published`);
    else if (!['outputs', 'exports'].includes(top!) && !['manifest.pcq', 'run.json', 'recordings.json', 'effects.json'].includes(name))
      out.push(`${name} is not part of an evidence bundle`);
  }
  return out;
}
