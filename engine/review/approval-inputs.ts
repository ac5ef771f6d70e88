// The inputs an approver supplies on the Action's pause pull request (FORMATS.md "Approval steps",
// "In the Action"): the approving review's body may carry ONE fenced code block whose info string is
// `yaml`, `yml` or `json`, holding a mapping of the step's inputs, e.g.
//
//     ```yaml
//     threshold: 8
//     ```
//
// Every other part of the body (prose, fences with another or no language) is commentary. The block
// is untrusted text: it is read by the same hardened YAML reader as runbooks (model/yaml-source.ts:
// size, depth, alias and tag limits; YAML 1.2 core schema, so JSON reads too), must be a mapping,
// and is checked against the step's `inputs` JSON Schema. Every problem is reported with its line and
// column IN THE REVIEW BODY, so the PR comment pcq answers with points at what to fix. Pure.
import type { PcqIssue, SourceLocation } from '../base/errors.ts';
import type { Step } from '../model/runbook.ts';
import { readYamlSource } from '../model/yaml-source.ts';
import { describeValuePath, jsonSchemaProblems } from '../model/json-schema-check.ts';
import { approvalConfig } from '../steps/approval.ts';

const OPEN = /^ {0,3}(`{3,}|~{3,})[ \t]*([A-Za-z0-9_+-]*)[ \t]*$/;
const INPUT_LANGS = new Set(['yaml', 'yml', 'json']);
const HINT = 'Put the inputs in ONE ```yaml block of the approving review, as a mapping the step schema in the PR description accepts, and approve again.';

interface Block {
  /** 1-based body line of the block's first content line. */
  firstLine: number;
  text: string;
  /** 1-based body line of the opening fence. */
  fenceLine: number;
  closed: boolean;
}

/** The fenced blocks of a markdown text (CommonMark fences: ``` or ~~~, closed by the same run or longer). */
function fencedBlocks(body: string): Array<Block & { lang: string }> {
  const lines = body.split(/\r\n|\r|\n/);
  const out: Array<Block & { lang: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) j++;
    out.push({ lang: open[2]!.toLowerCase(), fenceLine: i + 1, firstLine: i + 2, text: lines.slice(i + 1, j).join('\n'), closed: j < lines.length });
    i = j;
  }
  return out;
}

/** A location in the review body (the block's own line n is body line firstLine + n - 1). */
function inBody(where: string, block: Block, loc: SourceLocation): SourceLocation {
  return { file: where, line: block.firstLine + loc.line - 1, col: loc.col };
}

function issue(message: string, location: SourceLocation): PcqIssue {
  return { code: 'PCQ_APPROVAL_INPUTS_INVALID', message: `${location.file}:${location.line}:${location.col}: ${message}`, hint: HINT, location };
}

/**
 * The approver's inputs from a review body, or every problem with its body location. `where` names
 * the body in locations (e.g. "review 41 on PR #7"). No block: no inputs ({}), which the step's
 * schema may still refuse (a required input).
 */
export function inputsFromReviewBody(body: string, step: Step, where: string): { inputs: Record<string, unknown> } | { issues: PcqIssue[] } {
  const blocks = fencedBlocks(body).filter((b) => INPUT_LANGS.has(b.lang));
  const schema = approvalConfig(step).inputs;
  const at = (line: number): SourceLocation => ({ file: where, line, col: 1 });
  if (blocks.length > 1) return { issues: [issue(`${blocks.length} input blocks; write the inputs in one \`\`\`yaml block`, at(blocks[1]!.fenceLine))] };
  const block = blocks[0];
  if (!block) return schemaIssues(schema, {}, step, () => at(1)) ?? { inputs: {} };
  if (!block.closed) return { issues: [issue('the ```' + block.lang + ' block is never closed', at(block.fenceLine))] };
  const source = readYamlSource(block.text, where);
  if (source.issues.length > 0) {
    return { issues: source.issues.map((i) => issue(`${i.code}: ${i.message}`, i.location ? inBody(where, block, i.location) : at(block.fenceLine))) };
  }
  const value = source.value ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { issues: [issue('the input block must be a mapping of input names to values (e.g. `threshold: 8`)', at(block.firstLine))] };
  }
  const inputs = value as Record<string, unknown>;
  if (!schema && Object.keys(inputs).length > 0) {
    return { issues: [issue(`step ${step.stepId} declares no inputs, but ${Object.keys(inputs).join(', ')} were given`, at(block.firstLine))] };
  }
  return schemaIssues(schema, inputs, step, (path) => inBody(where, block, source.locate(path, 'value'))) ?? { inputs };
}

function schemaIssues(
  schema: Record<string, unknown> | undefined,
  inputs: Record<string, unknown>,
  step: Step,
  locate: (path: ReadonlyArray<string | number>) => SourceLocation,
): { issues: PcqIssue[] } | undefined {
  if (!schema) return undefined;
  const problems = jsonSchemaProblems(schema, inputs);
  if (problems.length === 0) return undefined;
  return { issues: problems.map((p) => issue(`${step.stepId} input ${describeValuePath(p.path)}: ${p.message}`, locate(p.path))) };
}
