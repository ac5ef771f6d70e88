// The sticky plan comment on a PR that changes runbooks or policies (issue 6 "validate"): for each
// changed runbook, the DAG picture, the steps added/removed/changed against the base branch, and
// the provers and policies that apply; plus the validation result. Pure: runbooks in, markdown out.
import type { Runbook, Step } from '../model/runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import { renderMermaid } from '../plan/render-mermaid.ts';
import { formatIssue, isError, type PcqIssue } from '../base/errors.ts';
import { PLAN_MARKER } from '../github/sticky-comment.ts';
import type { Button } from '../runtime/buttons.ts';

export interface ChangedRunbook {
  path: string;
  head: Runbook | null; // null: deleted, or invalid at head (issues say why)
  base: Runbook | null; // null: added
}

export interface StepDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

// Which policy file decides each prover kind (policies/ layout, docs/design.md §3).
const POLICY_FOR_PROVER: Record<string, string> = {
  opa: 'policies/authority.yaml',
  authority: 'policies/authority.yaml',
  license: 'policies/licenses.yaml',
  license_registry: 'policies/licenses.yaml',
};

function stepShape(s: Step): string {
  return JSON.stringify({
    type: s.type,
    needs: s.needs,
    pre: s.preconditions,
    post: s.postconditions,
    retry: s.retry,
    timeoutMs: s.timeoutMs,
    config: s.config,
  });
}

export function diffSteps(base: Runbook | null, head: Runbook | null): StepDiff {
  const before = new Map((base?.steps ?? []).map((s) => [s.stepId, stepShape(s)]));
  const after = new Map((head?.steps ?? []).map((s) => [s.stepId, stepShape(s)]));
  return {
    added: [...after.keys()].filter((id) => !before.has(id)).sort(),
    removed: [...before.keys()].filter((id) => !after.has(id)).sort(),
    changed: [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id)).sort(),
  };
}

export function policiesFor(runbook: Runbook): string[] {
  const files = new Set<string>(['policies/ombuds.yaml', 'policies/trust.yaml']);
  for (const p of Object.values(runbook.provers)) if (POLICY_FOR_PROVER[p.type]) files.add(POLICY_FOR_PROVER[p.type]!);
  return [...files].sort();
}

export function renderPlanComment(input: {
  runbooks: ChangedRunbook[];
  changedPolicies: string[];
  issues: PcqIssue[];
  buttons: Button[];
  workspace: string;
}): string {
  const errors = input.issues.filter(isError);
  const lines = [PLAN_MARKER, `## pcq plan ${errors.length === 0 ? '✅ valid' : `❌ ${errors.length} problem${errors.length === 1 ? '' : 's'}`}`, ''];
  if (input.issues.length > 0) {
    lines.push('<details open><summary>Validation</summary>', '', '```');
    const prefix = input.workspace.endsWith('/') ? input.workspace : `${input.workspace}/`;
    for (const issue of input.issues.slice(0, 50)) lines.push(formatIssue(issue).split(prefix).join(''));
    if (input.issues.length > 50) lines.push(`… and ${input.issues.length - 50} more (see the job log)`);
    lines.push('```', '', '</details>', '');
  }
  for (const rb of input.runbooks) {
    const title = rb.head ? `${rb.head.runbookId} v${rb.head.version}` : rb.base ? `${rb.base.runbookId} (deleted)` : rb.path;
    lines.push(`### ${title} — \`${rb.path}\``, '');
    const d = diffSteps(rb.base, rb.head);
    const list = (ids: string[]) => (ids.length ? ids.map((id) => `\`${id}\``).join(', ') : '—');
    lines.push(`| steps added | removed | changed |`, `|---|---|---|`, `| ${list(d.added)} | ${list(d.removed)} | ${list(d.changed)} |`, '');
    if (rb.base && rb.head && rb.base.version === rb.head.version && (d.added.length || d.removed.length || d.changed.length)) {
      lines.push(`> ⚠ the steps changed but \`version\` is still "${rb.head.version}": bump it so manifests name what ran.`, '');
    }
    if (rb.head) {
      const status: Record<string, string> = {};
      for (const id of d.added) status[id] = 'running';
      for (const id of d.changed) status[id] = 'blocked';
      try {
        lines.push('```mermaid', renderMermaid(planRunbook(rb.head), rb.head, status).trimEnd(), '```', '');
        if (d.added.length || d.changed.length) lines.push('<sub>blue: added · yellow: changed</sub>', '');
      } catch {
        lines.push('_No DAG picture: the graph has errors (see Validation)._', '');
      }
      const provers = Object.values(rb.head.provers).sort((a, b) => (a.id < b.id ? -1 : 1));
      lines.push(`**Provers:** ${provers.length ? provers.map((p) => `\`${p.id}\` (${p.phase}, ${p.type})`).join(', ') : 'none'}`, '');
      lines.push(
        `**Policies that apply:** ${policiesFor(rb.head)
          .map((p) => `\`${p}\``)
          .join(', ')}`,
        '',
      );
      const pressing = input.buttons.filter((b) => b.runbook === rb.head!.runbookId);
      lines.push(
        `**Buttons:** ${pressing.length ? pressing.map((b) => `\`${b.id}\` → ${b.runbook}@${b.version} (${b.roles.join(', ')})${b.version !== rb.head!.version ? ' ⚠ pinned to another version' : ''}`).join(', ') : 'none: this runbook cannot be dispatched'}`,
        '',
      );
    }
  }
  if (input.changedPolicies.length) lines.push('### Policies changed', '', ...input.changedPolicies.map((p) => `- \`${p}\``), '');
  if (input.runbooks.length === 0 && input.changedPolicies.length === 0) lines.push('_No runbooks or policies changed in this PR._', '');
  return lines.join('\n');
}
