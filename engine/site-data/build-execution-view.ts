// Turns the raw files of one execution folder (FORMATS "Execution folder") into the view the
// execution page renders. Pure: the caller reads the files. A malformed manifest still yields a
// page (with the problem shown) because the site must publish what is there, bad or not.
import type { PcqIssue } from '../runtime/errors.ts';
import { decodeEnvelope, predicateOf } from './decode-envelope.ts';
import { asArray, asObject, keyedRows, pickNumber, pickString, type Loose } from './loose-json.ts';
import { decodeDecisions, stateOfDecision, ticketView } from './review-state.ts';
import type { DownloadView, ExecutionView, ProofView, ReplayView, StepStatus, StepView, Verdict } from './site-model.ts';
import { replayView } from './replay-view.ts';

export interface RawExecution {
  runbookId: string;
  executionId: string;
  /** The index.json entry, when the execution is listed there. */
  entry?: Loose;
  manifestText?: string;
  run?: unknown;
  score?: unknown;
  ticket?: unknown;
  replays: Array<{ id: string; value: unknown }>;
  /** outputs/<stepId>.json, by stepId. */
  fullOutputs: Record<string, unknown>;
  downloads: DownloadView[];
}

const VERDICTS: readonly Verdict[] = ['pass', 'blocked', 'approved', 'rejected', 'failed'];

export function buildExecutionView(raw: RawExecution): ExecutionView {
  const problems: PcqIssue[] = [];
  const entry = raw.entry ?? {};
  let manifest: Loose = {};
  if (raw.manifestText === undefined) {
    problems.push({ code: 'PCQ_MANIFEST_MISSING', message: `${raw.runbookId}/${raw.executionId} has no manifest.pcq`, hint: 'Re-run the runbook or restore the file from git.' });
  } else {
    try {
      manifest = asObject(JSON.parse(raw.manifestText));
    } catch (err) {
      problems.push({ code: 'PCQ_MANIFEST_MALFORMED', message: `manifest.pcq is not JSON: ${(err as Error).message}`, hint: 'Run `pcq verify` on it for details.' });
    }
  }
  const run = asObject(raw.run);
  const runSteps = keyedRows(run['steps'], 'stepId');
  const steps = asArray(manifest['steps']).map((s) => stepView(asObject(s), runSteps, raw.fullOutputs));
  const decisions = decodeDecisions(manifest['reviews']);
  const score = raw.score === undefined ? undefined : asObject(raw.score);

  const view: ExecutionView = {
    executionId: raw.executionId,
    runbookId: raw.runbookId,
    version: pickString(manifest, 'version') ?? pickString(entry, 'version') ?? '',
    executedAt: pickString(manifest, 'executedAt') ?? pickString(entry, 'executedAt') ?? '',
    executedBy: pickString(manifest, 'executedBy') ?? '',
    actor: pickString(manifest, 'actor') ?? pickString(entry, 'actor') ?? '',
    status: pickString(entry, 'status') ?? pickString(run, 'status') ?? (steps.some((s) => s.status === 'failed') ? 'failed' : 'succeeded'),
    verdict: 'pass',
    merkleRoot: pickString(manifest, 'merkleRoot') ?? pickString(entry, 'merkleRoot') ?? '',
    manifestId: pickString(manifest, 'manifestId') ?? '',
    inputs: asObject(manifest['inputs']),
    steps,
    decisions,
    replays: raw.replays.map((r) => replayView(r.id, r.value, raw.runbookId, raw.executionId, steps)),
    downloads: raw.downloads,
    urlPath: `runs/${raw.runbookId}/${raw.executionId}/`,
    problems,
  };
  const startedAt = pickString(entry, 'startedAt') ?? pickString(run, 'startedAt');
  if (startedAt !== undefined) view.startedAt = startedAt;
  const replayOf = pickString(entry, 'replayOf') ?? pickString(run, 'replayOf');
  if (replayOf !== undefined) view.replayOf = replayOf;
  if (score !== undefined) view.score = score;
  if (raw.ticket !== undefined) view.ticket = ticketView(asObject(raw.ticket), decisions, raw);
  view.verdict = verdictOf(view, score, entry);
  return view;
}

