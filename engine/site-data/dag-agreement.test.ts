// The three pictures of a runbook agree (issue 14 "the site's DAG, the Action summary's and the plan
// comment's agree"): for R1–R4, the site's SVG, the run summary's Mermaid and the plan comment's
// Mermaid declare the same nodes in the same layered order and the same edges in the same order,
// all from plan/layout.ts. The summary also carries the branch each `when:` took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { renderPlanComment } from '../action/plan-comment.ts';
import { renderRunSummary } from '../action/summary.ts';
import { loadRunbookFile } from '../model/load-runbooks.ts';
import type { Runbook } from '../model/runbook.ts';
import { layeredOrder } from '../plan/layout.ts';
import { planRunbook } from '../plan/plan.ts';
import { mermaidIds, mermaidStructure, renderMermaid } from '../plan/render-mermaid.ts';
import type { RunReport } from '../run/run-runbook.ts';
import { renderDagSvg } from './dag-svg.ts';

const repo = resolve(import.meta.dirname, '../..');
const SAMPLES = ['R1-entity-enrichment', 'R2-relationship-inference', 'R3-weekly-report', 'R4-alert-triage'];

function mermaidBlock(markdown: string): string {
  const m = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  assert.ok(m, 'a mermaid block');
  return m[1]!;
}

/** The site SVG's node order (data-step, as drawn) and edges (data-from/data-to), in Mermaid ids. */
function svgStructure(svg: string, ids: Map<string, string>) {
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  const nodes = [...svg.matchAll(/<g class="dag-node[^"]*" data-step="([^"]*)"/g)].map((m) => ids.get(unescape(m[1]!))!);
  const edges = [...svg.matchAll(/data-from="([^"]*)" data-to="([^"]*)"/g)].map(
    (m) => [ids.get(unescape(m[1]!))!, ids.get(unescape(m[2]!))!] as [string, string],
  );
  return { nodes, edges };
}

function fakeReport(runbook: Runbook): RunReport {
  const steps = runbook.steps.map((s, i) => ({
    stepId: s.stepId,
    type: s.type,
    status: i === 1 ? 'skipped' : 'succeeded',
    attempts: 1,
    durationMs: 3,
    proofs: {},
    ...(i === 1 ? { condition: { expr: 'inputs.go == true', value: false } } : {}),
  }));
  return {
    executionId: 'x',
    runbookId: runbook.runbookId,
    version: runbook.version,
    asOf: '2026-01-01T00:00:00Z',
    actor: 'a',
    executedBy: 'k',
    status: 'succeeded',
    verdict: 'pass',
    merkleRoot: 'r',
    manifestPath: 'm',
    executionDir: 'd',
    durationMs: 5,
    steps,
    failedProofs: [],
    artifacts: [],
  } as unknown as RunReport;
}

for (const name of SAMPLES) {
  test(`${name}: site SVG, run summary and plan comment draw the same layers, order and edges`, { timeout: 30_000 }, async () => {
    const runbook = await loadRunbookFile(join(repo, 'runbooks', `${name}.yaml`));
    const plan = planRunbook(runbook);
    const ids = mermaidIds(plan.order);
    const expectedNodes = layeredOrder(plan.order.map((id) => ({ id, needs: plan.needs[id]! })))
      .flat()
      .map((id) => ids.get(id)!);
    const nodes = runbook.steps.map((s) => ({ stepId: s.stepId, type: s.type, needs: s.needs, ...(s.when !== undefined ? { when: { expr: s.when } } : {}) }));
    const site = svgStructure(await renderDagSvg(nodes, name), ids);
    const planText = mermaidStructure(renderMermaid(plan, runbook));
    const summaryMd = renderRunSummary(fakeReport(runbook), runbook);
    const summary = mermaidStructure(mermaidBlock(summaryMd));
    const comment = mermaidStructure(
      mermaidBlock(
        renderPlanComment({
          runbooks: [{ path: `runbooks/${name}.yaml`, head: runbook, base: null }],
          changedPolicies: [],
          issues: [],
          buttons: [],
          workspace: '/ws',
        }),
      ),
    );
    assert.deepEqual(site.nodes, expectedNodes, 'the site draws the layered order');
    for (const [label, other] of [
      ['plan', planText],
      ['summary', summary],
      ['comment', comment],
    ] as const) {
      assert.deepEqual(other.nodes, site.nodes, `${label}: nodes in the site's order`);
      assert.deepEqual(other.edges, site.edges, `${label}: edges as the site draws them`);
    }
    assert.equal(site.edges.length, Object.values(plan.needs).flat().length, 'every need is an edge');
    // The branch taken is in the summary's picture and its table.
    const skipped = runbook.steps[1]!.stepId;
    assert.match(mermaidBlock(summaryMd), new RegExp(`${ids.get(skipped)}\\[".*when inputs\\.go == true → false`));
    assert.match(summaryMd, /class [^\n]*skipped/);
  });
}
