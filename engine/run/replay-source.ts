// What a replay may believe (seed 003 §6, issue 9 "Replay from signed content"): the manifest,
// once it verifies exactly as `pcq verify` does (trust included), and files whose digests it
// signs — the runbook snapshot (runbookDigest), the recorded responses (each step predicate's
// `recordings`), the dataset files (`datasets`). Nothing is taken from run.json, which is unsigned.
// A dataset file that changed since the run is named here, before anything executes, so a replay
// never reports a data change as a divergence of the run.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError } from '../base/errors.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { recordingDigest } from '../runtime/http-port.ts';
import { parseManifestText } from '../proof/manifest.ts';
import type { Manifest, ManifestDataset } from '../base/signed-records.ts';
import { verifyManifestNode } from '../proof/verify-node.ts';
import { readRosterLogins } from '../review/roster.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { checkOpening, isPrivateCommitment, type PrivateOpening } from '../proof/private-commitment.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { Effect, Recording } from '../base/step-ports.ts';

/** Everything a replay runs from, each piece checked against the verified manifest. */
export interface SignedReplaySource {
  manifest: Manifest;
  runbookFile: string; // where the runbook lived (unsigned: it only locates `data/`, whose files are signed)
  runbookText: string; // hashes to manifest.runbookDigest
  recordings: Recording[]; // their digests are exactly the ones the step predicates sign
  effects: Effect[]; // compared by the replay notifier against the signed notify outputs' digests
}

const sha256Hex = (bytes: string | Uint8Array): string => 'sha256:' + createHash('sha256').update(bytes).digest('hex');

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new PcqError({
      code: 'PCQ_REPLAY_RECORD_MISSING',
      message: `the execution has no ${what} (${path})`,
      hint: 'Only runs stored by `pcq run` can be replayed; restore the execution folder from git.',
    });
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_REPLAY_RECORD_MALFORMED',
      message: `${path} is not valid JSON: ${(err as Error).message}`,
      hint: 'Restore the execution folder from git.',
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecording(r: unknown): boolean {
  return (
    isRecord(r) &&
    typeof r.key === 'string' &&
    typeof r.connector === 'string' &&
    isRecord(r.request) &&
    typeof r.request.method === 'string' &&
    typeof r.request.url === 'string' &&
    isRecord(r.response) &&
    Number.isInteger(r.response.status) &&
    'body' in r.response &&
    (r.redactions === undefined || (Number.isSafeInteger(r.redactions) && (r.redactions as number) > 0))
  );
}

/** Reads the execution folder's manifest and verifies it first; refuses with the verification codes. */
export async function readVerifiedManifest(config: PcqConfig, dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.pcq');
  const text = await readText(path, 'manifest');
  const trust = await loadTrustStore({ root: config.root, includeLocal: config.mode === 'dev' });
  // The repository's roster, as `pcq verify` uses it: approval decisions and reviews are checked against it.
  const roster = await readRosterLogins(config.root);
  const report = await verifyManifestNode(text, trust, roster !== undefined ? { roster } : {});
  const failed = report.checks.filter((c) => !c.ok);
  if (!report.ok) {
    // One error under the first failing check's own code (PCQ_SIGNATURE_INVALID, PCQ_KEY_REVOKED, …).
    const listed = failed.slice(0, 5).map((c) => `${c.code} ${c.check}${c.stepId !== undefined ? ` (step ${c.stepId})` : ''}: ${c.message}`);
    throw new PcqError({
      code: failed[0]?.code ?? 'PCQ_SIGNATURE_INVALID',
      message: `cannot replay ${path}: it does not verify — ${listed.join('; ')}${failed.length > 5 ? `; and ${failed.length - 5} more` : ''}`,
      hint: 'A replay runs only from a manifest that verifies; run `pcq verify` on it and restore the execution folder from git.',
    });
  }
  return parseManifestText(text) as Manifest; // shape and every signature checked just above
}

/** The runbook bytes as run: runbook.json's text must hash to the signed runbookDigest. */
async function readRunbookSnapshot(dir: string, manifest: Manifest): Promise<{ file: string; text: string }> {
  const path = join(dir, 'runbook.json');
  const snapshot = parseJson(await readText(path, 'runbook snapshot'), path);
  const text = isRecord(snapshot) && typeof snapshot.text === 'string' ? snapshot.text : undefined;
  const file = isRecord(snapshot) && typeof snapshot.file === 'string' ? snapshot.file : undefined;
  if (text === undefined || file === undefined || sha256Hex(text) !== manifest.runbookDigest) {
    throw new PcqError({
      code: 'PCQ_REPLAY_RUNBOOK_MISMATCH',
      message: `${path} does not hold the runbook text the manifest signed (${manifest.runbookDigest})`,
      hint: 'The execution folder was modified; restore it from git.',
    });
  }
  return { file, text };
}

