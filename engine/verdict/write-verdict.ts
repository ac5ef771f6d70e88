// Writes the four verdict files of one execution folder (FORMATS.md "Execution folder"):
// evidence.tar.gz, score.json, verdict.sig, verdict.pub. Called after every run (run/after-run.ts)
// and again after every ombuds decision (review/decide.ts), because a decision changes the
// manifest's reviews, the exports and run.json — so the evidence, its digest and the score change.
// Evidence first, score last: the score names the evidence's digest, so a reader that sees a new
// score also sees the evidence it signs.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomic-write.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import { digestOf } from '../proof/digest.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { Signer } from '../base/signer.ts';
import { PcqError } from '../base/errors.ts';
import { EVIDENCE_FILE, collectEvidence, packEvidence } from './evidence-bundle.ts';
import { manifestFacts } from './manifest-facts.ts';
import { buildScore, scoreToText, type Score } from './score.ts';
import { signVerdict, verdictPubText } from './verdict-signature.ts';

export interface VerdictFiles {
  score: Score;
  scorePath: string;
  evidencePath: string;
  sigPath: string;
  pubPath: string;
}

export async function writeVerdictArtifacts(paths: ExecutionPaths, signer: Signer): Promise<VerdictFiles> {
  const manifestBytes = await readFile(paths.manifest);
  const facts = manifestFacts(JSON.parse(manifestBytes.toString('utf8')));
  if ('problem' in facts) {
    throw new PcqError({ code: 'PCQ_VERDICT_MALFORMED', message: `${paths.manifest}: ${facts.problem}`, hint: 'The manifest was damaged after the run; restore it from git.' });
  }
  const files = await collectEvidence(paths);
  const evidence = await packEvidence(files, facts.executedAt);
  const score = buildScore(facts, digestOf(manifestBytes, sha256Node), { file: EVIDENCE_FILE, digest: digestOf(evidence, sha256Node) });
  await writeFileAtomic(paths.evidence, evidence);
  await writeFileAtomic(paths.verdictPub, verdictPubText(signer.keyid));
  await writeFileAtomic(paths.verdictSig, await signVerdict(score, signer));
  await writeFileAtomic(paths.score, scoreToText(score));
  return { score, scorePath: paths.score, evidencePath: paths.evidence, sigPath: paths.verdictSig, pubPath: paths.verdictPub };
}