/**
 * The signed verdict (score.json) wins; then the index; else it is derived the way issue 4 defines
 * it: a failed postcondition blocks, a human decision then approves or rejects.
 */
function verdictOf(view: ExecutionView, score: Loose | undefined, entry: Loose): Verdict {
  for (const source of [score ?? {}, entry]) {
    const v = pickString(source, 'verdict') as Verdict | undefined;
    if (v !== undefined && VERDICTS.includes(v)) return v;
  }
  const decided = stateOfDecision(view.decisions[view.decisions.length - 1]?.decision) ?? view.ticket?.state;
  if (decided === 'approved' || decided === 'rejected') return decided;
  const failedPost = view.steps.some((s) => s.proofs.some((p) => p.phase === 'postcondition' && p.result === 'fail'));
  if (failedPost || view.ticket !== undefined) return 'blocked';
  return view.steps.some((s) => s.status === 'failed') ? 'failed' : 'pass';
}

function stepView(step: Loose, runSteps: Map<string, Loose>, fullOutputs: Record<string, unknown>): StepView {
  const decoded = decodeEnvelope(step['attestation']);
  const p = predicateOf(decoded);
  const stepId = pickString(step, 'stepId') ?? pickString(p, 'stepId') ?? '?';
  const run = runSteps.get(stepId) ?? {};
  const subject = asObject(asArray(decoded?.statement['subject'])[0]);
  const status = (pickString(p, 'status') ?? pickString(run, 'status') ?? 'unknown') as StepStatus;
  const view: StepView = {
    stepId,
    type: pickString(p, 'type') ?? pickString(run, 'type') ?? '',
    status: ['succeeded', 'failed', 'skipped'].includes(status) ? status : 'unknown',
    proofs: proofsOf(step['proofs'] ?? p['proofs']),
    attestationHash: pickString(step, 'attestationHash') ?? '',
    previousAttestationHash: pickString(p, 'previousAttestationHash') ?? null,
    parents: asArray(p['parents']).filter((x): x is string => typeof x === 'string'),
    keyid: decoded?.keyid ?? '',
    subjectDigest: pickString(asObject(subject['digest']), 'sha256') ?? '',
    inputs: p['inputs'],
    outputs: p['outputs'],
    timestamp: pickString(p, 'timestamp') ?? '',
    artifacts: asArray(p['artifacts']).map(asObject).map((a) => ({
      name: pickString(a, 'name') ?? '',
      mediaType: pickString(a, 'mediaType') ?? '',
      digest: pickString(a, 'digest') ?? '',
      size: pickNumber(a, 'size') ?? 0,
    })),
    statementJson: decoded ? JSON.stringify(decoded.statement, null, 2) : '(the attestation payload could not be decoded)',
  };
  const durationMs = pickNumber(run, 'durationMs', 'duration_ms', 'duration');
  if (durationMs !== undefined) view.durationMs = durationMs;
  const attempts = pickNumber(run, 'attempts', 'attempt');
  if (attempts !== undefined) view.attempts = attempts;
  if (stepId in fullOutputs) view.fullOutputs = fullOutputs[stepId];
  const proof = asObject(step['inclusionProof']);
  const leafIndex = pickNumber(proof, 'leafIndex');
  const treeSize = pickNumber(proof, 'treeSize');
  if (leafIndex !== undefined && treeSize !== undefined) {
    view.inclusionProof = { leafIndex, treeSize, hashes: asArray(proof['hashes']).filter((x): x is string => typeof x === 'string') };
  }
  return view;
}

function proofsOf(value: unknown): ProofView[] {
  const proofs = asObject(value);
  const out: ProofView[] = [];
  for (const [key, phase] of [['preconditions', 'precondition'], ['postconditions', 'postcondition']] as const) {
    for (const r of asArray(proofs[key]).map(asObject)) {
      out.push({
        prover: pickString(r, 'prover') ?? '?',
        type: pickString(r, 'type') ?? '',
        phase,
        result: pickString(r, 'result') === 'pass' ? 'pass' : 'fail',
        evidence: pickString(r, 'evidence') ?? '',
      });
    }
  }
  return out;
}
