// The Action's pause pull request as values (FORMATS.md "Approval steps", "In the Action"), mirroring
// the ombuds review PR (pr-branch.ts, pr-body.ts):
//   - its branch `pcq/approval/<runbookId>/<executionId>` (how the review workflow knows which paused
//     run a review decides, and how a re-run finds the PR instead of opening a second one);
//   - its ONE file, the approval request `attestations/approvals/<executionId>.yaml`: what is asked,
//     of whom, with which input schema, on which paused Merkle root. It is what the PR changes, so the
//     ombuds rule "the PR changes only the file it was opened for" applies unchanged; it lives only on
//     the PR branch (the PR is closed, never merged) and pcq never reads it back as an input;
//   - its description: what ran so far, the step's question, the input schema, who may decide and how.
// Everything rendered here passes the secret registry (base/secrets.ts redactText) before GitHub sees it.
import { stringify } from 'yaml';
import { redactText } from '../base/secrets.ts';
import { PcqError } from '../base/errors.ts';
import type { Manifest, ManifestPause } from '../base/signed-records.ts';
import { checkSegment } from './pr-branch.ts';

const PREFIX = 'pcq/approval/';
export const APPROVALS_DIR = 'attestations/approvals';
export const GITHUB_BODY_LIMIT = 65_536;
const SCHEMA_SHOWN = 16_000;

export class ApprovalBranch {
  readonly runbookId: string;
  readonly executionId: string;

  constructor(runbookId: string, executionId: string) {
    const whole = `${PREFIX}${runbookId}/${executionId}`;
    this.runbookId = checkSegment('runbookId', runbookId, whole, PREFIX);
    this.executionId = checkSegment('executionId', executionId, whole, PREFIX);
  }

  toString(): string {
    return `${PREFIX}${this.runbookId}/${this.executionId}`;
  }

  /** Accepts the bare branch name or `refs/heads/…`; anything else is PCQ_PR_BRANCH_INVALID. */
  static parse(text: string): ApprovalBranch {
    const name = text.startsWith('refs/heads/') ? text.slice('refs/heads/'.length) : text;
    const parts = name.startsWith(PREFIX) ? name.slice(PREFIX.length).split('/') : [];
    if (parts.length !== 2) {
      throw new PcqError({
        code: 'PCQ_PR_BRANCH_INVALID',
        message: `"${text}" is not a pcq pause branch: expected ${PREFIX}<runbookId>/<executionId>.`,
        hint: 'pcq names pause branches when a run pauses at an approval step; do not rename them.',
      });
    }
    return new ApprovalBranch(parts[0]!, parts[1]!);
  }

  static isApprovalBranch(text: string): boolean {
    try {
      ApprovalBranch.parse(text);
      return true;
    } catch {
      return false;
    }
  }
}

/** The request file's repository path (the one file a pause PR changes). */
export function approvalRequestPath(executionId: string): string {
  return `${APPROVALS_DIR}/${executionId}.yaml`;
}

export interface PauseFacts {
  manifest: Pick<Manifest, 'runbookId' | 'version' | 'executionId' | 'manifestId' | 'merkleRoot' | 'actor' | 'executedAt'>;
  pause: ManifestPause;
  manifestPath: string;
  /** The step's `inputs` JSON Schema, if it declares one. */
  schema?: Record<string, unknown>;
  /** Who may decide: the step's approvers on the roster, or the whole roster (never the run's actor). */
  deciders: string[];
  /** The attested steps before the pause, in chain order. */
  ranSoFar: Array<{ stepId: string; type: string; status: string }>;
}

/** The request file (YAML, deterministic, redacted). */
export function approvalRequestText(f: PauseFacts): string {
  const doc = {
    kind: 'pcq-approval-request/1',
    runbookId: f.manifest.runbookId,
    version: f.manifest.version,
    executionId: f.manifest.executionId,
    manifestId: f.manifest.manifestId,
    manifest: f.manifestPath,
    pausedMerkleRoot: f.manifest.merkleRoot,
    stepId: f.pause.stepId,
    message: f.pause.message,
    approvers: f.deciders,
    inputs: f.schema ?? null,
    actor: f.manifest.actor,
    asOf: f.manifest.executedAt,
  };
  const head = `# pcq approval request: a review of this pull request decides step ${f.pause.stepId} of run ${f.manifest.executionId}.\n`;
  return redactText(head + stringify(doc, { lineWidth: 0 }));
}

