// The pause switch for new runs (seed "Runner Operations Playbook", incident response step 1):
// policies/pause.yaml `paused: true` refuses every new run with PCQ_RUNS_PAUSED before anything
// runs (CLI and Action alike, run/run-runbook.ts calls it first). Runs already open still finalize.
// Absent file = not paused. A malformed file refuses too (PCQ_CONFIG_INVALID): an operator who
// meant to pause must not get a run because of a typo.
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { PcqError, PcqErrors } from '../base/errors.ts';
import { readOptional } from '../store/read-optional.ts';
import { yamlValue } from './yaml-value.ts';

export const PAUSE_FILE = 'policies/pause.yaml';

export interface PauseState {
  paused: boolean;
  reason?: string;
}

export async function readPauseSwitch(root: string): Promise<PauseState> {
  const text = await readOptional(join(root, PAUSE_FILE));
  return text === undefined ? { paused: false } : parsePauseSwitch(text);
}

/** Parses policies/pause.yaml (PcqErrors PCQ_CONFIG_INVALID when malformed); `pcq validate` checks it too. */
export function parsePauseSwitch(text: string): PauseState {
  const bad = (why: string) => ({
    code: 'PCQ_CONFIG_INVALID' as const,
    message: `${PAUSE_FILE}: ${why}`,
    hint: "Write `paused: true` or `paused: false` (and optionally `reason: …`), as the file's header says.",
    location: { file: PAUSE_FILE, line: 1, col: 1 },
  });
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) throw new PcqErrors([bad(doc.errors[0]!.message.split('\n')[0]!)]);
  const value = yamlValue(doc, 0, bad) as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null || typeof value.paused !== 'boolean' || (value.reason !== undefined && typeof value.reason !== 'string'))
    throw new PcqErrors([bad('must be a map with paused: true|false and an optional reason')]);
  return value.reason ? { paused: value.paused, reason: value.reason } : { paused: value.paused };
}

/** Refuses with PCQ_RUNS_PAUSED when new runs are paused. */
export async function checkPauseSwitch(root: string): Promise<void> {
  const state = await readPauseSwitch(root);
  if (state.paused) {
    throw new PcqError({
      code: 'PCQ_RUNS_PAUSED',
      message: `new runs are paused (${PAUSE_FILE})${state.reason ? `: ${state.reason}` : ''}; refused before any step started, nothing was written`,
      hint: 'Resume by setting paused: false in policies/pause.yaml once the incident is over.',
    });
  }
}
