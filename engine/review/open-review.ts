// A run whose prover failed — a precondition or a postcondition, whatever happened downstream
// (issue 9) — opens an ombuds review (issue 4 §3): the ticket attestations/reviews/<executionId>.yaml
// and an email to the roster through the notify machinery (outbox by default). The notice is sent
// by the run after sealing, so it is not one of the run's signed effects (effects.json is the
// record a replay compares; the notice is about the run, not part of it).
// The message carries ids, the failed prover's sentence and the commands to decide — never the
// prover's raw details, inputs or environment, so nothing secret can leave through it.
import { join } from 'node:path';
import type { ChangeSet } from '../store/change-set.ts';
import { reviewTicketPath } from '../store/layout.ts';
import type { Notifier } from '../base/step-ports.ts';
import type { Manifest } from '../base/signed-records.ts';
import type { FailedProof } from '../base/run-record.ts';
import { PcqError } from '../base/errors.ts';
import { assignOmbuds, loadRoster, OMBUDS_FILE, type Roster } from './roster.ts';
import { actorIdentities } from './local-facts.ts';
import { openTicket, ticketPath, ticketToString, type Ticket } from './ticket.ts';

export interface OpenReviewInput {
  root: string; // repository root (policies/ombuds.yaml lives under it)
  attestationsDir: string;
  manifest: Manifest;
  failedProofs: readonly FailedProof[];
  notifier: Notifier;
  /** The run's change set: the ticket is committed with the run (store/execution-store.ts). */
  change: ChangeSet;
}

export interface OpenedReview {
  ticket: Ticket;
  path: string;
  assignedTo: string;
  /** The notice (e-mail text, reused by the escalation channels) and its facts (ids only). */
  notice: { to: string[]; subject: string; text: string };
  facts: Record<string, string>;
  /** Sends the notice; call it after the change set is committed, so it never points at a missing ticket. Resolves to the addresses. */
  sendNotice(): Promise<string[]>;
}

/**
 * The ticket for a sealed run whose prover failed (pure): the first failed postcondition in chain
 * order (what withheld the exports), else the first failed precondition (what stopped the run).
 */
export function ticketForRun(manifest: Manifest, failedProofs: readonly FailedProof[], roster: Roster): Ticket {
  const failed = failedProofs.find((f) => f.phase === 'postcondition') ?? failedProofs[0];
  if (!failed) {
    throw new PcqError({
      code: 'PCQ_REVIEW_NOTHING_FAILED',
      message: `run ${manifest.executionId} has no failed proof to review`,
      hint: 'Only a run with a failed precondition or postcondition opens an ombuds review.',
    });
  }
  // A CLI actor "local:<user>" is also the roster login <user> (local-facts.ts): never assign them.
  const assignee = assignOmbuds(roster, manifest.executionId, actorIdentities(manifest.actor).at(-1));
  return openTicket({
    runbookId: manifest.runbookId,
    executionId: manifest.executionId,
    manifestId: manifest.manifestId,
    merkleRoot: manifest.merkleRoot,
    failedStep: failed.stepId,
    failedProver: failed.proof.prover,
    reason: failed.proof.evidence,
    evidence: { ...(failed.proof.details ?? {}), phase: failed.phase, type: failed.proof.type },
    assignedTo: assignee.login,
    roster: roster.members.map((m) => m.login),
    createdAt: manifest.executedAt,
  });
}

function phaseOf(ticket: Ticket): string {
  return ticket.evidence['phase'] === 'precondition' ? 'precondition' : 'postcondition';
}

/** The escalation email (pure). Ids and the failing sentence only; see the header. */
export function reviewNotice(ticket: Ticket, roster: Roster): { to: string[]; subject: string; text: string } {
  const assignee = roster.members.find((m) => m.login === ticket.assignedTo);
  const lines = [
    `A failed ${phaseOf(ticket)} blocked the exports of run ${ticket.executionId} (${ticket.runbookId}).`,
    '',
    `Failed step:   ${ticket.failedStep}`,
    `Failed prover: ${ticket.failedProver}`,
    `Reason:        ${ticket.reason}`,
    `Merkle root:   ${ticket.merkleRoot}`,
    `Assigned to:   ${assignee ? `${assignee.name} (${assignee.login})` : ticket.assignedTo}`,
    '',
    `Ticket: ${ticketPath(ticket.executionId)}`,
    'Decide it as an ombuds other than the person who asked for the run:',
    `  pcq review approve ${ticket.executionId} --by <login> --comment "…"`,
    `  pcq review reject ${ticket.executionId} --by <login> --comment "…"`,
    `  pcq review request-info ${ticket.executionId} --by <login> --comment "…"`,
    '',
    'The exports stay withheld until an approval by a roster ombuds is recorded.',
  ];
  return {
    to: roster.members.map((m) => m.email),
    subject: `[pcq] Ombuds review needed: ${ticket.runbookId} ${ticket.executionId} blocked by ${ticket.failedProver}`,
    text: lines.join('\n') + '\n',
  };
}

export async function openReviewForRun(input: OpenReviewInput): Promise<OpenedReview> {
  const roster = await loadRoster(join(input.root, OMBUDS_FILE));
  const ticket = ticketForRun(input.manifest, input.failedProofs, roster);
  const path = reviewTicketPath(input.attestationsDir, ticket.executionId);
  if ((await input.change.read(path)) !== undefined) {
    throw new PcqError({
      code: 'PCQ_REVIEW_EXISTS',
      message: `${path} already exists`,
      hint: 'An execution id is opened once; run the runbook again for a new execution.',
    });
  }
  input.change.put(path, ticketToString(ticket));
  const notice = reviewNotice(ticket, roster);
  const sendNotice = async () => {
    await input.notifier.send({ channel: 'email', ...notice }, AbortSignal.timeout(30_000));
    return notice.to;
  };
  const facts = {
    runbookId: ticket.runbookId,
    executionId: ticket.executionId,
    failedStep: ticket.failedStep,
    failedProver: ticket.failedProver,
    assignedTo: ticket.assignedTo,
    ticket: ticketPath(ticket.executionId),
  };
  return { ticket, path, assignedTo: ticket.assignedTo, notice, facts, sendNotice };
}
