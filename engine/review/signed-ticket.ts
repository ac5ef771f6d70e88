// A ticket as `pcq review list` shows it: its run's manifest is read and checked to be the one the
// ticket names, and the state and decisions are replaced by the ones the manifest's signed review
// attestations give (review/signed-decisions.ts). A ticket whose run cannot be read is a coded
// error naming the file, never a believed state.
import { PcqError } from '../base/errors.ts';
import { executionPaths } from '../store/layout.ts';
import { readOptional } from '../store/read-optional.ts';
import { signedReviewState, ticketWithSignedState, type SignedReviewContext } from './signed-decisions.ts';
import type { Ticket } from './ticket.ts';

/** The manifest of the ticket's run, parsed and checked to be that run's (not cast). */
export async function readTicketManifest(attestationsDir: string, ticket: Ticket): Promise<Record<string, unknown>> {
  const path = executionPaths(attestationsDir, ticket.runbookId, ticket.executionId).manifest;
  const text = await readOptional(path);
  const wrong = (message: string, code: 'PCQ_REVIEW_WRONG_EXECUTION' | 'PCQ_MANIFEST_MALFORMED' = 'PCQ_REVIEW_WRONG_EXECUTION') =>
    new PcqError({ code, message, hint: 'A ticket belongs to one sealed run; restore the ticket or the run from git.' });
  if (text === undefined) throw wrong(`review ${ticket.executionId}: its run has no manifest at ${path}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw wrong(`${path} is not JSON`, 'PCQ_MANIFEST_MALFORMED');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw wrong(`${path} is not a manifest object`, 'PCQ_MANIFEST_MALFORMED');
  const m = value as Record<string, unknown>;
  if (m.executionId !== ticket.executionId || m.merkleRoot !== ticket.merkleRoot || m.manifestId !== ticket.manifestId) {
    throw wrong(
      `the ticket of ${ticket.executionId} reviews Merkle root ${ticket.merkleRoot}, but ${path} is of ${String(m.executionId)} with ${String(m.merkleRoot)}`,
    );
  }
  return m;
}

export async function readSignedTicket(attestationsDir: string, ticket: Ticket, ctx: SignedReviewContext): Promise<Ticket> {
  const manifest = await readTicketManifest(attestationsDir, ticket);
  return ticketWithSignedState(ticket, (await signedReviewState(manifest, ctx)).counted);
}
