// The review PR's description as a value object. Humans read the markdown; pcq reads the hidden
// block `<!-- pcq:review {json} -->`, so PrBody.parse(body.render()) gives the same facts back and a
// re-run can recognise (and update) its own PR. GitHub refuses a PR body over 65,536 characters, so
// the evidence — the only unbounded part — is truncated with a notice; the full evidence is in the
// ticket file the PR adds (and its digest is in the hidden block).
import { createHash } from 'node:crypto';
import { PcqError } from '../base/errors.ts';

export const GITHUB_BODY_LIMIT = 65_536;
const REASON_LIMIT = 4_000;
const ROSTER_SHOWN = 50;
const MARKER = 'pcq:review';

export interface PrBodyData {
  runbookId: string;
  executionId: string;
  manifestId: string;
  merkleRoot: string;
  ticketPath: string;
  failedStep: string;
  failedProver: string;
  reason: string;
  assignedTo: string;
  roster: string[];
  manifestPath: string;
  /** The failing prover's details; replaced by null in the hidden block when it does not fit. */
  evidence: unknown;
}

/** What the hidden block keeps: everything, with evidence only when it fits (digest always). */
export interface ParsedPrBody extends PrBodyData {
  evidenceDigest: string;
  evidenceTruncated: boolean;
}

const REQUIRED_STRINGS = [
  'runbookId',
  'executionId',
  'manifestId',
  'merkleRoot',
  'ticketPath',
  'failedStep',
  'failedProver',
  'reason',
  'assignedTo',
  'manifestPath',
] as const;

function evidenceText(evidence: unknown): string {
  return JSON.stringify(evidence ?? null, null, 2) ?? 'null';
}

function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** JSON inside an HTML comment: `<` and `>` only occur inside strings, so escaping them keeps `-->` out. */
function commentSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

/** Code fences longer than any backtick run inside, so evidence cannot close its own block. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function truncateReason(reason: string): string {
  return reason.length <= REASON_LIMIT ? reason : `${reason.slice(0, REASON_LIMIT)}… (truncated; the full text is in the ticket)`;
}

export class PrBody {
  readonly data: PrBodyData;

  constructor(data: PrBodyData) {
    this.data = data;
  }

  title(): string {
    return `pcq review: ${this.data.runbookId} run ${this.data.executionId} blocked by ${this.data.failedProver}`.slice(0, 256);
  }

  render(): string {
    const d = this.data;
    const fullEvidence = evidenceText(d.evidence);
    const evidenceDigest = digestOf(fullEvidence);
    const reason = truncateReason(d.reason);
    const roster =
      d.roster
        .slice(0, ROSTER_SHOWN)
        .map((l) => `@${l}`)
        .join(', ') + (d.roster.length > ROSTER_SHOWN ? `, … (${d.roster.length - ROSTER_SHOWN} more)` : '');
    const head = [
      `## Ombuds review: ${d.runbookId} / ${d.executionId}`,
      '',
      `A postcondition failed, so this run's exports are **withheld** until an ombuds decides.`,
      '',
      '| | |',
      '|---|---|',
      `| Runbook | \`${d.runbookId}\` |`,
      `| Execution | \`${d.executionId}\` |`,
      `| Manifest | \`${d.manifestPath}\` (\`${d.manifestId}\`) |`,
      `| Merkle root | \`${d.merkleRoot}\` |`,
      `| Failed step | \`${d.failedStep}\` |`,
      `| Failed prover | \`${d.failedProver}\` |`,
      `| Assigned to | @${d.assignedTo} |`,
      '',
      '### Reason',
      '',
      reason
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n'),
      '',
      '### How to decide',
      '',
      '- **Approve** this PR to release the exports (the override is recorded as a signed attestation).',
      '- **Request changes** to reject: the exports stay withheld for good.',
      '- **Comment** to ask for more information: the review stays open.',
      '',
      `Only a roster ombuds (${roster}) who did not open or push to this PR can decide, on the current head commit, and this PR must change nothing but \`${d.ticketPath}\` (docs/design.md §6).`,
      '',
      '### Evidence',
      '',
    ].join('\n');
    const hidden = (evidenceTruncated: boolean) => {
      const block: ParsedPrBody = { ...d, reason, evidence: evidenceTruncated ? null : (d.evidence ?? null), evidenceDigest, evidenceTruncated };
      return `\n\n<!-- ${MARKER} ${commentSafeJson(block)} -->\n`;
    };
    const whole = `${head}${fenced(fullEvidence, 'json')}${hidden(false)}`;
    if (whole.length <= GITHUB_BODY_LIMIT) return whole;
    const tail = hidden(true);
    const notice = `\n\n_Evidence truncated to fit GitHub's ${GITHUB_BODY_LIMIT.toLocaleString('en')}-character limit; the full evidence (${evidenceDigest}) is in \`${d.ticketPath}\`._`;
    const budget = GITHUB_BODY_LIMIT - head.length - tail.length - notice.length - 64;
    if (budget < 0) {
      throw new PcqError({
        code: 'PCQ_PR_BODY_TOO_LARGE',
        message: "the review PR body does not fit GitHub's limit even without evidence",
        hint: 'Shorten the roster or the ids; this should not happen with pcq-written tickets.',
      });
    }
    const shown = fullEvidence.slice(0, budget);
    return `${head}${fenced(`${shown}\n…`, 'json')}${notice}${tail}`;
  }

  /** Reads the hidden block back; a body without one, or with a damaged one, is a coded error. */
  static parse(markdown: string): ParsedPrBody {
    const start = markdown.lastIndexOf(`<!-- ${MARKER} `);
    const end = start < 0 ? -1 : markdown.indexOf(' -->', start);
    const fail = (why: string) =>
      new PcqError({
        code: 'PCQ_PR_BODY_INVALID',
        message: `the PR description is not a pcq review body: ${why}`,
        hint: 'pcq writes review PR bodies; restore the description from the PR history or re-run the blocked run.',
      });
    if (start < 0 || end < 0) throw fail(`no <!-- ${MARKER} … --> block`);
    let value: unknown;
    try {
      value = JSON.parse(markdown.slice(start + `<!-- ${MARKER} `.length, end));
    } catch (err) {
      throw fail(`the hidden block is not JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('the hidden block is not an object');
    const v = value as Record<string, unknown>;
    for (const key of [...REQUIRED_STRINGS, 'evidenceDigest']) if (typeof v[key] !== 'string') throw fail(`\`${key}\` is missing or not a string`);
    if (!Array.isArray(v.roster) || !v.roster.every((x) => typeof x === 'string')) throw fail('`roster` is not a list of logins');
    if (typeof v.evidenceTruncated !== 'boolean') throw fail('`evidenceTruncated` is not a boolean');
    if (!('evidence' in v)) throw fail('`evidence` is missing');
    return v as unknown as ParsedPrBody;
  }
}
