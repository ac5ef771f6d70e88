// Turns the raw files of one execution folder (FORMATS "Execution folder") into the view the
// execution page renders. Pure: the caller reads the files. A malformed manifest still yields a
// page (with the problem shown) because the site must publish what is there, bad or not.
import type { PcqIssue } from '../base/errors.ts';
import { decodeEnvelope, predicateOf } from './decode-envelope.ts';
import { asArray, asObject, keyedRows, pickNumber, pickString, type Loose } from './loose-json.ts';
import { decodeDecisions, stateOfDecision, ticketView } from './review-state.ts';
import type { ArtifactView, DownloadView, ExecutionView, FailedProofView, ProofView, StepStatus, StepView, Verdict } from './site-model.ts';
import { replayView } from './replay-view.ts';
import { runLinks } from './run-links.ts';
import type { SiteRepository } from './dispatch-command.ts';

export interface RawExecution {
  runbookId: string;
  executionId: string;
  /** The index.json entry, when the execution is listed there. */
  entry?: Loose;
  manifestText?: string;
  /** manifestText already parsed by the reader (it needs the steps for a generated DSSE export). */
  manifest?: unknown;
  run?: unknown;
  score?: unknown;
  /** attestations/reviews/<executionId>.yaml, parsed (by review/ticket.ts parseTicket when it accepts it). */
  ticket?: { value: unknown; problems: PcqIssue[] };
  /** Indices of the manifest's reviews that verify and keep the rules (proof/verify-reviews.ts
   *  countedDecisions, computed by the reader); absent: none counts. */
  countedReviews?: number[];
  replays: Array<{ id: string; value: unknown }>;
  /** outputs/<stepId>.json, by stepId (tests pass them in; the reader loads them on demand). */
  fullOutputs: Record<string, unknown>;
  readOutput?: (stepId: string) => unknown;
  downloads: DownloadView[];
  /** The commit that added the manifest (site-data/run-links.ts publishingCommits). */
  commit?: string;
  /** The repository the site belongs to, when the build knows it. */
  repo?: SiteRepository;
  /** Each signed dataset file's digest in the repository now (null: missing), by path. */
  datasetsNow?: Record<string, string | null>;
}

const VERDICTS: readonly Verdict[] = ['pass', 'blocked', 'approved', 'rejected', 'failed'];

export function buildExecutionView(raw: RawExecution): ExecutionView {
  const problems: PcqIssue[] = [];
  const entry = raw.entry ?? {};
  let manifest: Loose = {};
  if (raw.manifestText === undefined) {
    problems.push({
      code: 'PCQ_MANIFEST_MISSING',
      message: `${raw.runbookId}/${raw.executionId} has no manifest.pcq`,
      hint: 'Re-run the runbook or restore the file from git.',
    });
  } else {
    try {
      manifest = asObject(raw.manifest ?? JSON.parse(raw.manifestText));
    } catch (err) {
      problems.push({
        code: 'PCQ_MANIFEST_MALFORMED',
        message: `manifest.pcq is not JSON: ${(err as Error).message}`,
        hint: 'Run `pcq verify` on it for details.',
      });
    }
  }
  const run = asObject(raw.run);
  const runSteps = keyedRows(run['steps'], 'stepId');
  const fullOutput = (stepId: string): unknown => (stepId in raw.fullOutputs ? raw.fullOutputs[stepId] : raw.readOutput?.(stepId));
  const steps = asArray(manifest['steps']).map((s) => stepView(asObject(s), runSteps, fullOutput));
  const decisions = decodeDecisions(manifest['reviews'], raw.countedReviews);
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
    artifacts: artifactsOf(run, steps),
    failedProofs: failedProofsOf(run, steps),
    decisions,
    replays: [],
    dataChanges: dataChangesOf(manifest, raw.datasetsNow ?? {}),
    downloads: raw.downloads,
    urlPath: `runs/${raw.runbookId}/${raw.executionId}/`,
    links: { actionsRun: { text: '' }, commit: { text: '' }, reviewPr: { text: '' } },
    problems,
  };
  const startedAt = pickString(entry, 'startedAt') ?? pickString(run, 'startedAt');
  if (startedAt !== undefined) view.startedAt = startedAt;
  const replayOf = pickString(entry, 'replayOf') ?? pickString(run, 'replayOf');
  if (replayOf !== undefined) view.replayOf = replayOf;
  const durationMs = pickNumber(run, 'durationMs');
  if (durationMs !== undefined) view.durationMs = durationMs;
  if (score !== undefined) view.score = score;
  if (raw.ticket !== undefined) {
    view.ticket = ticketView(asObject(raw.ticket.value), decisions, raw);
    problems.push(...raw.ticket.problems);
  }
  view.replays = raw.replays.map((r) => replayView(r.id, r.value, raw.runbookId, raw.executionId, steps, view.dataChanges));
  view.verdict = verdictOf(view, score, entry);
  view.links = runLinks(view, { run: raw.run, ...(raw.commit ? { commit: raw.commit } : {}), ...(raw.repo ? { repo: raw.repo } : {}) });
  return view;
}

