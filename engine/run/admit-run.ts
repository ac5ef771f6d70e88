// The admission of a run, in the one order every path that starts steps follows (`pcq run`, the
// Action, a resumed run through run-runbook.ts; a distributed job, `pcq run --job`, through
// run-job.ts), so that a refusal is the same refusal whichever path was taken and nothing has been
// written when it comes (docs/design.md §7):
//   1. the pause switch: while paused, nothing runs, nothing is read further;
//   2. the policy pin: reads only policies/;
//   3. the runner key, authorized before anything else is read or opened;
//   4. the runbook: parsed, graph-checked, the preflight checks `pcq validate` runs
//      (run/preflight/checks.ts), and, for a distributed job, the kinds job files can carry;
//   5. the inputs, typed by the runbook;
//   6. the grant (contracts/README.md): UnauthorizedRunner before anything is written;
//   7. spells and effects.
// What follows admission (store recovery, the vault run, services) is each path's own.
import { relative, join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqErrors, isError } from '../base/errors.ts';
import { readRunbookFile } from '../model/load-runbooks.ts';
import type { Runbook } from '../model/runbook.ts';
import { planRunbook, type Plan } from '../plan/plan.ts';
import { graphIssues } from '../plan/graph-issues.ts';
import { distributionIssues } from '../plan/jobs.ts';
import { loadPolicySet } from '../runtime/policy-set.ts';
import { checkPauseSwitch } from '../runtime/pause-switch.ts';
import { policyDigest } from '../runtime/policy-digest.ts';
import { policyPinIssues } from '../runtime/policy-pin.ts';
import { resolveParams } from './run-params.ts';
import { runRunbookChecks } from './preflight/checks.ts';
import { loadRunbookCheckContext } from './preflight/context.ts';
import { authorizeRunnerAtStart, type AuthorizedRunner } from './authorize-runner.ts';
import { preflightGrant, type GrantPreflight } from './authorize-grant.ts';
import { setUpSpells, type SpellSetup } from './spell-setup.ts';

export interface AdmitRunInput {
  config: PcqConfig;
  file: string; // absolute
  rawParams: Record<string, unknown>;
  asOf: string;
  env: Record<string, string | undefined>;
  /** The wall clock for the authorization and grant checks. */
  now: () => Date;
  /** --allow-unsigned / --button: the same spell admission on every path. */
  allowUnsigned?: boolean;
  buttonRequiresSignature?: { button: string };
  /** A distributed job or seal: refuse step kinds job files cannot carry (plan/jobs.ts). */
  distributed?: boolean;
}

export interface AdmittedRun {
  authorized: AuthorizedRunner;
  /** The runbook file as the run names it (relative to the root). */
  display: string;
  runbook: Runbook;
  plan: Plan;
  params: Record<string, unknown>;
  /** The digest of policies/ the pin was checked against (signed into the manifest). */
  policyDigest: string;
  grant: GrantPreflight;
  spells: SpellSetup;
}

export async function admitRun(input: AdmitRunInput): Promise<AdmittedRun> {
  const { config } = input;
  await checkPauseSwitch(config.root);
  const policies0 = await policyDigest(config.root);
  const pinned = policyPinIssues(config.policyHash, policies0.digest);
  if (pinned.length > 0) throw new PcqErrors(pinned);
  const authorized = await authorizeRunnerAtStart({ config, env: input.env, asOf: input.asOf, now: input.now() });
  const display = relative(config.root, input.file) || input.file;
  const parsed = await readRunbookFile(input.file, display);
  const draft = parsed.runbook ?? parsed.draft;
  const problems = [...parsed.issues, ...(draft ? graphIssues(draft) : [])].filter(isError);
  if (problems.length > 0 || !parsed.runbook) throw new PcqErrors(problems);
  const runbook = parsed.runbook;
  // Strict here (a broken policy file refuses the run); validate reports the same file leniently.
  const policies = await loadPolicySet(join(config.root, 'policies'));
  const checks = (await runRunbookChecks(runbook, { ...(await loadRunbookCheckContext(config.root)), policies, home: config.home })).filter(isError);
  if (checks.length > 0) throw new PcqErrors(checks);
  if (input.distributed) {
    const refused = distributionIssues(runbook);
    if (refused.length > 0) throw new PcqErrors(refused);
  }
  const plan = planRunbook(runbook);
  const params = resolveParams(runbook, input.rawParams);
  const grant = await preflightGrant({ config, runner: authorized.signer.keyid, runbookId: runbook.runbookId, now: input.now() });
  const spells = await setUpSpells({
    config,
    runbook,
    env: input.env,
    allowUnsigned: input.allowUnsigned ?? false,
    ...(input.buttonRequiresSignature ? { buttonRequiresSignature: input.buttonRequiresSignature } : {}),
  });
  return { authorized, display, runbook, plan, params, policyDigest: policies0.digest, grant, spells };
}