/** Per step, the recording digests its predicate signs; a private step's come from its checked opening. */
interface SignedRecordings {
  digests: string[];
  /** Private steps whose opening (private/steps/<stepId>.json) is not on this machine: their digests are unknown. */
  unopened: string[];
}

async function signedRecordings(dir: string, manifest: Manifest): Promise<SignedRecordings> {
  const out: SignedRecordings = { digests: [], unopened: [] };
  for (const s of manifest.steps) {
    const predicate = (decodeEnvelopePayload(s.attestation) as { predicate?: Record<string, unknown> } | undefined)?.predicate ?? {};
    const list = Array.isArray(predicate.recordings) ? predicate.recordings.filter((d): d is string => typeof d === 'string') : [];
    if (!isPrivateCommitment(predicate.outputs) && !isPrivateCommitment(predicate.inputs)) {
      out.digests.push(...list);
      continue;
    }
    // A private step signs salted commitments of its recording digests (proof/private-commitment.ts).
    const openingPath = join(dir, 'private', 'steps', `${s.stepId}.json`);
    const text = await readFile(openingPath, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (list.length > 0) out.unopened.push(s.stepId);
      continue;
    }
    const opening = parseJson(text, openingPath) as PrivateOpening;
    const problems = isRecord(opening) && Array.isArray(opening.recordings) ? checkOpening(predicate, opening, sha256Node) : ['not an opening'];
    if (problems.length > 0)
      throw new PcqError({
        code: 'PCQ_REPLAY_RECORDING_MISMATCH',
        message: `${openingPath} does not open step ${s.stepId}'s signed commitments: ${problems.join('; ')}`,
        hint: "The private data is not the run's; restore it (or unseal it with `pcq unseal`).",
      });
    out.digests.push(...opening.recordings);
  }
  return out;
}

async function readRecordingList(path: string, optional: boolean): Promise<Recording[]> {
  const text = optional ? await readFile(path, 'utf8').catch(() => undefined) : await readText(path, 'recordings');
  if (text === undefined) return [];
  const value = parseJson(text, path);
  // A hostile or damaged file is a coded, located refusal before the graph or any sandbox opens.
  const bad = Array.isArray(value) ? value.findIndex((r) => !isRecording(r)) : -1;
  if (!Array.isArray(value) || bad >= 0) {
    const what = Array.isArray(value)
      ? `entry ${bad} is not a recording {connector, request: {method, url}, response: {status, body}, key}`
      : `it is ${value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not a list of recordings`;
    throw new PcqError({ code: 'PCQ_REPLAY_RECORD_MALFORMED', message: `${path}: ${what}`, hint: 'Restore the execution folder from git.' });
  }
  return value as Recording[];
}

/** recordings.json (+ private/recordings.json) must hold exactly the exchanges the predicates sign: same digests, same count. */
async function readSignedRecordings(dir: string, manifest: Manifest): Promise<Recording[]> {
  const recordings = [
    ...(await readRecordingList(join(dir, 'recordings.json'), false)),
    ...(await readRecordingList(join(dir, 'private', 'recordings.json'), true)),
  ];
  const signed = await signedRecordings(dir, manifest);
  if (signed.unopened.length > 0) {
    throw new PcqError({
      code: 'PCQ_REPLAY_RECORD_MISSING',
      message: `the private data of step(s) ${signed.unopened.join(', ')} is not on this machine (private/), so their recorded responses cannot be checked or answered`,
      hint: 'Replay where the run ran, or unseal the private data first (`pcq unseal`).',
    });
  }
  const mismatch = (message: string) =>
    new PcqError({
      code: 'PCQ_REPLAY_RECORDING_MISMATCH',
      message: `${join(dir, 'recordings.json')}: ${message}`,
      hint: 'The recorded responses are not the ones the run signed; restore the execution folder from git.',
    });
  const wanted = new Map<string, number>();
  for (const d of signed.digests) wanted.set(d, (wanted.get(d) ?? 0) + 1);
  for (const [i, r] of recordings.entries()) {
    const d = recordingDigest(r);
    const left = wanted.get(d) ?? 0;
    if (left === 0) throw mismatch(`recording ${i} (${r.key}) digests to ${d}, which no step attestation signs`);
    wanted.set(d, left - 1);
  }
  const missing = [...wanted].filter(([, n]) => n > 0).map(([d]) => d);
  if (missing.length > 0) throw mismatch(`the attestations sign ${missing.length} recording(s) the file lacks: ${missing.join(', ')}`);
  return recordings;
}

