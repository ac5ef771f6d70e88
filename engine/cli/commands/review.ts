// `pcq review list|approve|reject|request-info`: the local backend of the ombuds review (issue 4 §4).
// Decisions go through review/decide.ts, the same function the GitHub Action calls with PR facts,
// so the CLI is held to the docs/design.md §6 rules; a refused decision prints its coded reasons, exits 1
// and changes nothing.
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, reportIssues, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { loadReviewerSigner } from '../../runtime/reviewer-keys.ts';
import { loadRunnerSigner } from '../../runtime/keys.ts';
import { decideReview } from '../../review/decide.ts';
import { createRunLogger, logRunEvent } from '../../runtime/run-log.ts';
import { recoverStore } from '../../store/execution-store.ts';
import { listReviews } from '../../review/review-list.ts';
import { listFailedRuns } from '../../review/failed-runs.ts';
import { TICKET_STATES, type TicketState } from '../../review/decision.ts';
import { loadRoster, rosterLogins, OMBUDS_FILE } from '../../review/roster.ts';
import type { SignedReviewContext } from '../../review/signed-decisions.ts';
import { loadTrustStore } from '../../runtime/trust-store.ts';
import { join } from 'node:path';
import type { ReviewDecisionKind } from '../../review/approval-rules.ts';

const USAGE = `Usage: pcq review list [--state open|approved|rejected|info-requested] [--json]
       pcq review approve|reject|request-info <executionId> --by <login> [--comment TEXT]
                  [--ticket-digest sha256:…] [--json]

A postcondition that fails blocks a run's exports and opens an ombuds review
(attestations/reviews/<executionId>.yaml). An ombuds on policies/ombuds.yaml decides it:
  approve        release the withheld exports (verdict approved)
  reject         keep them withheld for good (verdict rejected)
  request-info   keep the review open (state info-requested)
The decision is signed with YOUR reviewer key (a reviewer-signed review attestation appended to
the run's manifest): PCQ_REVIEWER_SECRET, else .pcq/keys/reviewer-<login>.secret made by
\`pcq keys generate --reviewer <login>\`; the trust store must list its G… key with role reviewer
and \`login: <login>\`. The ticket is rewritten from the signed decisions and the verdict files are
re-signed. Refused, with nothing changed: the run's own actor, anyone off the roster, a bot, a key
that is not the reviewer's own, a decided review, or a ticket other than the one you saw.

Options:
  --by LOGIN            the deciding ombuds (required for decisions); signs with their key
  --comment TEXT        why (recorded in the ticket and the signed review)
  --ticket-digest D     the digest of the ticket you reviewed (from \`review list --json\`); the
                        decision is refused if the ticket changed since (default: current)
  --state S             list only reviews in state S
  --json                machine-readable output
  --root DIR            repository root (default: .)
  -h, --help            this text

Exit codes: 0 done · 1 decision refused · 2 bad arguments · 3 unreadable ticket or policy
`;

const DECISIONS: readonly ReviewDecisionKind[] = ['approve', 'reject', 'request-info'];

