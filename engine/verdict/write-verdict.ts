// The verdict files of one execution folder (FORMATS.md "Execution folder"):
// evidence.tar.gz, score.json, verdict.sig, verdict.pub, verdict.vsa.json and (once decided)
// reviews.human-review.jsonl, put into the change set of the use case
// that changes the folder: every run (run/after-run.ts) and every ombuds decision
// (review/decide.ts), because a decision changes the manifest's reviews, the exports and run.json
// — so the evidence, its digest and the score change. They are computed from the change set's
// view of the folder (what it will be after the commit), and committed with it atomically.
import type { ChangeSet } from '../store/change-set.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import { digestOf } from '../proof/digest.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { Signer } from '../base/signer.ts';
import { PcqError } from '../base/errors.ts';
import { EVIDENCE_FILE, collectEvidence, packEvidence } from './evidence-bundle.ts';
import { manifestFacts } from './manifest-facts.ts';
import { buildScore, scoreToText, type Score } from './score.ts';
import { signVerdict, verdictPubText } from './verdict-signature.ts';
import { HUMAN_REVIEW_FILE, VSA_FILE, standardPredicateFiles } from './standard-predicates.ts';
import { join } from 'node:path';

export interface VerdictFiles {
  score: Score;
  scorePath: string;
  evidencePath: string;
  sigPath: string;
  pubPath: string;
}

export async function writeVerdictArtifacts(paths: ExecutionPaths, signer: Signer, change: ChangeSet): Promise<VerdictFiles> {
  const manifestBytes = await change.read(paths.manifest);
  if (manifestBytes === undefined) {
    throw new PcqError({
      code: 'PCQ_VERDICT_MALFORMED',
      message: `${paths.manifest} does not exist`,
      hint: 'Verdict files describe a stored run; restore its manifest from git.',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_VERDICT_MALFORMED',
      message: `${paths.manifest} is not JSON: ${(err as Error).message}`,
      hint: 'The manifest was damaged after the run; restore it from git.',
    });
  }
  const facts = manifestFacts(parsed);
  if ('problem' in facts) {
    throw new PcqError({
      code: 'PCQ_VERDICT_MALFORMED',
      message: `${paths.manifest}: ${facts.problem}`,
      hint: 'The manifest was damaged after the run; restore it from git.',
    });
  }
  const files = await collectEvidence(paths, change);
  const evidence = await packEvidence(files, facts.executedAt);
  const score = buildScore(facts, digestOf(manifestBytes, sha256Node), { file: EVIDENCE_FILE, digest: digestOf(evidence, sha256Node) });
  change.put(paths.evidence, evidence);
  change.put(paths.verdictPub, verdictPubText(signer.keyid));
  change.put(paths.verdictSig, await signVerdict(score, signer));
  change.put(paths.score, scoreToText(score));
  // The same verdict and decisions in published predicates (SLSA VSA, in-toto human review).
  const standard = await standardPredicateFiles(score, parsed as Parameters<typeof standardPredicateFiles>[1], signer);
  change.put(join(paths.dir, VSA_FILE), standard.vsa);
  if (standard.humanReview !== undefined) change.put(join(paths.dir, HUMAN_REVIEW_FILE), standard.humanReview);
  return { score, scorePath: paths.score, evidencePath: paths.evidence, sigPath: paths.verdictSig, pubPath: paths.verdictPub };
}