async function readEffects(dir: string): Promise<Effect[]> {
  const effects: Effect[] = [];
  for (const [path, optional] of [
    [join(dir, 'effects.json'), false],
    [join(dir, 'private', 'effects.json'), true],
  ] as const) {
    const text = optional ? await readFile(path, 'utf8').catch(() => undefined) : await readText(path, 'effects');
    if (text === undefined) continue;
    const value = parseJson(text, path);
    if (!Array.isArray(value) || !value.every((e) => isRecord(e) && typeof e.digest === 'string')) {
      throw new PcqError({ code: 'PCQ_REPLAY_RECORD_MISSING', message: `${path} is not a list of effects`, hint: 'Restore the execution folder from git.' });
    }
    effects.push(...(value as Effect[]));
  }
  return effects;
}

export async function readSignedReplaySource(config: PcqConfig, dir: string): Promise<SignedReplaySource> {
  const manifest = await readVerifiedManifest(config, dir);
  const snapshot = await readRunbookSnapshot(dir, manifest);
  return {
    manifest,
    runbookFile: snapshot.file,
    runbookText: snapshot.text,
    recordings: await readSignedRecordings(dir, manifest),
    effects: await readEffects(dir),
  };
}

/** One signed dataset file that no longer reads back as signed. */
export interface DataChange {
  path: string;
  signed: string | null; // null: the replay loaded a file the run did not
  now: string | null; // null: missing
}

function dataChangedError(changes: readonly DataChange[]): PcqError {
  const list = changes.map((c) => `${c.path} (${c.now === null ? 'missing' : c.signed === null ? 'not loaded by the run' : 'changed'})`);
  return new PcqError({
    code: 'PCQ_REPLAY_DATA_CHANGED',
    message: `the dataset differs from the one the run loaded: ${list.join(', ')}`,
    hint: "A replay needs the data the run signed: restore these files (e.g. `git checkout <run commit> -- <file>`), or run the runbook again for a new execution on today's data.",
  });
}

/**
 * Before anything executes: each file the manifest binds must read back with its signed digest.
 * A run of a runbook with a dataset whose manifest binds none (sealed before `datasets` existed)
 * cannot be replayed faithfully and is refused.
 */
export async function checkSignedDatasets(root: string, manifest: Manifest, runbookHasDataset: boolean): Promise<void> {
  if (manifest.datasets === undefined) {
    if (!runbookHasDataset) return;
    throw new PcqError({
      code: 'PCQ_REPLAY_RECORD_MISSING',
      message: `manifest ${manifest.manifestId} binds no dataset digests, so the data its run loaded cannot be checked`,
      hint: 'Runs sealed before manifests carried `datasets` cannot be replayed; run the runbook again.',
    });
  }
  const changes: DataChange[] = [];
  for (const d of manifest.datasets) {
    const bytes = await readFile(resolve(root, d.path)).catch(() => undefined);
    const now = bytes === undefined ? null : sha256Hex(bytes);
    if (now !== d.digest) changes.push({ path: d.path, signed: d.digest, now });
  }
  if (changes.length > 0) throw dataChangedError(changes);
}

/** After loading: the files the replay actually loaded are exactly the signed ones (no race, no extra file). */
export function checkLoadedDatasets(signed: readonly ManifestDataset[], loaded: readonly ManifestDataset[]): void {
  const bySigned = new Map(signed.map((d) => [d.path, d.digest]));
  const byLoaded = new Map(loaded.map((d) => [d.path, d.digest]));
  const changes: DataChange[] = [];
  for (const [path, digest] of bySigned) if (byLoaded.get(path) !== digest) changes.push({ path, signed: digest, now: byLoaded.get(path) ?? null });
  for (const [path, digest] of byLoaded) if (!bySigned.has(path)) changes.push({ path, signed: null, now: digest });
  if (changes.length > 0) throw dataChangedError(changes.sort((a, b) => (a.path < b.path ? -1 : 1)));
}
