// The verb table. Each command lives in commands/<verb>.ts and is loaded only when called, so that
// `pcq --help` and light verbs never pay for the graph database or the site toolchain.
import type { Command } from './io.ts';

// Add a line here when a command file exists (planned verbs: validate, plan, run, verify, export,
// replay, keys, review, verify-verdict).
export const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  init: { summary: 'Scaffold a working pcq repository: sample runbook and dataset, policies, workflows, dev key', load: () => import('./commands/init.ts') },
  validate: { summary: 'Check runbooks, spells and policies; report every problem with file:line', load: () => import('./commands/validate.ts') },
  plan: { summary: "Show a runbook's DAG: order, levels, provers (text, mermaid or json)", load: () => import('./commands/plan.ts') },
  verify: { summary: 'Verify a .pcq manifest offline (signatures, chain, Merkle, trust)', load: () => import('./commands/verify.ts') },
  export: { summary: "Export a manifest's attestations as standard DSSE envelopes or Sigstore bundles", load: () => import('./commands/export.ts') },
  run: { summary: 'Run a runbook; sign, seal and store its manifest', load: () => import('./commands/run.ts') },
  compile: { summary: 'Compile a runbook to a GitHub Actions workflow whose jobs follow its DAG', load: () => import('./commands/compile.ts') },
  replay: { summary: 'Re-execute a recorded run and compare it step by step', load: () => import('./commands/replay.ts') },
  keys: { summary: 'Generate and inspect Ed25519 keys (Stellar strkeys)', load: () => import('./commands/keys.ts') },
  approve: {
    summary: 'Decide a run paused at an approval step (approve or reject) and resume it',
    load: () => import('./commands/approve.ts'),
  },
  review: { summary: 'List ombuds reviews; approve, reject or request info', load: () => import('./commands/review.ts') },
  unseal: { summary: "Open a run's sealed private data with your reviewer key, checked against the manifest", load: () => import('./commands/unseal.ts') },
  doctor: {
    summary: 'Check this machine is ready to run: config, keys, signer, policies, graph, connectors, notifier, clock',
    load: () => import('./commands/doctor.ts'),
  },
  config: { summary: 'Show the resolved configuration and where each value came from', load: () => import('./commands/config.ts') },
  retry: { summary: 'Re-run a failed run as a new execution linked to it (signed retryOf)', load: () => import('./commands/retry.ts') },
  status: { summary: 'Queue depth (open runs on the vault), recent runs and health', load: () => import('./commands/status.ts') },
  registry: {
    summary: 'The agent registry: add a runner key, retire one (after its grants are revoked), list runners',
    load: () => import('./commands/registry.ts'),
  },
  grant: { summary: 'Grant a runner runbooks, a budget and an expiry; revoke; list grants', load: () => import('./commands/grant.ts') },
  sign: { summary: 'Make a publisher key; sign a spell bundle (spell.sig.json)', load: () => import('./commands/sign.ts') },
  trust: { summary: 'Manage publisher trust for spells: add, list, inspect, revoke/restore/remove a key', load: () => import('./commands/trust.ts') },
  spell: { summary: 'Install, list and show spells (signed step bundles)', load: () => import('./commands/spell.ts') },
  policy: { summary: 'Show, validate and set the runtime effects policy', load: () => import('./commands/policy.ts') },
  list: { summary: 'List runbooks: id, version, file, inputs and whether each is valid', load: () => import('./commands/list.ts') },
  runs: { summary: 'Run history: runs by runbook, status or verdict, since a date, newest first', load: () => import('./commands/runs.ts') },
  show: { summary: 'Show one run: steps (blocked, skipped), proofs, verdict, files with digests', load: () => import('./commands/show.ts') },
  logs: { summary: "Show a run's execution logs (per step); prune logs by age and count (retention)", load: () => import('./commands/logs.ts') },
  completion: {
    summary: 'Print a shell completion script (bash, zsh or fish) generated from the command table',
    load: () => import('./commands/completion.ts'),
  },
  'verify-verdict': { summary: 'Verify a verdict offline: score, evidence, signature, key', load: () => import('./commands/verify-verdict.ts') },
};