/**
 * The signed verdict (score.json) wins; then the index; else it is derived the way issue 4 defines
 * it: a failed prover (pre or post) blocks, a human decision then approves or rejects.
 */
function verdictOf(view: ExecutionView, score: Loose | undefined, entry: Loose): Verdict {
  for (const source of [score ?? {}, entry]) {
    const v = pickString(source, 'verdict') as Verdict | undefined;
    if (v !== undefined && VERDICTS.includes(v)) return v;
  }
  const decided = stateOfDecision(view.decisions.filter((d) => d.counts).at(-1)?.decision);
  if (decided === 'approved' || decided === 'rejected') return decided;
  const failedProver = view.steps.some((s) => s.proofs.some((p) => p.result === 'fail'));
  if (failedProver || view.ticket !== undefined) return 'blocked';
  return view.steps.some((s) => s.status === 'failed') ? 'failed' : 'pass';
}

/** run.json `artifacts` (name, stepId, state released|withheld); else the attested artifacts, state by verdict. */
function artifactsOf(run: Loose, steps: StepView[]): ArtifactView[] {
  const recorded = asArray(run['artifacts']).map(asObject);
  if (recorded.length > 0) {
    return recorded.map((a) => ({
      name: pickString(a, 'name') ?? '',
      stepId: pickString(a, 'stepId') ?? '',
      mediaType: pickString(a, 'mediaType') ?? '',
      digest: pickString(a, 'digest') ?? '',
      size: pickNumber(a, 'size') ?? 0,
      state: pickString(a, 'state') === 'released' ? 'released' : 'withheld',
    }));
  }
  const released = pickString(run, 'status') === 'succeeded';
  return steps.flatMap((s) => s.artifacts.map((a) => ({ ...a, stepId: s.stepId, state: released ? ('released' as const) : ('withheld' as const) })));
}

/** run.json `failedProofs` ({stepId, phase, proof}); else every failed proof the attestations carry. */
function failedProofsOf(run: Loose, steps: StepView[]): FailedProofView[] {
  const recorded = asArray(run['failedProofs']).map(asObject);
  if (recorded.length > 0) {
    return recorded.map((f) => {
      const proof = asObject(f['proof']);
      return {
        stepId: pickString(f, 'stepId') ?? '',
        phase: pickString(f, 'phase') === 'precondition' ? 'precondition' : 'postcondition',
        prover: pickString(proof, 'prover') ?? '?',
        type: pickString(proof, 'type') ?? '',
        evidence: pickString(proof, 'evidence') ?? '',
      };
    });
  }
  return steps.flatMap((s) =>
    s.proofs.filter((p) => p.result === 'fail').map((p) => ({ stepId: s.stepId, phase: p.phase, prover: p.prover, type: p.type, evidence: p.evidence })),
  );
}

/** The signed dataset files (manifest `datasets`) whose bytes in the repository no longer match. */
function dataChangesOf(manifest: Loose, now: Record<string, string | null>): ExecutionView['dataChanges'] {
  const out: ExecutionView['dataChanges'] = [];
  for (const d of asArray(manifest['datasets']).map(asObject)) {
    const path = pickString(d, 'path');
    const signed = pickString(d, 'digest');
    if (path === undefined || signed === undefined || !(path in now)) continue;
    if (now[path] !== signed) out.push({ path, signed, now: now[path] ?? null });
  }
  return out;
}