export function pauseTitle(f: PauseFacts): string {
  return redactText(`pcq approval: ${f.manifest.runbookId} run ${f.manifest.executionId} paused at ${f.pause.stepId}`).slice(0, 256);
}

/** Code fences longer than any backtick run inside, so a message or schema cannot close its own block. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** JSON inside an HTML comment: `<` and `>` escaped, so `-->` cannot end it early. */
const commentSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function schemaSection(f: PauseFacts, requestPath: string): string[] {
  if (!f.schema) return ['This step takes no inputs: approve or request changes.'];
  const full = JSON.stringify(f.schema, null, 2);
  const shown = full.length <= SCHEMA_SHOWN ? full : `${full.slice(0, SCHEMA_SHOWN)}\n…`;
  const names = Object.keys((f.schema.properties as Record<string, unknown> | undefined) ?? {});
  return [
    'The approver may supply these inputs (JSON Schema):',
    '',
    fenced(shown, 'json'),
    ...(full.length > SCHEMA_SHOWN ? ['', `_Schema truncated here; it is in full in \`${requestPath}\`._`] : []),
    '',
    'To supply them, put ONE fenced `yaml` block in the body of your approving review, for example:',
    '',
    fenced(names.length > 0 ? names.map((n) => `${n}: …`).join('\n') : 'name: value', 'yaml'),
    '',
    'The block is checked against the schema before anything happens; a malformed block is answered with a comment naming its line and column, and changes nothing.',
  ];
}

/** The PR description (markdown + a hidden `<!-- pcq:approval {json} -->` block), redacted. */
export function pauseBody(f: PauseFacts): string {
  const m = f.manifest;
  const requestPath = approvalRequestPath(m.executionId);
  const who = f.deciders.length > 0 ? f.deciders.map((l) => `@${l}`).join(', ') : '(nobody: the roster names no eligible ombuds)';
  const lines = [
    `## Approval needed: ${m.runbookId} / ${m.executionId}`,
    '',
    `The run paused at approval step \`${f.pause.stepId}\`. Nothing after it has run and no export has left; the steps before it are signed and chained.`,
    '',
    ...f.pause.message.split('\n').map((l) => `> ${l}`),
    '',
    '| | |',
    '|---|---|',
    `| Runbook | \`${m.runbookId}\` v${cell(m.version)} |`,
    `| Execution | \`${m.executionId}\` (asked for by ${cell(m.actor)}) |`,
    `| Manifest | \`${f.manifestPath}\` (\`${m.manifestId}\`), sealed as \`paused\` |`,
    `| Paused Merkle root | \`${m.merkleRoot}\` |`,
    '',
    `### What ran so far (${f.ranSoFar.length} step(s), signed and chained)`,
    '',
    '| # | step | type | status |',
    '|---|---|---|---|',
    ...f.ranSoFar.map((s, i) => `| ${i + 1} | \`${s.stepId}\` | ${cell(s.type)} | ${cell(s.status)} |`),
    '',
    '### Inputs',
    '',
    ...schemaSection(f, requestPath),
    '',
    '### How to decide',
    '',
    '- **Approve** this PR to resume the run from the pause (with the inputs of your review, if any).',
    '- **Request changes** to reject: the run ends, nothing after the step runs, its exports stay withheld.',
    '- Comments and other reviews change nothing.',
    '',
    `Who may decide: ${who}, an ombuds of the roster at this PR's base commit who did not ask for the run and did not open or push to this PR, reviewing the current head commit; this PR must change nothing but \`${requestPath}\` (docs/design.md §6). The runner signs the review facts it checked into the run's manifest (a \`runner-attested-github\` approval).`,
  ];
  const hidden = { runbookId: m.runbookId, executionId: m.executionId, stepId: f.pause.stepId, pausedMerkleRoot: m.merkleRoot, requestPath };
  const body = redactText(`${lines.join('\n')}\n\n<!-- pcq:approval ${commentSafeJson(hidden)} -->\n`);
  if (body.length > GITHUB_BODY_LIMIT) {
    throw new PcqError({
      code: 'PCQ_PR_BODY_TOO_LARGE',
      message: `the pause PR body is ${body.length} characters, over GitHub's ${GITHUB_BODY_LIMIT}`,
      hint: "Shorten the approval step's message or the number of steps before it.",
    });
  }
  return body;
}
