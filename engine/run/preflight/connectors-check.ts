// Every external_api step reaches a configured connector (by name, or the seed's full `endpoint`
// URL by base URL): the same lookup runtime/http-port.ts makes when the step runs.
import type { PcqIssue, SourceLocation } from '../../base/errors.ts';
import { suggestion } from '../../base/did-you-mean.ts';
import type { Runbook, Step } from '../../model/runbook.ts';
import { resolveConnector } from '../../runtime/connectors.ts';
import type { RunbookCheckContext } from './checks.ts';

export function connectorIssues(runbook: Runbook, ctx: RunbookCheckContext): PcqIssue[] {
  const connectors = ctx.connectors;
  if (connectors === undefined) return []; // policies/connectors.yaml is invalid: the policies check says where
  const issues: PcqIssue[] = [];
  for (const step of runbook.steps) {
    if (step.type !== 'external_api') continue;
    const { connector, endpoint } = step.config;
    const ref: { connector?: string; url?: string } | undefined =
      typeof connector === 'string' ? { connector } : typeof endpoint === 'string' ? { url: endpoint } : undefined;
    if (!ref) continue; // the step kind's own check reports the missing field
    try {
      resolveConnector(connectors, ref);
    } catch (err) {
      const field = ref.connector !== undefined ? 'connector' : 'endpoint';
      const hint =
        ref.connector !== undefined
          ? suggestion(
              ref.connector,
              connectors.map((c) => c.name),
            )
          : '';
      issues.push({
        code: 'PCQ_CONNECTOR_UNKNOWN',
        message: `step "${step.stepId}": ${(err as Error).message}`,
        hint: `Declare the connector in policies/connectors.yaml, or fix the step's \`${field}\`.${hint}`,
        ...locationOf(step, field),
      });
    }
  }
  return issues;
}

function locationOf(step: Step, field: string): { location?: SourceLocation } {
  const location = step.fieldLocations?.[field] ?? step.location;
  return location ? { location } : {};
}
