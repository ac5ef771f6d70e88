// Static rules every workflow in .github/workflows must follow (issue 6, docs/design.md §5 "GitHub"):
// explicit `permissions`, third-party actions pinned by full commit SHA with a version comment,
// and no `${{ … }}` expression inside a `run:` script (values reach scripts through `env:`, so an
// attacker-controlled branch name or input can never become shell code). Workflows started by
// events that carry write tokens or secrets for someone else's PR (pull_request_review,
// pull_request_target, workflow_run) must check out a trusted ref explicitly, never the PR head.
import { parseDocument, isMap, isSeq, isScalar, type Node, LineCounter } from 'yaml';

export interface WorkflowProblem {
  file: string;
  line: number;
  rule: 'permissions' | 'pinned' | 'run-expression' | 'untrusted-checkout' | 'yaml';
  message: string;
}

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
// By default actions/checkout takes the PR's merge commit for these events: code from the PR.
const PRIVILEGED_EVENTS = ['pull_request_review', 'pull_request_review_comment', 'pull_request_target', 'workflow_run'];

function triggers(root: { get(key: string, keepScalar?: boolean): unknown }): string[] {
  const on = root.get('on', true);
  if (isScalar(on)) return [String(on.value)];
  if (isSeq(on)) return on.items.map((i) => String((i as { value?: unknown }).value));
  if (isMap(on)) return on.items.map((p) => String((p.key as { value?: unknown }).value));
  return [];
}

export function checkWorkflow(text: string, file: string): WorkflowProblem[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true });
  const problems: WorkflowProblem[] = [];
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  if (doc.errors.length) return [{ file, line: 1, rule: 'yaml', message: doc.errors[0]!.message }];
  const root = doc.contents;
  if (!isMap(root)) return [{ file, line: 1, rule: 'yaml', message: 'a workflow is a mapping' }];
  const jobs = root.get('jobs', true);
  const topPermissions = root.has('permissions');
  const privileged = triggers(root).some((t) => PRIVILEGED_EVENTS.includes(t));
  if (isMap(jobs)) {
    for (const pair of jobs.items) {
      const job = pair.value;
      if (!isMap(job)) continue;
      const name = String((pair.key as { value?: unknown }).value);
      if (!topPermissions && !job.has('permissions'))
        problems.push({ file, line: lineOf(pair.key as Node), rule: 'permissions', message: `job ${name} has no permissions (and the workflow sets none)` });
      const uses = job.get('uses', true);
      if (isScalar(uses)) checkUses(String(uses.value), lineOf(uses), file, problems, text);
      const steps = job.get('steps', true);
      if (!isSeq(steps)) continue;
      for (const step of steps.items) {
        if (!isMap(step)) continue;
        const u = step.get('uses', true);
        if (isScalar(u)) checkUses(String(u.value), lineOf(u), file, problems, text);
        if (privileged && isScalar(u) && String(u.value).startsWith('actions/checkout@')) {
          const withMap = step.get('with', true);
          const ref = isMap(withMap) ? withMap.get('ref', true) : undefined;
          const refText = isScalar(ref) ? String(ref.value) : '';
          if (refText === '' || /\.head[._]|head_ref|github\.sha|merge/.test(refText)) {
            problems.push({
              file,
              line: lineOf(u),
              rule: 'untrusted-checkout',
              message: `this workflow runs with write access for a PR event, but actions/checkout ${refText === '' ? 'takes the default (the PR merge commit)' : `checks out ${refText}`}; set \`ref:\` to the base branch`,
            });
          }
        }
        const run = step.get('run', true);
        if (isScalar(run) && /\$\{\{/.test(String(run.value))) {
          problems.push({
            file,
            line: lineOf(run),
            rule: 'run-expression',
            message: `a \`run:\` script contains \`\${{ … }}\`; pass the value through \`env:\` instead`,
          });
        }
      }
    }
  }
  if (!topPermissions && !isMap(jobs)) problems.push({ file, line: 1, rule: 'permissions', message: 'the workflow declares no permissions' });
  return problems;
}

function checkUses(uses: string, line: number, file: string, problems: WorkflowProblem[], text: string): void {
  if (uses.startsWith('./') || uses.startsWith('docker://')) return; // local action / digest-pinned image
  if (!PINNED.test(uses)) {
    problems.push({ file, line, rule: 'pinned', message: `${uses} is not pinned to a full 40-hex commit SHA` });
    return;
  }
  const lineText = text.split('\n')[line - 1] ?? '';
  if (!/#\s*v\d+(\.\d+){0,2}\b/.test(lineText))
    problems.push({ file, line, rule: 'pinned', message: `${uses} has no \`# vX.Y.Z\` comment naming the pinned release` });
}
