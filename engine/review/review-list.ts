// Reads every ombuds ticket under attestations/reviews/ for `pcq review list` (and the Action).
// A damaged ticket does not hide the others: it is reported as coded issues beside the list.
// The state and decisions shown are the ones the run's signed review attestations give (verified
// against the trust store and roster: review/signed-decisions.ts), never the ticket's own text.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toIssues, type PcqIssue } from '../base/errors.ts';
import { parseTicket, ticketPath, type Ticket } from './ticket.ts';
import type { TicketState } from './decision.ts';
import { ticketDigest } from './local-facts.ts';
import { readSignedTicket } from './signed-ticket.ts';
import type { SignedReviewContext } from './signed-decisions.ts';

export interface ReviewEntry {
  ticket: Ticket;
  path: string; // attestations/reviews/<executionId>.yaml (repository-relative form)
  digest: string; // sha256 of the ticket bytes: what a local decision must have seen (--ticket-digest)
}

export async function listReviews(
  attestationsDir: string,
  signed: SignedReviewContext,
  state?: TicketState,
): Promise<{ reviews: ReviewEntry[]; issues: PcqIssue[] }> {
  const dir = join(attestationsDir, 'reviews');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.yaml') && !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { reviews: [], issues: [] };
    throw err;
  }
  const reviews: ReviewEntry[] = [];
  const issues: PcqIssue[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    const shown = ticketPath(name.slice(0, -'.yaml'.length));
    try {
      const ticket = await readSignedTicket(attestationsDir, parseTicket(text, shown), signed);
      if (state === undefined || ticket.state === state) reviews.push({ ticket, path: shown, digest: ticketDigest(text) });
    } catch (err) {
      issues.push(...toIssues(err));
    }
  }
  reviews.sort((a, b) =>
    a.ticket.createdAt === b.ticket.createdAt ? a.ticket.executionId.localeCompare(b.ticket.executionId) : b.ticket.createdAt.localeCompare(a.ticket.createdAt),
  );
  return { reviews, issues };
}
