// The notice a paused run sends (FORMATS.md "Approval steps"): to the approvers of the approval
// step it waits at — the members of the ombuds roster (policies/ombuds.yaml) it names, or the whole
// roster — through the run's notifier (outbox by default), after the paused state is committed.
// Like the review notice (open-review.ts) it carries ids, the step's message and the commands to
// decide, never step data.
import { join } from 'node:path';
import type { Manifest, ManifestPause } from '../base/signed-records.ts';
import { loadRoster, OMBUDS_FILE, type Roster } from './roster.ts';

export interface PauseNotice {
  to: string[];
  subject: string;
  text: string;
}

/** Who may decide a pause: the roster members the step names, or every member ([] = the whole roster). */
export function pauseApprovers(roster: Roster, pause: ManifestPause): Roster['members'] {
  if (pause.approvers.length === 0) return roster.members;
  const named = new Set(pause.approvers.map((a) => a.toLowerCase()));
  return roster.members.filter((m) => named.has(m.login.toLowerCase()));
}

export function pauseNotice(manifest: Manifest, pause: ManifestPause, roster: Roster): PauseNotice {
  const approvers = pauseApprovers(roster, pause);
  const id = manifest.executionId;
  const lines = [
    `Run ${id} (${manifest.runbookId} v${manifest.version}) is paused at approval step ${pause.stepId}:`,
    '',
    `  ${pause.message}`,
    '',
    `Signed so far: ${manifest.steps.length} step(s), Merkle root ${manifest.merkleRoot}`,
    `Approvers: ${approvers.map((m) => `${m.name} (${m.login})`).join(', ')}`,
    '',
    'Decide with your own reviewer key (you cannot decide a run you asked for):',
    `  pcq approve ${id} --decision approve --by <login> [--input name=value]`,
    `  pcq approve ${id} --decision reject --by <login> --comment "…"`,
    '',
    'Approve resumes the run from the pause; reject ends it with its exports withheld.',
    '',
    `In GitHub Actions, the pause pull request (branch pcq/approval/${manifest.runbookId}/${id}) asks the same:`,
    'approve it (inputs in one ```yaml block of the review) or request changes.',
  ];
  return {
    to: approvers.map((m) => m.email),
    subject: `[pcq] Approval needed: ${manifest.runbookId} ${id} paused at ${pause.stepId}`,
    text: lines.join('\n') + '\n',
  };
}

export async function loadPauseNotice(root: string, manifest: Manifest, pause: ManifestPause): Promise<PauseNotice> {
  return pauseNotice(manifest, pause, await loadRoster(join(root, OMBUDS_FILE)));
}
