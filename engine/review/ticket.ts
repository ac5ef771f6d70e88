// The ombuds review ticket, `attestations/reviews/<executionId>.yaml` (FORMATS.md): the seed's
// {runbookId, failedStep, failedProver, reason, assignedTo} plus what ties it to one sealed run
// (executionId, manifestId, merkleRoot) and the decisions taken on it — a copy of the manifest's
// signed review attestations, which alone decide the state (review/signed-decisions.ts). parseTicket ⇄ ticketToString
// round-trip exactly; a malformed file is a list of coded issues with file:line:col, never a crash.
import { LineCounter, isMap, isSeq, parseDocument, stringify, type Node } from 'yaml';
import { yamlValue } from '../runtime/yaml-value.ts';
import { PcqErrors, type PcqIssue, type SourceLocation } from '../base/errors.ts';
import { ISO_INSTANT, TICKET_STATES, decisionFields, readDecision, type Decision, type TicketState } from './decision.ts';

export interface Ticket {
  runbookId: string;
  executionId: string;
  manifestId: string;
  merkleRoot: string; // sha256:<hex>
  failedStep: string;
  failedProver: string;
  reason: string; // the failing prover's evidence sentence
  evidence: Record<string, unknown>; // the failing prover's machine-readable details
  assignedTo: string;
  roster: string[];
  state: TicketState;
  createdAt: string; // ISO-8601 UTC (the run's asOf or the wall clock when the ticket was opened)
  decisions: Decision[];
}

/** Execution ids become file names: no separators, no dot-dot, nothing a shell or a URL mangles. */
export const EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MERKLE_ROOT = /^sha256:[0-9a-f]{64}$/;
const FIELDS = [
  'runbookId',
  'executionId',
  'manifestId',
  'merkleRoot',
  'failedStep',
  'failedProver',
  'reason',
  'evidence',
  'assignedTo',
  'roster',
  'state',
  'createdAt',
  'decisions',
] as const;

export function ticketPath(executionId: string): string {
  return `attestations/reviews/${executionId}.yaml`;
}

export function openTicket(fields: Omit<Ticket, 'state' | 'decisions'>): Ticket {
  return { ...fields, state: 'open', decisions: [] };
}

const HEADER =
  "# pcq ombuds review ticket. A prover failed, so this run's exports are withheld.\n" +
  '# Decide by reviewing the pull request: approve (release), request changes (reject), or comment\n' +
  '# (ask for more information). Only a roster ombuds who did not open or push to the PR counts.\n';

export function ticketToString(ticket: Ticket): string {
  const ordered: Record<string, unknown> = {};
  for (const key of FIELDS) ordered[key] = key === 'decisions' ? ticket.decisions.map(decisionFields) : ticket[key];
  return HEADER + stringify(ordered, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

export function parseTicket(source: string, file: string): Ticket {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const posAt = (offset: number): SourceLocation => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    throw new PcqErrors(
      doc.errors.map((e) => ({
        code: 'PCQ_TICKET_MALFORMED',
        message: `${file} is not valid YAML: ${e.message.split('\n')[0]}`,
        hint: 'Restore the ticket from git; it is written by pcq.',
        location: posAt(e.pos[0]),
      })),
    );
  }
  const locate = (path: Array<string | number>): SourceLocation => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
        node = node.items[key];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    return posAt(offset);
  };
  const issues: PcqIssue[] = [];
  const bad = (path: Array<string | number>, message: string, hint: string) =>
    void issues.push({ code: 'PCQ_TICKET_INVALID', message: `${file}: ${message}`, hint, location: locate(path) });
  const value = yamlValue(doc, 0, (why) => ({
    code: 'PCQ_TICKET_MALFORMED',
    message: `${file}: ${why}`,
    hint: 'Restore the ticket from git; it is written by pcq.',
    location: posAt(0),
  }));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PcqErrors([
      {
        code: 'PCQ_TICKET_MALFORMED',
        message: `${file}: a ticket must be a YAML mapping`,
        hint: 'Restore the ticket from git; it is written by pcq.',
        location: posAt(0),
      },
    ]);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v))
    if (!(FIELDS as readonly string[]).includes(key)) bad([key], `unknown field "${key}"`, `A ticket has only ${FIELDS.join(', ')}.`);
  const text = (key: (typeof FIELDS)[number], pattern?: RegExp, shape?: string): string => {
    const x = v[key];
    if (typeof x !== 'string' || x.trim() === '') bad([key], `\`${key}\` must be a non-empty string`, `Add \`${key}\`.`);
    else if (pattern && !pattern.test(x)) bad([key], `\`${key}\` "${x}" is not ${shape}`, `Write ${shape}.`);
    return typeof x === 'string' ? x : '';
  };
  const ticket = {
    runbookId: text('runbookId'),
    executionId: text('executionId', EXECUTION_ID, 'an execution id (letters, digits, . _ -)'),
    manifestId: text('manifestId'),
    merkleRoot: text('merkleRoot', MERKLE_ROOT, 'sha256:<64 lower-case hex>'),
    failedStep: text('failedStep'),
    failedProver: text('failedProver'),
    reason: text('reason'),
    evidence: {} as Record<string, unknown>,
    assignedTo: text('assignedTo'),
    roster: [] as string[],
    state: text('state') as TicketState,
    createdAt: text('createdAt', ISO_INSTANT, 'an ISO-8601 UTC time such as 2026-01-05T10:00:00Z'),
    decisions: [] as Decision[],
  };
  if (v.evidence !== null && typeof v.evidence === 'object' && !Array.isArray(v.evidence)) ticket.evidence = v.evidence as Record<string, unknown>;
  else bad(['evidence'], '`evidence` must be a mapping', 'Write `evidence: {}` when there is none.');
  if (Array.isArray(v.roster) && v.roster.length > 0 && v.roster.every((x) => typeof x === 'string' && x !== '')) ticket.roster = v.roster as string[];
  else bad(['roster'], '`roster` must be a non-empty list of logins', 'List the roster the ticket was opened with.');
  if (ticket.state && !TICKET_STATES.includes(ticket.state))
    bad(['state'], `state "${ticket.state}" is not one of ${TICKET_STATES.join(', ')}`, 'Use open, approved, rejected or info-requested.');
  if (!Array.isArray(v.decisions)) bad(['decisions'], '`decisions` must be a list', 'Write `decisions: []` when there are none.');
  else
    v.decisions.forEach((d, i) => {
      const decision = readDecision(d, `decision ${i + 1}`, issues, (p) => locate(['decisions', i, ...p.filter((k) => k !== '')]));
      if (!decision) return;
      if (ticket.executionId && decision.executionId !== ticket.executionId)
        bad(
          ['decisions', i, 'executionId'],
          `decision ${i + 1} is for execution ${decision.executionId}, not ${ticket.executionId}`,
          "A ticket holds only its own execution's decisions.",
        );
      ticket.decisions.push(decision);
    });
  // `state` and `decisions` are a copy of the signed reviews, which pcq rewrites at every decision:
  // they are read for their shape only and believed by nothing (review/signed-decisions.ts), so a
  // hand edit neither changes what is shown nor locks the ombuds out.
  if (issues.length > 0) throw new PcqErrors(issues);
  return ticket;
}