export const command: Command = {
  name: 'review',
  summary: 'List ombuds reviews; approve, reject or request info',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        by: { type: 'string' },
        comment: { type: 'string' },
        'ticket-digest': { type: 'string' },
        state: { type: 'string' },
        json: { type: 'boolean' },
        ...CONFIG_FLAG_OPTIONS,
      },
      'review',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const [sub, ...rest] = positionals;
    const json = values.json === true;
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    if (sub === 'list') {
      if (rest.length > 0) throw new PcqError({ code: 'PCQ_USAGE', message: 'review list takes no arguments', hint: 'Filter with --state.' });
      const state = values.state as TicketState | undefined;
      if (state !== undefined && !TICKET_STATES.includes(state)) {
        throw new PcqError({ code: 'PCQ_USAGE', message: `--state must be one of ${TICKET_STATES.join(', ')}`, hint: 'Run `pcq review --help`.' });
      }
      const recovered = await recoverStore(config.attestationsDir); // finish what a killed process left first
      const listed = await listReviews(config.attestationsDir, await signedContext(config), state);
      const reviews = listed.reviews;
      const issues = [...recovered.issues, ...listed.issues];
      // Failed runs (no prover failed, nothing to decide) are listed beside the tickets, unfiltered by state.
      const failedRuns = state === undefined ? await listFailedRuns(config.attestationsDir) : [];
      if (json) {
        printJson(io, { reviews: reviews.map((r) => ({ ...r.ticket, path: r.path, digest: r.digest })), failedRuns, issues });
      } else {
        io.stdout(
          table(
            reviews.map((r) => [
              r.ticket.executionId,
              r.ticket.runbookId,
              r.ticket.failedStep,
              r.ticket.failedProver,
              r.ticket.reason,
              r.ticket.assignedTo,
              r.ticket.state,
            ]),
          ),
        );
        if (failedRuns.length > 0)
          io.stdout(
            `\nFailed runs (a step failed, no prover did: nothing to decide, exports withheld):\n${failedRuns.map((e) => `  ${e.executionId}  ${e.runbookId}  ${e.path}`).join('\n')}\n`,
          );
        for (const issue of issues) io.stderr(`${issue.code} ${issue.message}\n`);
      }
      return issues.length > 0 ? EXIT.invalid : EXIT.ok;
    }
    if (!DECISIONS.includes(sub as ReviewDecisionKind)) {
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: `review: expected list, approve, reject or request-info, got ${sub ?? 'nothing'}`,
        hint: 'Run `pcq review --help`.',
      });
    }
    if (rest.length !== 1)
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: `review ${sub}: expected exactly one execution id`,
        hint: `Run \`pcq review ${sub} <executionId> --by <login>\`.`,
      });
    if (typeof values.by !== 'string' || values.by.trim() === '')
      throw new PcqError({ code: 'PCQ_USAGE', message: `review ${sub}: --by <login> is required`, hint: 'Name the deciding ombuds.' });
    try {
      // The reviewer's own key (PCQ_REVIEWER_SECRET or .pcq/keys/reviewer-<login>.secret), never the runner's.
      const { signer } = await loadReviewerSigner(config.root, values.by.trim(), config.env);
      // The verdict files follow from the manifest; the runner key re-signs them, as after a run.
      const { signer: verdictSigner } = await loadRunnerSigner({ env: config.env, root: config.root, mode: config.mode, signer: config.signer });
      const result = await decideReview({
        config,
        executionId: rest[0]!,
        decision: sub as ReviewDecisionKind,
        reviewer: values.by.trim(),
        ...(typeof values.comment === 'string' ? { comment: values.comment } : {}),
        ...(typeof values['ticket-digest'] === 'string' ? { seenDigest: values['ticket-digest'] } : {}),
        source: { kind: 'local' },
        signer,
        verdictSigner,
      });
      // The typed event on the structured log (stderr), as `pcq run` logs review-opened.
      logRunEvent(createRunLogger({ level: config.logLevel, write: io.stderr }), {
        type: 'review-decided',
        executionId: result.ticket.executionId,
        decision: String(sub),
        by: values.by.trim(),
      });
      if (json) {
        printJson(io, {
          ok: true,
          executionId: result.ticket.executionId,
          decision: sub,
          reviewer: values.by,
          state: result.ticket.state,
          verdict: result.verdict,
          released: result.released,
          unchanged: result.unchanged,
          ticket: result.ticketPath,
        });
      } else {
        // A retried decision (same reviewer, same final decision) is already in the manifest: say so.
        const done = result.unchanged ? 'was already recorded (nothing changed)' : 'recorded';
        io.stdout(
          `✅ ${sub} by ${values.by} ${done} for ${result.ticket.executionId}: review ${result.ticket.state}, verdict ${result.verdict}` +
            (result.released.length > 0 ? `\nreleased: ${result.released.join(', ')}` : '') +
            '\n',
        );
      }
      return EXIT.ok;
    } catch (err) {
      return reportIssues(io, err, json);
    }
  },
};

/** What the shown state is verified against: the trust store (with the overlay in dev) and roster. */
async function signedContext(config: { root: string; mode: string }): Promise<SignedReviewContext> {
  const trust = await loadTrustStore({ root: config.root, includeLocal: config.mode === 'dev' });
  return { trust, roster: rosterLogins(await loadRoster(join(config.root, OMBUDS_FILE))) };
}

function table(rows: string[][]): string {
  const head = ['execution', 'runbook', 'failed step', 'prover', 'reason', 'assignee', 'state'];
  if (rows.length === 0) return 'No ombuds reviews.\n';
  const clip = (s: string) => (s.length > 60 ? s.slice(0, 59) + '…' : s);
  const all = [head, ...rows.map((r) => r.map(clip))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return (
    all
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