/** Outputs larger than 64 KiB are attested as {digest, size} (FORMATS); the value is in outputs/. */
function isDigestStandIn(value: unknown): boolean {
  const o = asObject(value);
  const keys = Object.keys(o);
  return keys.length === 2 && typeof o['digest'] === 'string' && typeof o['size'] === 'number';
}

function stepView(step: Loose, runSteps: Map<string, Loose>, fullOutput: (stepId: string) => unknown): StepView {
  const decoded = decodeEnvelope(step['attestation']);
  const p = predicateOf(decoded);
  const stepId = pickString(step, 'stepId') ?? pickString(p, 'stepId') ?? '?';
  const run = runSteps.get(stepId) ?? {};
  const subject = asObject(asArray(decoded?.statement['subject'])[0]);
  const signed = pickString(p, 'status') ?? pickString(run, 'status') ?? 'unknown';
  const proofs = proofsOf(step['proofs'] ?? p['proofs']);
  // The truth, plainly (issue 14): a step that ran but whose postcondition failed blocked the run;
  // it is shown as blocked, not as succeeded. The signed status stays on the view (signedStatus).
  const status: StepStatus = signed === 'succeeded' && proofs.some((x) => x.phase === 'postcondition' && x.result === 'fail') ? 'blocked' : signed;
  const view: StepView = {
    stepId,
    type: pickString(p, 'type') ?? pickString(run, 'type') ?? '',
    status,
    proofs,
    attestationHash: pickString(step, 'attestationHash') ?? '',
    previousAttestationHash: pickString(p, 'previousAttestationHash') ?? null,
    parents: asArray(p['parents']).filter((x): x is string => typeof x === 'string'),
    keyid: decoded?.keyid ?? '',
    subjectDigest: pickString(asObject(subject['digest']), 'sha256') ?? '',
    inputs: p['inputs'],
    outputs: p['outputs'],
    timestamp: pickString(p, 'timestamp') ?? '',
    artifacts: asArray(p['artifacts'])
      .map(asObject)
      .map((a) => ({
        name: pickString(a, 'name') ?? '',
        mediaType: pickString(a, 'mediaType') ?? '',
        digest: pickString(a, 'digest') ?? '',
        size: pickNumber(a, 'size') ?? 0,
      })),
  };
  if (status !== signed) view.signedStatus = signed;
  const durationMs = pickNumber(run, 'durationMs');
  if (durationMs !== undefined) view.durationMs = durationMs;
  const attempts = pickNumber(run, 'attempts');
  if (attempts !== undefined) view.attempts = attempts;
  const error = asObject(run['error']);
  const code = pickString(error, 'code');
  if (code !== undefined) view.error = { code, message: pickString(error, 'message') ?? '' };
  const skipReason = pickString(run, 'skipReason');
  if (skipReason !== undefined) view.skipReason = skipReason;
  const condition = asObject(p['condition']);
  const expr = pickString(condition, 'expr');
  if (expr !== undefined && typeof condition['value'] === 'boolean') view.condition = { expr, value: condition['value'] };
  const spell = asObject(p['spell']);
  const spellId = pickString(spell, 'id');
  if (spellId !== undefined) {
    const sig = asObject(spell['signature']);
    const verified = pickString(sig, 'result') === 'verified';
    view.spell = {
      id: spellId,
      version: pickString(spell, 'version') ?? '',
      bundleDigest: pickString(spell, 'bundleDigest') ?? '',
      signature: verified
        ? `signed by ${pickString(sig, 'publisher') ?? '?'}/${pickString(sig, 'keyId') ?? '?'} (${pickString(sig, 'publicKey') ?? '?'})`
        : 'unsigned (run with --allow-unsigned)',
      allowUnsigned: sig['allowUnsigned'] === true,
    };
  }
  const branchSkipped = pickString(p, 'skipped');
  if (branchSkipped !== undefined) view.branchSkipped = branchSkipped;
  if (isDigestStandIn(p['outputs'])) {
    const full = fullOutput(stepId);
    if (full !== undefined) view.fullOutputs = full;
  }
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
  for (const [key, phase] of [
    ['preconditions', 'precondition'],
    ['postconditions', 'postcondition'],
  ] as const) {
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
