// Where everything about a run lives under attestations/ (engine/FORMATS.md "Execution folder").
// Ids become path segments, so they are checked here: a hostile id must never escape the folder.
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertSafeSegment(kind: string, value: string): string {
  if (!SAFE_SEGMENT.test(value) || value.includes('..')) {
    throw new PcqError({
      code: 'PCQ_UNSAFE_ID',
      message: `${kind} "${value}" cannot be used as a folder name`,
      hint: 'Ids may contain letters, digits, ".", "_" and "-" only, and must start with a letter or digit.',
    });
  }
  return value;
}

export interface ExecutionPaths {
  dir: string;
  manifest: string;
  run: string;
  runbookSnapshot: string;
  outputs: string;
  recordings: string;
  effects: string;
  exports: string;
  /** Everything under private/ is private (never published): withheld exports, private step data. */
  private: string;
  withheld: string;
  privateSteps: string;
  privateRecordings: string;
  privateEffects: string;
  /** Public age ciphertext of the private data, for the ombuds and the runner (engine/FORMATS.md "Sealed"). */
  sealed: string;
  sealedData: string;
  sealedWithheld: string;
  dsse: string;
  score: string;
  evidence: string;
  verdictSig: string;
  verdictPub: string;
  replays: string;
}

export function executionPaths(attestationsDir: string, runbookId: string, executionId: string): ExecutionPaths {
  const dir = join(attestationsDir, assertSafeSegment('runbookId', runbookId), assertSafeSegment('executionId', executionId));
  return {
    dir,
    manifest: join(dir, 'manifest.pcq'),
    run: join(dir, 'run.json'),
    runbookSnapshot: join(dir, 'runbook.json'),
    outputs: join(dir, 'outputs'),
    recordings: join(dir, 'recordings.json'),
    effects: join(dir, 'effects.json'),
    exports: join(dir, 'exports'),
    private: join(dir, 'private'),
    withheld: join(dir, 'private', 'withheld'),
    privateSteps: join(dir, 'private', 'steps'),
    privateRecordings: join(dir, 'private', 'recordings.json'),
    privateEffects: join(dir, 'private', 'effects.json'),
    sealed: join(dir, 'sealed'),
    sealedData: join(dir, 'sealed', 'private-data.json.age'),
    sealedWithheld: join(dir, 'sealed', 'withheld'),
    dsse: join(dir, `${executionId}.intoto.jsonl`),
    score: join(dir, 'score.json'),
    evidence: join(dir, 'evidence.tar.gz'),
    verdictSig: join(dir, 'verdict.sig'),
    verdictPub: join(dir, 'verdict.pub'),
    replays: join(dir, 'replays'),
  };
}

export function reviewTicketPath(attestationsDir: string, executionId: string): string {
  return join(attestationsDir, 'reviews', `${assertSafeSegment('executionId', executionId)}.yaml`);
}

export function indexPath(attestationsDir: string): string {
  return join(attestationsDir, 'index.json');
}
