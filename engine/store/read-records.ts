// Read, then check (issue 9 Deliver 10): every record pcq reads back from an execution folder is
// parsed and validated before use, never cast. A file that is not what pcq wrote is a coded error
// naming the file and the first problems found:
//   manifest.pcq  → PCQ_MANIFEST_MALFORMED / PCQ_MANIFEST_NOT_CANONICAL (proof/manifest.ts) or
//                   PCQ_SCHEMA_INVALID (proof/manifest-shape.ts, the schema rule for rule);
//   run.json, runbook.json, recordings.json, effects.json → PCQ_RECORD_INVALID.
// Only the fields a reader relies on are checked for run.json; its other fields are display data.
import { readFile } from 'node:fs/promises';
import { PcqError, type PcqCode } from '../base/errors.ts';
import { parseManifestText } from '../proof/manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { checkManifestShape } from '../proof/manifest-shape.ts';

import type { RunRecordFile } from '../base/run-record.ts';
import type { Effect, Recording } from '../base/step-ports.ts';

export interface RunbookSnapshot {
  file: string;
  digest: string;
  text: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const VERDICTS = ['pass', 'blocked', 'approved', 'rejected', 'failed', 'paused'];
const STATUSES = ['succeeded', 'failed', 'blocked', 'paused', 'rejected'];

function recordInvalid(file: string, problems: string[]): PcqError {
  return new PcqError({
    code: 'PCQ_RECORD_INVALID',
    message: `${file} is not a valid pcq record: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
    hint: 'The file was damaged or edited after pcq wrote it; restore the execution folder from git.',
  });
}

async function readTextOf(file: string, missingCode: PcqCode): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PcqError({
        code: missingCode,
        message: `${file} does not exist`,
        hint: 'Only executions stored by `pcq run` have it; restore the folder from git.',
      });
    }
    throw err;
  }
}

function parseJsonRecord(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw recordInvalid(file, [`not JSON (${(err as Error).message})`]);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A manifest: canonical bytes, then the schema's shape. The proofs are verifyManifest's job. */
export function parseManifestFile(text: string, file: string): Manifest {
  let value: unknown;
  try {
    value = parseManifestText(text);
  } catch (err) {
    if (err instanceof PcqError) throw new PcqError({ ...err.toIssue(), message: `${file}: ${err.message}` });
    throw err;
  }
  const problems = checkManifestShape(value);
  if (problems.length > 0) {
    throw new PcqError({
      code: 'PCQ_SCHEMA_INVALID',
      message: `${file} does not match the manifest schema: ${problems
        .slice(0, 5)
        .map((p) => `${p.path || '/'} ${p.message}`)
        .join('; ')}`,
      hint: 'Use the manifest exactly as `pcq run` wrote it; restore it from git.',
    });
  }
  return value as Manifest; // checked above, field for field
}

export async function readManifestFile(file: string): Promise<Manifest> {
  return parseManifestFile(await readTextOf(file, 'PCQ_MANIFEST_MALFORMED'), file);
}

export function checkRunRecord(value: unknown): string[] {
  if (!isRecord(value)) return ['must be a JSON object'];
  const out: string[] = [];
  for (const k of ['executionId', 'runbookId', 'version', 'runbookFile', 'asOf', 'actor', 'executedBy', 'startedAt'])
    if (typeof value[k] !== 'string') out.push(`"${k}" must be a string`);
  for (const k of ['runbookDigest', 'merkleRoot']) if (typeof value[k] !== 'string' || !DIGEST.test(value[k])) out.push(`"${k}" must be sha256:<64 hex>`);
  if (!isRecord(value.params)) out.push('"params" must be an object');
  if (typeof value.durationMs !== 'number') out.push('"durationMs" must be a number');
  if (!STATUSES.includes(value.status as string)) out.push(`"status" must be one of ${STATUSES.join(', ')}`);
  if (!VERDICTS.includes(value.verdict as string)) out.push(`"verdict" must be one of ${VERDICTS.join(', ')}`);
  if (value.replayOf !== undefined && typeof value.replayOf !== 'string') out.push('"replayOf" must be a string');
  if (value.retryOf !== undefined && typeof value.retryOf !== 'string') out.push('"retryOf" must be a string');
  if (
    value.vault !== undefined &&
    (!isRecord(value.vault) ||
      (value.vault.state !== 'finalized' && value.vault.state !== 'failed') ||
      typeof value.vault.grantId !== 'string' ||
      !['reserved', 'usage', 'spentAfter', 'budget'].every((k) => typeof (value.vault as Record<string, unknown>)[k] === 'number'))
  )
    out.push('"vault" must be {state: finalized|failed, grantId, user, backend, reserved, usage, spentAfter, budget}');
  if (!Array.isArray(value.failedProofs)) out.push('"failedProofs" must be a list');
  if (!Array.isArray(value.steps)) out.push('"steps" must be a list');
  else {
    value.steps.forEach((st, i) => {
      if (!isRecord(st) || typeof st.stepId !== 'string' || !['succeeded', 'failed', 'skipped'].includes(st.status as string))
        out.push(`steps[${i}] must have a stepId and a status`);
    });
  }
  if (!Array.isArray(value.artifacts)) out.push('"artifacts" must be a list');
  else {
    value.artifacts.forEach((a, i) => {
      if (!isRecord(a)) return void out.push(`artifacts[${i}] must be an object`);
      for (const k of ['name', 'stepId', 'mediaType']) if (typeof a[k] !== 'string') out.push(`artifacts[${i}].${k} must be a string`);
      if (typeof a.digest !== 'string' || !DIGEST.test(a.digest)) out.push(`artifacts[${i}].digest must be sha256:<64 hex>`);
      if (typeof a.size !== 'number') out.push(`artifacts[${i}].size must be a number`);
      if (a.state !== 'released' && a.state !== 'withheld') out.push(`artifacts[${i}].state must be released or withheld`);
    });
  }
  return out;
}

export function parseRunRecord(text: string, file: string): RunRecordFile {
  const value = parseJsonRecord(text, file);
  const problems = checkRunRecord(value);
  if (problems.length > 0) throw recordInvalid(file, problems);
  return value as RunRecordFile; // checked above
}

export async function readRunRecord(file: string): Promise<RunRecordFile> {
  return parseRunRecord(await readTextOf(file, 'PCQ_REPLAY_RECORD_MISSING'), file);
}

export async function readRunbookSnapshot(file: string): Promise<RunbookSnapshot> {
  const value = parseJsonRecord(await readTextOf(file, 'PCQ_REPLAY_RECORD_MISSING'), file);
  const problems: string[] = [];
  if (!isRecord(value)) problems.push('must be a JSON object');
  else {
    for (const k of ['file', 'text']) if (typeof value[k] !== 'string') problems.push(`"${k}" must be a string`);
    if (typeof value.digest !== 'string' || !DIGEST.test(value.digest)) problems.push('"digest" must be sha256:<64 hex>');
  }
  if (problems.length > 0) throw recordInvalid(file, problems);
  const v = value as Record<string, string>;
  return { file: v.file!, digest: v.digest!, text: v.text! };
}

function checkList(value: unknown, each: (item: Record<string, unknown>, at: string) => string[]): string[] {
  if (!Array.isArray(value)) return ['must be a JSON list'];
  return value.flatMap((item, i) => (isRecord(item) ? each(item, `[${i}]`) : [`[${i}] must be an object`]));
}

export async function readRecordings(file: string): Promise<Recording[]> {
  const value = parseJsonRecord(await readTextOf(file, 'PCQ_REPLAY_RECORD_MISSING'), file);
  const problems = checkList(value, (r, at) => {
    const out: string[] = [];
    if (typeof r.connector !== 'string') out.push(`${at}.connector must be a string`);
    if (typeof r.key !== 'string' || !DIGEST.test(r.key)) out.push(`${at}.key must be sha256:<64 hex>`);
    if (!isRecord(r.request) || typeof r.request.method !== 'string' || typeof r.request.url !== 'string') out.push(`${at}.request must have a method and url`);
    if (!isRecord(r.response) || typeof r.response.status !== 'number' || !('body' in r.response)) out.push(`${at}.response must have a status and body`);
    return out;
  });
  if (problems.length > 0) throw recordInvalid(file, problems);
  return value as Recording[]; // checked above
}

export async function readEffects(file: string): Promise<Effect[]> {
  const value = parseJsonRecord(await readTextOf(file, 'PCQ_REPLAY_RECORD_MISSING'), file);
  const problems = checkList(value, (e, at) => {
    const out: string[] = [];
    if (!['email', 'webhook', 'outbox'].includes(e.channel as string)) out.push(`${at}.channel must be email, webhook or outbox`);
    if (typeof e.target !== 'string') out.push(`${at}.target must be a string`);
    if (typeof e.digest !== 'string') out.push(`${at}.digest must be a string`);
    return out;
  });
  if (problems.length > 0) throw recordInvalid(file, problems);
  return value as Effect[]; // checked above
}
