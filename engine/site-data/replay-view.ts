// Original vs replayed outputs, step by step (seed 003 "RunbookReplay": diff view, should be
// identical). The report is replays/<n>.json written by `pcq replay`; the original side comes from
// the signed manifest, so a report can never rewrite what the run itself attested.
import { asArray, asObject, keyedRows, pickString, type Loose } from './loose-json.ts';
import { jsonDiff, type FieldChange } from './json-diff.ts';
import type { ExecutionView, ReplayCause, ReplayStepView, ReplayView, StepView } from './site-model.ts';

export function replayView(
  id: string,
  value: unknown,
  runbookId: string,
  executionId: string,
  original: StepView[],
  dataChanges: ExecutionView['dataChanges'] = [],
): ReplayView {
  const report = asObject(value);
  const rows = keyedRows(report['steps'] ?? report['diff'], 'stepId');
  const steps: ReplayStepView[] = original.map((step) => replayStep(step, rows.get(step.stepId)));
  // Steps the replay produced that the original never had are differences too.
  for (const [stepId, row] of rows) {
    if (original.some((s) => s.stepId === stepId)) continue;
    const differences = differencesOf(row);
    steps.push({
      stepId,
      identical: false,
      original: undefined,
      replayed: replayedOutputs(row),
      differences,
      fieldChanges: fieldChangesOf(differences, undefined, replayedOutputs(row)),
    });
  }
  const reportSaysIdentical = typeof report['identical'] === 'boolean' ? (report['identical'] as boolean) : undefined;
  const view: ReplayView = {
    id,
    executionId,
    runbookId,
    identical: (reportSaysIdentical ?? true) && steps.every((s) => s.identical),
    steps,
  };
  const originalRoot = pickString(report, 'originalMerkleRoot', 'expectedMerkleRoot');
  const replayedRoot = pickString(report, 'replayedMerkleRoot', 'merkleRoot', 'actualMerkleRoot');
  const at = pickString(report, 'replayedAt', 'at', 'timestamp');
  if (originalRoot !== undefined) view.originalMerkleRoot = originalRoot;
  if (replayedRoot !== undefined) view.replayedMerkleRoot = replayedRoot;
  if (at !== undefined) view.replayedAt = at;
  if (!view.identical) view.cause = causeOf(report, view, dataChanges);
  return view;
}

/**
 * The cause, from what is published: a signed dataset file that reads differently now is a data
 * change (named, with both digests); a replay signed by another key whose content is the same is a
 * key change; anything else is not explained by the files, and the page says so.
 */
function causeOf(report: Loose, view: ReplayView, dataChanges: ExecutionView['dataChanges']): ReplayCause {
  if (dataChanges.length > 0) {
    return {
      kind: 'data',
      text: `A data change: ${dataChanges.length === 1 ? 'a dataset file the run signed' : `${dataChanges.length} dataset files the run signed`} ${dataChanges.length === 1 ? 'differs' : 'differ'} in the repository now. The run's inputs, asOf and recorded responses are the same; the data is not.`,
      files: dataChanges,
    };
  }
  const contentSame = view.steps.every((s) => s.differences.every((d) => d.field === 'attestation'));
  if (report['sameKey'] === false && contentSame)
    return { kind: 'key', text: 'Another runner key signed the replay: the signed content is the same, the signatures differ.' };
  return {
    kind: 'unexplained',
    text: 'The signed data, inputs, asOf and recorded responses are the same, so the difference comes from the code that ran (pcq, a spell or a connector) — the fields below show what changed.',
  };
}

/** Each differing field's leaves, under the field's name; outputs compared directly when no field was reported. */
function fieldChangesOf(differences: ReplayStepView['differences'], original: unknown, replayed: unknown): FieldChange[] {
  if (differences.length > 0) return differences.flatMap((d) => jsonDiff(d.original, d.replayed, `/${d.field}`));
  return replayed === undefined ? [] : jsonDiff(original, replayed, '/outputs');
}

function replayStep(step: StepView, row: Loose | undefined): ReplayStepView {
  const original = step.fullOutputs ?? step.outputs;
  if (row === undefined)
    return { stepId: step.stepId, identical: false, original, replayed: undefined, originalDigest: step.subjectDigest, differences: [], fieldChanges: [] };
  const replayed = replayedOutputs(row);
  const identicalFlag = typeof row['identical'] === 'boolean' ? (row['identical'] as boolean) : undefined;
  const replayedDigest = pickString(row, 'replayedDigest', 'outputsDigest', 'digest');
  const identical =
    identicalFlag ?? (replayedDigest !== undefined ? sameDigest(replayedDigest, step.subjectDigest) : JSON.stringify(replayed) === JSON.stringify(original));
  const differences = differencesOf(row);
  const view: ReplayStepView = {
    stepId: step.stepId,
    identical,
    original,
    replayed: replayed === undefined && identical ? original : replayed,
    originalDigest: step.subjectDigest,
    differences,
    fieldChanges: identical ? [] : fieldChangesOf(differences, original, replayed),
  };
  if (replayedDigest !== undefined) view.replayedDigest = replayedDigest;
  return view;
}

function replayedOutputs(row: Loose): unknown {
  if ('replayedOutputs' in row) return row['replayedOutputs'];
  const replayed = row['replayed'];
  if (typeof replayed === 'object' && replayed !== null && 'outputs' in replayed) return (replayed as Loose)['outputs'];
  if (replayed !== undefined && typeof replayed !== 'boolean') return replayed;
  return 'outputs' in row ? row['outputs'] : asArray(row['diff']).length > 0 ? row['diff'] : undefined;
}

function sameDigest(a: string, b: string): boolean {
  const strip = (d: string) => d.replace(/^sha256:/, '').toLowerCase();
  return strip(a) === strip(b);
}

function differencesOf(row: Loose): ReplayStepView['differences'] {
  return asArray(row['differences'])
    .map(asObject)
    .map((d) => ({ field: pickString(d, 'field') ?? '?', original: d['original'], replayed: d['replayed'] }));
}
