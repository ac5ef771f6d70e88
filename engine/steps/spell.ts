// The `spell` step kind (issue 11 Deliver 3): `uses: <id>@<version>` and literal `with:` inputs.
// The spell was resolved, its signature and effects checked, and its `with:` validated against its
// input schema at preflight (run/spell-preflight.ts), before any step started; here it runs through
// its runtime port (spells/host-runtime.ts or spells/docker-runtime.ts), its input is checked again
// and its output is checked against its output schema.
//
// What the entry reads (PCQ_SPELL_INPUT): {"with": <with:>, "upstream": {<stepId>: output}, "asOf",
// "params"}. Its output JSON is the step's output; its stdout/stderr are the execution log (private).
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { SpellManifest } from '../model/spell-manifest.ts';
import { spellTimeoutMs } from '../model/spell-manifest.ts';
import { describeValuePath, jsonSchemaProblems } from '../model/json-schema-check.ts';
import type { BundleFile } from '../spells/bundle.ts';
import { parseUses } from '../spells/id-key.ts';
import type { SpellRuntimePort } from '../spells/spell-runtime.ts';
import type { StepContext, StepKind, StepResult } from './step-kind.ts';
import { stepIssue } from './step-helpers.ts';

/** A spell resolved and admitted at preflight, ready to run. */
export interface PreparedSpell {
  manifest: SpellManifest;
  files: readonly BundleFile[];
}

export interface SpellStepDeps {
  prepared: ReadonlyMap<string, PreparedSpell>;
  runtimes: { host: SpellRuntimePort; docker: SpellRuntimePort };
  /** The runner's environment; the runtime passes only the declared connector tokens on. */
  env: Record<string, string | undefined>;
}

export function spellWith(step: Step): Record<string, unknown> {
  const w = step.config['with'];
  return w !== null && typeof w === 'object' && !Array.isArray(w) ? (w as Record<string, unknown>) : {};
}

/** `with:` against the spell's input schema; problems located at the step's `with:` field. */
export function spellInputIssues(step: Step, manifest: SpellManifest): PcqIssue[] {
  return jsonSchemaProblems(manifest.inputs, spellWith(step)).map((p) =>
    stepIssue(
      step,
      'with',
      'PCQ_SPELL_INPUT_INVALID',
      `with.${describeValuePath(p.path)}: ${p.message} (spell ${manifest.id}@${manifest.version} inputs schema)`,
      "Give the inputs the spell's inputs schema asks for.",
    ),
  );
}

function check(step: Step, _runbook: Runbook, _cel: CelEngine): PcqIssue[] {
  const uses = step.config['uses'];
  if (typeof uses !== 'string' || !parseUses(uses)) {
    return [
      stepIssue(step, 'uses', 'PCQ_STEP_CONFIG', `\`uses\` must be <id>@<version>, got ${JSON.stringify(uses)}`, 'Write e.g. uses: pcq-score-pairs@1.0.0.'),
    ];
  }
  return [];
}

export function createSpellStepKind(deps: SpellStepDeps): StepKind {
  return {
    type: 'spell',
    check,
    async run(ctx: StepContext): Promise<StepResult> {
      const prepared = deps.prepared.get(ctx.step.stepId);
      if (!prepared) {
        throw new PcqError({
          code: 'PCQ_SPELL_NOT_FOUND',
          message: `step ${ctx.step.stepId}: its spell was not admitted at preflight`,
          hint: 'Run it through `pcq run`, which checks every spell before any step starts.',
        });
      }
      const { manifest } = prepared;
      const inputIssues = spellInputIssues(ctx.step, manifest);
      if (inputIssues.length > 0) throw new PcqError(inputIssues[0]!);
      const input = { with: spellWith(ctx.step), upstream: ctx.upstream, asOf: ctx.asOf, params: ctx.params };
      const runtime = manifest.runtime.kind === 'docker' ? deps.runtimes.docker : deps.runtimes.host;
      const result = await runtime.run({
        manifest,
        files: prepared.files,
        input,
        env: deps.env,
        timeoutMs: Math.min(spellTimeoutMs(manifest.runtime), ctx.step.timeoutMs),
        signal: ctx.signal,
      });
      const problems = jsonSchemaProblems(manifest.outputs, result.output);
      if (problems.length > 0) {
        throw new PcqError({
          code: 'PCQ_SPELL_OUTPUT_INVALID',
          message: `step ${ctx.step.stepId}: spell ${manifest.id}@${manifest.version} output ${problems
            .slice(0, 3)
            .map((p) => `${describeValuePath(p.path)} ${p.message}`)
            .join('; ')}`,
          hint: 'The spell broke its own output schema; fix the spell.',
        });
      }
      const log = `# spell ${manifest.id}@${manifest.version} (${runtime.kind}; confinement: ${result.confinement.join(', ')}; exit ${result.exitCode}${result.log.truncated ? '; output truncated' : ''})\n## stdout\n${result.log.stdout}\n## stderr\n${result.log.stderr}`;
      return { output: result.output, inputs: input.with === undefined ? ctx.upstream : { with: input.with, upstream: ctx.upstream }, log };
    },
  };
}

/** The registry's spell kind: checks `uses:`; a run replaces it with one bound to its preflight. */
export const spellStep: StepKind = createSpellStepKind({
  prepared: new Map(),
  runtimes: {
    host: { kind: 'host', run: () => Promise.reject(new Error('unreachable: no spell is prepared')) },
    docker: { kind: 'docker', run: () => Promise.reject(new Error('unreachable: no spell is prepared')) },
  },
  env: {},
});
