// score.json: the signed summary of one run's verdict (seed 002 "Offline verdict verification",
// issue 4 §5). Built purely from the manifest's facts plus two digests; its bytes have one spelling
// (sorted keys, 2-space indent, final newline, as the manifest: proof/manifest.ts), and its
// signature covers JCS(score) (RFC 8785) under PAE (verdict-signature.ts).
import type { Verdict } from '../base/run-record.ts';
import { sortKeysDeep } from '../proof/manifest.ts';
import { PcqError } from '../base/errors.ts';
import type { ManifestFacts, ScoreDecision, ScoreProver } from './manifest-facts.ts';

export interface Score {
  executionId: string;
  runbookId: string;
  version: string;
  executedAt: string;
  executedBy: string;
  actor: string;
  verdict: Verdict;
  provers: ScoreProver[];
  manifestDigest: string; // sha256:<hex> of the manifest.pcq bytes
  merkleRoot: string;
  decisions: ScoreDecision[];
  evidence: { file: string; digest: string };
}

export const VERDICTS: readonly Verdict[] = ['pass', 'blocked', 'approved', 'rejected', 'failed', 'paused'];
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const SCORE_KEYS = [
  'executionId',
  'runbookId',
  'version',
  'executedAt',
  'executedBy',
  'actor',
  'verdict',
  'provers',
  'manifestDigest',
  'merkleRoot',
  'decisions',
  'evidence',
];

export function buildScore(facts: ManifestFacts, manifestDigest: string, evidence: { file: string; digest: string }): Score {
  return {
    executionId: facts.executionId,
    runbookId: facts.runbookId,
    version: facts.version,
    executedAt: facts.executedAt,
    executedBy: facts.executedBy,
    actor: facts.actor,
    verdict: facts.verdict,
    provers: facts.provers,
    manifestDigest,
    merkleRoot: facts.merkleRoot,
    decisions: facts.decisions,
    evidence,
  };
}

export function scoreToText(score: Score | unknown): string {
  return JSON.stringify(sortKeysDeep(score), null, 2) + '\n';
}

const malformed = (message: string): PcqError =>
  new PcqError({ code: 'PCQ_VERDICT_MALFORMED', message: `score.json: ${message}`, hint: 'Use score.json exactly as pcq wrote it; it is signed.' });

/** Parses score.json text; refuses non-canonical layout and any shape but the Score's. */
export function parseScore(text: string): Score {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw malformed(`not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not a JSON object');
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort();
  if (keys.join(',') !== [...SCORE_KEYS].sort().join(',')) throw malformed(`fields must be exactly ${SCORE_KEYS.join(', ')}`);
  for (const k of ['executionId', 'runbookId', 'version', 'executedAt', 'executedBy', 'actor', 'merkleRoot']) {
    if (typeof v[k] !== 'string') throw malformed(`${k} must be a string`);
  }
  if (!VERDICTS.includes(v.verdict as Verdict)) throw malformed(`verdict must be one of ${VERDICTS.join(', ')}`);
  if (typeof v.manifestDigest !== 'string' || !DIGEST.test(v.manifestDigest)) throw malformed('manifestDigest must be sha256:<64 hex>');
  if (!Array.isArray(v.provers) || !v.provers.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p)))
    throw malformed('provers must be a list of objects');
  if (!Array.isArray(v.decisions) || !v.decisions.every((d) => typeof d === 'object' && d !== null && !Array.isArray(d)))
    throw malformed('decisions must be a list of objects');
  const e = v.evidence as Record<string, unknown> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.file !== 'string' ||
    typeof e.digest !== 'string' ||
    !DIGEST.test(e.digest) ||
    Object.keys(e).length !== 2
  ) {
    throw malformed('evidence must be {file, digest: sha256:<64 hex>}');
  }
  if (scoreToText(v) !== text) throw malformed('the bytes are not in canonical layout (sorted keys, 2-space indent, one final newline)');
  return v as unknown as Score;
}
