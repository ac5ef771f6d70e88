// Original vs replayed outputs, step by step (seed 003 "RunbookReplay": diff view, should be
// identical). The report is replays/<n>.json written by `pcq replay`; the original side comes from
// the signed manifest, so a report can never rewrite what the run itself attested.
import { asArray, asObject, keyedRows, pickString, type Loose } from './loose-json.ts';
import type { ReplayStepView, ReplayView, StepView } from './site-model.ts';

export function replayView(id: string, value: unknown, runbookId: string, executionId: string, original: StepView[]): ReplayView {
  const report = asObject(value);
  const rows = keyedRows(report['steps'] ?? report['diff'], 'stepId');
  const steps: ReplayStepView[] = original.map((step) => replayStep(step, rows.get(step.stepId)));
  // Steps the replay produced that the original never had are differences too.
  for (const [stepId, row] of rows) {
    if (original.some((s) => s.stepId === stepId)) continue;
    steps.push({ stepId, identical: false, original: undefined, replayed: replayedOutputs(row), differences: differencesOf(row) });
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
  return view;
}

function replayStep(step: StepView, row: Loose | undefined): ReplayStepView {
  const original = step.fullOutputs ?? step.outputs;
  if (row === undefined) return { stepId: step.stepId, identical: false, original, replayed: undefined, originalDigest: step.subjectDigest, differences: [] };
  const replayed = replayedOutputs(row);
  const identicalFlag = typeof row['identical'] === 'boolean' ? (row['identical'] as boolean) : undefined;
  const replayedDigest = pickString(row, 'replayedDigest', 'outputsDigest', 'digest');
  const identical =
    identicalFlag ?? (replayedDigest !== undefined ? sameDigest(replayedDigest, step.subjectDigest) : JSON.stringify(replayed) === JSON.stringify(original));
  const view: ReplayStepView = {
    stepId: step.stepId,
    identical,
    original,
    replayed: replayed === undefined && identical ? original : replayed,
    originalDigest: step.subjectDigest,
    differences: differencesOf(row),
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
