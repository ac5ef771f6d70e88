// approval (FORMATS.md "Approval steps"): a human decision in the middle of a runbook. Config:
// `message` (what the approver is asked), `approvers` (roster logins who may decide; absent: the
// whole ombuds roster) and `inputs` (a JSON Schema, type object, for values the approver supplies,
// e.g. a corrected threshold). Without a decision the step pauses the run (PCQ_RUN_PAUSED, which
// run/execute-run.ts turns into a sealed `paused` manifest); with one (`pcq approve`, or the
// recorded one on replay) its output is {decision, reviewer, inputs}, so later steps read
// `steps.<stepId>.inputs.<name>`. A rejection ends the run (execute-run.ts).
import type { StepKind } from './step-kind.ts';
import type { PcqIssue } from '../base/errors.ts';
import type { Step } from '../model/runbook.ts';
import { jsonSchemaProblems, schemaShapeProblem, describeValuePath } from '../model/json-schema-check.ts';
import { isPlainObject, stepError, stepIssue, stringList } from './step-helpers.ts';

/** The step's config as the run and `pcq approve` use it (checked by `check`). */
export interface ApprovalConfig {
  message: string;
  approvers?: string[];
  inputs?: Record<string, unknown>;
}

export function approvalConfig(step: Step): ApprovalConfig {
  const { message, approvers, inputs } = step.config;
  return {
    message: typeof message === 'string' ? message : '',
    ...(stringList(approvers) ? { approvers: stringList(approvers)! } : {}),
    ...(isPlainObject(inputs) ? { inputs } : {}),
  };
}

/** Problems of approver inputs against the step's `inputs` schema (none when it declares none and none are given). */
export function approvalInputProblems(step: Step, inputs: Record<string, unknown>): string[] {
  const schema = approvalConfig(step).inputs;
  if (!schema) return Object.keys(inputs).length === 0 ? [] : [`step ${step.stepId} declares no inputs, but ${Object.keys(inputs).join(', ')} were given`];
  return jsonSchemaProblems(schema, inputs).map((p) => `${describeValuePath(p.path)}: ${p.message}`);
}

export const approvalStep: StepKind = {
  type: 'approval',

  check(step) {
    const { message, approvers, inputs } = step.config;
    const issues: PcqIssue[] = [];
    if (typeof message !== 'string' || message.trim() === '')
      issues.push(stepIssue(step, 'message', 'PCQ_STEP_CONFIG', '`message` must say what the approver decides'));
    if (approvers !== undefined && !(stringList(approvers)?.length ?? 0))
      issues.push(stepIssue(step, 'approvers', 'PCQ_STEP_CONFIG', '`approvers` must be a non-empty list of roster logins'));
    if (inputs !== undefined) {
      const shape = schemaShapeProblem(inputs);
      if (shape !== undefined) issues.push(stepIssue(step, 'inputs', 'PCQ_STEP_CONFIG', `\`inputs\` ${shape}`));
      else if ((inputs as Record<string, unknown>).type !== 'object')
        issues.push(stepIssue(step, 'inputs', 'PCQ_STEP_CONFIG', '`inputs` must be a JSON Schema with `type: object` (the approver supplies named values)'));
    }
    return issues;
  },

  async run(ctx) {
    const config = approvalConfig(ctx.step);
    const decision = ctx.ports.approvals?.decisionFor(ctx.step.stepId);
    if (!decision) {
      throw stepError(
        ctx.step,
        undefined,
        'PCQ_RUN_PAUSED',
        `waits for an approval: ${config.message}`,
        `An approver decides with \`pcq approve <executionId> --decision approve|reject --by <login>\`.`,
      );
    }
    // Checked by `pcq approve` before it signs anything; checked again here because a replay
    // reads the decision from a file.
    const problems = approvalInputProblems(ctx.step, decision.inputs);
    if (problems.length > 0) {
      throw stepError(ctx.step, 'inputs', 'PCQ_APPROVAL_INPUTS_INVALID', `the approver's inputs do not match the step's schema: ${problems.join('; ')}`);
    }
    return {
      output: { decision: decision.decision, reviewer: decision.reviewer, inputs: decision.inputs },
      inputs: { message: config.message, approvers: config.approvers ?? null },
    };
  },
};
