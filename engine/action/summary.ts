// The job summary of a run (GITHUB_STEP_SUMMARY): verdict, a step table (status, duration,
// attempts, proofs), the DAG as a Mermaid diagram coloured by status with the branches taken
// (plan/render-mermaid.ts: the same layers, order and edges as `pcq plan --format mermaid` and the
// site), and links to the manifest and the site page.
import type { Runbook } from '../model/runbook.ts';
import { planRunbook } from '../plan/plan.ts';
import { renderMermaid } from '../plan/render-mermaid.ts';
import type { RunReport } from '../run/run-runbook.ts';

export interface SummaryLinks {
  manifestUrl?: string;
  siteUrl?: string;
  reviewPrUrl?: string;
  approvalPrUrl?: string;
}

const VERDICT_ICON: Record<string, string> = { pass: '✅', approved: '✅', blocked: '⛔', rejected: '❌', failed: '❌', paused: '⏸️' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Status used for colouring: a step whose postcondition failed is "blocked", not "succeeded". */
export function displayStatus(report: Pick<RunReport, 'steps' | 'failedProofs'>): Record<string, string> {
  const blocked = new Set(report.failedProofs.filter((f) => f.phase === 'postcondition').map((f) => f.stepId));
  const out: Record<string, string> = {};
  for (const s of report.steps) out[s.stepId] = blocked.has(s.stepId) && s.status === 'succeeded' ? 'blocked' : s.status;
  return out;
}

/** The branch a step took (run/conditions.ts): its condition's value, or the skip of its parents. */
function branchNote(s: RunReport['steps'][number]): string {
  if (s.condition) return `<br>when \`${cell(s.condition.expr)}\` → ${String(s.condition.value)}`;
  return s.skipReason === 'parents-skipped' ? '<br>every parent skipped' : '';
}

export function renderRunSummary(report: RunReport, runbook: Runbook, links: SummaryLinks = {}): string {
  const status = displayStatus(report);
  const lines: string[] = [
    `## ${VERDICT_ICON[report.verdict] ?? 'ℹ️'} ${report.runbookId} v${report.version}: ${report.verdict}`,
    '',
    `Execution \`${report.executionId}\` · as of ${report.asOf} · ${seconds(report.durationMs)} · actor \`${report.actor}\` · runner \`${report.executedBy}\``,
    '',
    `Merkle root \`${report.merkleRoot}\``,
    '',
    '| step | type | status | duration | attempts | proofs |',
    '|---|---|---|---:|---:|---|',
  ];
  for (const s of report.steps) {
    const proofs = [...(s.proofs.preconditions ?? []), ...(s.proofs.postconditions ?? [])];
    const shown = proofs.length === 0 ? '—' : proofs.map((p) => `${p.result === 'pass' ? '✔' : '✘'} ${cell(p.prover)}`).join('<br>');
    lines.push(`| \`${cell(s.stepId)}\` | ${cell(s.type)} | ${status[s.stepId]}${branchNote(s)} | ${seconds(s.durationMs)} | ${s.attempts} | ${shown} |`);
  }
  // The branches taken (issue 15): each evaluated `when:` is written under its step in the picture.
  const branches: Record<string, { expr: string; value: boolean }> = {};
  for (const s of report.steps) if (s.condition) branches[s.stepId] = s.condition;
  lines.push('', '```mermaid', renderMermaid(planRunbook(runbook), runbook, status, branches).trimEnd(), '```', '');
  for (const f of report.failedProofs) lines.push(`- ✘ ${f.phase} \`${cell(f.proof.prover)}\` on \`${f.stepId}\`: ${cell(f.proof.evidence)}`);
  if (report.failedStep) lines.push(`- ✘ stopped at \`${report.failedStep.stepId}\`: ${report.failedStep.code} ${cell(report.failedStep.message)}`);
  if (report.artifacts.length > 0) {
    lines.push(`- exports: ${report.artifacts.map((a) => `\`${a.name}\` (${a.state})`).join(', ')}`);
  }
  const linkParts: string[] = [];
  if (links.manifestUrl) linkParts.push(`[manifest](${links.manifestUrl})`);
  if (links.siteUrl) linkParts.push(`[site page](${links.siteUrl})`);
  if (links.reviewPrUrl) linkParts.push(`[ombuds review PR](${links.reviewPrUrl})`);
  if (links.approvalPrUrl) linkParts.push(`[pause PR: review it to decide ${report.pause?.stepId ?? 'the approval'}](${links.approvalPrUrl})`);
  if (linkParts.length) lines.push('', linkParts.join(' · '));
  lines.push('', `Verify offline: \`pcq verify ${report.manifestPath}\``, '');
  return lines.join('\n');
}
