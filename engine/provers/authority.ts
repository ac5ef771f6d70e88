// Authority prover (types `authority` and the seed's `opa`): a named CEL rule from
// policies/authority.yaml decides whether the run's actor may do `input.action` on `input.resource`.
// docs/design.md §5 "Policies": no Rego here, so the seed's `policy: intelgraph.allow` resolves to a CEL rule.
// Monotonic: an unknown rule, an unknown actor, a missing fact or an evaluation error is deny; only
// a result that is exactly `true` allows (a @bufbuild/cel error value is truthy, so never test truthiness).
import type { PcqIssue } from '../base/errors.ts';
import type { ProverSpec } from '../model/runbook.ts';
import type { CelEngine } from '../base/step-ports.ts';
import { resolveActor } from '../runtime/policy-set.ts';
import type { PolicySet, ProofResult } from '../base/proofs.ts';
import type { ProverContext, ProverKind } from './prover-kind.ts';
import { describeCelValue, failed, isPlainObject, messageOf, passed, specIssue, stringField } from './proof-outcome.ts';

const TYPE = 'authority';

function ruleName(spec: ProverSpec): string | undefined {
  return stringField(spec, 'policy') ?? stringField(spec, 'rule');
}

function check(spec: ProverSpec, cel: CelEngine, policies?: PolicySet): PcqIssue[] {
  const issues: PcqIssue[] = [];
  const name = ruleName(spec);
  if (!name) {
    issues.push(
      specIssue(
        spec,
        'PCQ_PROVER_SPEC',
        'names no rule',
        'Add `policy: <rule name>` naming a rule in policies/authority.yaml, e.g. `policy: intelgraph.allow`.',
      ),
    );
  }
  const input = spec.config.input;
  if (input !== undefined && !isPlainObject(input)) {
    issues.push(specIssue(spec, 'PCQ_PROVER_SPEC', '`input` must be a mapping of facts', 'Write `input: {action: read, resource: entity}`.'));
  }
  if (name && policies) {
    const expr = policies.rules[name];
    if (expr === undefined || !Object.hasOwn(policies.rules, name)) {
      const known = Object.keys(policies.rules).sort().join(', ') || 'none';
      issues.push(
        specIssue(
          spec,
          'PCQ_PROVER_UNKNOWN_RULE',
          `names rule "${name}", which policies/authority.yaml does not define`,
          `Use one of: ${known}; or add the rule.`,
        ),
      );
    } else {
      const problem = cel.check(expr);
      if (problem !== undefined)
        issues.push(specIssue(spec, 'PCQ_POLICY_CEL', `rule "${name}" does not compile: ${problem}`, 'Fix the rule in policies/authority.yaml.'));
    }
  }
  return issues;
}

async function prove(ctx: ProverContext): Promise<ProofResult> {
  const { spec, policies } = ctx;
  const name = ruleName(spec);
  const input = isPlainObject(spec.config.input) ? spec.config.input : {};
  const facts = { rule: name ?? null, actor: ctx.actor, input };
  if (!name) return failed(spec, TYPE, 'Denied: the prover names no rule', facts);
  if (!Object.hasOwn(policies.rules, name)) return failed(spec, TYPE, `Denied: rule ${name} is not defined in policies/authority.yaml`, facts);
  const actor = resolveActor(policies, ctx.actor);
  if (!actor) return failed(spec, TYPE, `Denied: actor "${ctx.actor}" is not in policies/authority.yaml`, facts);
  const what = [input.action, input.resource].filter((x) => typeof x === 'string').join(' ') || 'the requested action';
  const details = { ...facts, roles: actor.roles, matchedBy: actor.matchedBy };
  let value: unknown;
  try {
    value = ctx.cel.evaluate(policies.rules[name]!, { input, actor, params: ctx.params, asOf: ctx.asOf });
  } catch (err) {
    return failed(spec, TYPE, `Denied: rule ${name} could not be evaluated (${messageOf(err)})`, { ...details, error: messageOf(err) });
  }
  const who = `${ctx.actor} (roles: ${actor.roles.join(', ') || 'none'})`;
  if (value === true) return passed(spec, TYPE, `Policy ${name} allowed ${who} to ${what}`, { ...details, value: true });
  return failed(spec, TYPE, `Policy ${name} denied ${who} to ${what} (rule gave ${describeCelValue(value)})`, { ...details, value: describeCelValue(value) });
}

export const authorityProver: ProverKind = { types: ['authority', 'opa'], check, prove };
