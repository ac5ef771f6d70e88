// Every PCQ_* code pcq reports, declared once: its class, what it means and what to do about it.
// The class decides the exit code of the CLI and whether the scheduler may try a step again
// (only `transient` failures are retried: a deterministic failure gives the same answer twice).
// docs/ERRORS.md is generated from this table (`npm run docs:errors`); error-catalogue.test.ts
// fails when source code uses a code this table lacks or the table holds a code nothing uses.
// This file imports nothing: it is part of the base layer every other folder may use.

export type ErrorClass = 'usage' | 'invalid-input' | 'denied' | 'failed-check' | 'transient' | 'internal';

export interface ErrorClassSpec {
  exitCode: number;
  retryable: boolean;
  meaning: string;
}

/**
 * Exit codes keep the CLI's documented ones (0 ok · 1 check failed · 2 usage · 3 invalid input ·
 * 4 run blocked · 70 internal); transient failures exit 75 (sysexits EX_TEMPFAIL: try again later).
 * A refusal (denied) exits 1 like a failed check: both say "the answer is no", and the README has
 * documented a refused approval as 1 since the first release. Exit 4 is a run status, not a code.
 */
export const ERROR_CLASSES: { readonly [C in ErrorClass]: ErrorClassSpec } = {
  usage: { exitCode: 2, retryable: false, meaning: 'the command was called wrongly (flags, arguments, environment)' },
  'invalid-input': { exitCode: 3, retryable: false, meaning: 'a file, input or piece of data is invalid; fix it and run again' },
  denied: { exitCode: 1, retryable: false, meaning: 'a rule, a key or a remote service refused; trying again gives the same answer' },
  'failed-check': { exitCode: 1, retryable: false, meaning: 'something pcq checks (a proof, a signature, a replay) does not hold' },
  transient: {
    exitCode: 75,
    retryable: true,
    meaning: 'a passing condition (a timeout, an unreachable service, a held lock); the same call may succeed later',
  },
  internal: { exitCode: 70, retryable: false, meaning: 'a bug in pcq or in a step kind; please report it' },
};

export interface ErrorSpec {
  class: ErrorClass;
  /** What the code means, for docs/ERRORS.md. */
  summary: string;
  /** What to do; an error raised without a specific hint gets this one. */
  hint: string;
  /** Why the class was chosen, where it is not obvious (e.g. why a timeout may be retried). */
  why?: string;
}

const e = (cls: ErrorClass, summary: string, hint: string, why?: string): ErrorSpec =>
  why === undefined ? { class: cls, summary, hint } : { class: cls, summary, hint, why };

const VERIFY = 'Do not trust this manifest; re-run the runbook or restore the file from git. `pcq verify --json` lists every check.';
const RULE = 'Only a roster ombuds who did not ask for the run decides its review (approval rules); nothing was changed.';

export const ERROR_CATALOGUE = {
  // usage: the command itself
  PCQ_USAGE: e('usage', 'unknown command, flag or argument', 'Run the command with --help.'),
  PCQ_AS_OF_INVALID: e('usage', '--as-of is not an ISO-8601 date-time', 'Write e.g. --as-of 2026-11-16T00:00:00Z.'),
  PCQ_GITHUB_CONTEXT: e(
    'usage',
    'an Action command needs a GitHub token or event it was not given',
    'Pass `token: ${{ github.token }}` to the pcq Action and trigger it on the documented events.',
  ),
  PCQ_EVENT_UNSUPPORTED: e(
    'usage',
    'the Action was triggered by an event the command does not handle',
    'Trigger each workflow on the event its README section names.',
  ),
  PCQ_NODE_TOO_OLD: e('usage', 'the scripts run on a Node older than pcq supports', 'Run them through npm, which uses the node@24 devDependency.'),
  PCQ_NOT_BUILT: e('usage', 'dist/pcq.mjs is missing', 'Run `npm ci` (its prepare script builds the CLI) or `npm run build`.'),
  PCQ_SITE_NOT_BUILT: e('usage', 'the site folder has no index.html to serve', 'Build it first: npm run site:build (or npm start).'),
  PCQ_PORT_IN_USE: e('usage', 'the preview server port is taken', 'Stop the other server or pass another port.'),
  PCQ_RUN_ABORTED: e(
    'usage',
    'the run was aborted (a signal or the caller) before it finished',
    'Start the run again when ready; steps that never started were skipped.',
    "An abort is the caller's decision: never retried.",
  ),
  PCQ_ABORTED: e(
    'usage',
    'a wait or a call was aborted by its signal',
    'The operation was cancelled by its caller; start it again when ready.',
    "An abort is the caller's decision: never retried.",
  ),

  // invalid-input: runbooks and their YAML
  PCQ_GRANT_INVALID: e(
    'invalid-input',
    "a grant file under contracts/grants/ (or .pcq/grants/) is malformed, its versions disagree, or its signature is not the user's",
    'Write grants with `pcq grant add` / `pcq grant revoke`; never edit them by hand.',
  ),
  PCQ_LEDGER_CORRUPT: e(
    'invalid-input',
    'the embedded ledger file .pcq/ledger/vault.json is not a pcq-vault/1 ledger',
    'Restore it from a backup; it holds the budgets and open runs.',
  ),
  PCQ_YAML_SYNTAX: e('invalid-input', 'the file is not valid YAML (or not UTF-8)', 'Fix the syntax at the position shown.'),
  PCQ_YAML_DUPLICATE_KEY: e('invalid-input', 'a mapping repeats a key', 'Remove one of the two keys.'),
  PCQ_YAML_TOO_LARGE: e('invalid-input', 'the file is larger than pcq reads', 'Split the file; runbooks are small.'),
  PCQ_YAML_TOO_DEEP: e('invalid-input', 'collections are nested deeper than pcq reads', 'Flatten the document.'),
  PCQ_YAML_ALIASES: e('invalid-input', 'aliases expand to more nodes than pcq accepts', 'Write the values out instead of through many aliases.'),
  PCQ_YAML_CIRCULAR_ALIAS: e('invalid-input', 'an alias refers to itself', 'Remove the circular alias.'),
  PCQ_YAML_UNKNOWN_TAG: e('invalid-input', 'a YAML tag pcq does not accept', 'Remove the tag; plain YAML values only.'),
  PCQ_YAML_INVALID: e('invalid-input', 'a policy file shown on the site is not valid YAML', 'Fix the file; the site shows it as empty until then.'),
  PCQ_SCHEMA: e(
    'invalid-input',
    'a runbook does not match runbook.schema.json',
    'Fix the field named at the location shown (engine/FORMATS.md lists the fields).',
  ),
  PCQ_UNKNOWN_STEP_TYPE: e('invalid-input', 'a step has a type no step kind implements', 'Use one of the step types in engine/FORMATS.md.'),
  PCQ_STEP_CONFIG: e('invalid-input', "a step's kind-specific fields are wrong", 'Fix the field named at the location shown.'),
  PCQ_CEL_COMPILE: e('invalid-input', 'a CEL expression does not compile', 'Fix the CEL expression.'),
  PCQ_CYCLE: e('invalid-input', "the steps' needs form a cycle", 'Break the cycle the message names.'),
  PCQ_DANGLING_NEED: e('invalid-input', 'a step needs a step that does not exist', 'Fix the stepId in `needs`.'),
  PCQ_DUPLICATE_STEP_ID: e('invalid-input', 'two steps share a stepId', 'Give every step its own stepId.'),
  PCQ_DUPLICATE_PROVER_ID: e('invalid-input', 'two provers share an id', 'Give every prover its own id.'),
  PCQ_DUPLICATE_RUNBOOK_ID: e(
    'invalid-input',
    'two runbook files share a runbookId',
    'Give each runbook file its own runbookId; bump `version` in place for a new version.',
  ),
  PCQ_UNKNOWN_PROVER: e('invalid-input', 'a step names a prover the runbook does not declare', 'Declare the prover under `provers:` or fix the id.'),
  PCQ_PROVER_SPEC: e('invalid-input', "a prover's fields are wrong", 'Fix the prover as the message says (engine/FORMATS.md).'),
  PCQ_PROVER_CEL: e('invalid-input', "a prover's CEL expression does not compile", 'Fix the CEL expression.'),
  PCQ_PROVER_UNKNOWN_RULE: e('invalid-input', 'an authority prover names a rule policies/authority.yaml does not define', 'Use a defined rule, or add it.'),
  PCQ_PROVER_UNKNOWN_TYPE: e('invalid-input', 'a prover has an unknown type', 'Use one of the prover types in engine/FORMATS.md.'),
  PCQ_INIT_EXISTS: e(
    'invalid-input',
    '`pcq init` would overwrite a file that exists; nothing was written',
    'Run pcq init in an empty folder, or move the file away first.',
  ),
  PCQ_NO_RUNBOOKS: e('invalid-input', 'no runbook files were found', 'Add runbooks/*.yaml or pass the files to check.'),
  PCQ_FILE_NOT_FOUND: e('invalid-input', 'a file named on the command line cannot be read', 'Check the path.'),
  PCQ_FILE_UNREADABLE: e('invalid-input', 'a file exists but cannot be read', 'Check the file permissions.'),
  PCQ_CHECK_CRASHED: e('internal', 'a static check crashed on a runbook', 'This is a bug in pcq; please report it with the runbook.'),

  // invalid-input: run inputs, configuration, policies, keys
  PCQ_INPUT_UNKNOWN: e('invalid-input', 'a run input the runbook does not declare', 'Pass only the inputs the runbook lists (`pcq plan` shows them).'),
  PCQ_INPUT_MISSING: e('invalid-input', 'a required run input is missing', 'Pass it with --input name=value.'),
  PCQ_INPUT_INVALID: e('invalid-input', 'a run input has the wrong type or value', 'Pass a value of the declared type (or one of its enum values).'),
  PCQ_CONFIG_INVALID: e(
    'invalid-input',
    'the configuration (flags, environment, config file) is invalid',
    'Fix the setting the message names (policies/config.yaml documents each).',
  ),
  PCQ_DEV_OVERRIDE_FORBIDDEN: e('denied', 'a development-only switch is on outside dev mode', 'Unset the PCQ_DEV_* variable, or run with PCQ_MODE=dev.'),
  PCQ_REVIEWER_KEY_MISSING: e(
    'invalid-input',
    'the deciding reviewer has no signing key on this machine',
    'Run `pcq keys generate --reviewer <login>` (listed with role reviewer and your login), or set PCQ_REVIEWER_SECRET.',
  ),
  PCQ_SECRET_MISSING: e(
    'invalid-input',
    'a secret the mode requires is not set',
    'Provide it from your secret store (in GitHub Actions, a repository or environment secret).',
  ),
  PCQ_TOKEN_CACHE_INVALID: e('invalid-input', "a connector's token cache file is not what pcq writes", 'Delete the file; the connector authenticates again.'),
  PCQ_SIGNER_INVALID: e(
    'invalid-input',
    'the signer is misconfigured or returned something that is not a valid signature for its key',
    'Check the signer settings (pcq config show); a signer whose signatures do not verify is never used.',
  ),
  PCQ_PKCS11_UNAVAILABLE: e(
    'usage',
    'the PKCS#11 signer cannot be used: pkcs11js did not load, or the module, token or key is missing',
    "Install the optional pkcs11js dependency and the token's module, and check PCQ_PKCS11_MODULE, PCQ_PKCS11_TOKEN and PCQ_PKCS11_KEY.",
  ),
  PCQ_SECRET_IN_OUTPUT: e(
    'denied',
    'a registered secret (in some encoding) reached a file pcq was about to write; nothing was written',
    'Do not pass a secret as a run input or in a runbook; if it came from elsewhere this is a gap in redaction: report it with the file named.',
    'The store refuses rather than masks: the file may be signed, and masking it would break its signature. Outputs and responses are masked before signing; this is the last wall.',
  ),
  PCQ_SECRET_INVALID: e('invalid-input', 'a secret is not a Stellar secret seed', 'Generate one with `pcq keys generate` and store the S… value.'),
  PCQ_KEY_INVALID: e('invalid-input', 'a key is not a valid Ed25519 strkey', 'Pass a G… public key or S… seed with a valid checksum.'),
  PCQ_TRUST_INVALID: e('invalid-input', 'the trust store is invalid', 'Fix policies/trust.yaml at the location shown.'),
  PCQ_TRUST_OVERLAY_CONFLICT: e(
    'invalid-input',
    'a dev-overlay entry names a key policies/trust.yaml lists (or one listed earlier); it is ignored (warning)',
    'Change committed keys in policies/trust.yaml; delete the entry from .pcq/trust.local.yaml.',
  ),
  PCQ_TRUST_OVERLAY_ORIGIN: e(
    'invalid-input',
    'a dev-overlay entry has no valid origin, roles beyond its origin, or a reviewer key without login; it is ignored (warning)',
    'Let pcq write the overlay: the local runner key is listed on a dev run, reviewer keys by `pcq keys generate --reviewer <login>`.',
  ),
  PCQ_TRUST_OVERLAY_FOREIGN: e(
    'invalid-input',
    'a dev-overlay key was not created on this machine (it is not the key of a secret under .pcq/keys/); it is ignored (warning)',
    'List keys made elsewhere in policies/trust.yaml, never in the overlay.',
  ),
  PCQ_TRUST_MISSING: e('invalid-input', 'the trust store does not exist', 'Pass the path of a trust.yaml, or omit --trust to use policies/trust.yaml.'),
  PCQ_POLICY_INVALID: e('invalid-input', 'a policy file is invalid', 'Fix the policy file at the location shown.'),
  PCQ_POLICY_YAML: e('invalid-input', 'a policy file is not valid YAML', 'Fix the YAML syntax at the position shown.'),
  PCQ_POLICY_UNREADABLE: e('invalid-input', 'a policy file cannot be read', 'Check the file exists and is readable.'),
  PCQ_POLICY_UNKNOWN_FILE: e(
    'invalid-input',
    'a file under policies/ is not one pcq reads (warning)',
    'Rename it to the policy file it was meant to be, or remove it.',
  ),
  PCQ_POLICY_CEL: e('invalid-input', 'a policy rule does not compile', 'Fix the CEL expression of the rule.'),
  PCQ_ROSTER_INVALID: e('invalid-input', 'the ombuds roster is invalid or empty', 'Fix policies/ombuds.yaml.'),
  PCQ_ROSTER_UNREADABLE: e('invalid-input', 'the ombuds roster cannot be read', 'Create policies/ombuds.yaml with the ombuds roster.'),
  PCQ_BUTTONS_INVALID: e('invalid-input', 'policies/buttons.yaml is invalid', 'Fix the button at the location shown.'),
  PCQ_BUTTON_UNKNOWN: e('invalid-input', 'no button of that name', 'Dispatch one of the buttons in policies/buttons.yaml.'),
  PCQ_BUTTON_RUNBOOK_MISSING: e('invalid-input', 'a button names a runbook that does not exist', 'Fix the button or add the runbook.'),
  PCQ_CONNECTOR_INVALID: e('invalid-input', 'policies/connectors.yaml is invalid', 'Fix the connector at the location shown.'),
  PCQ_CONNECTOR_UNKNOWN: e(
    'invalid-input',
    'a step names a connector (or endpoint) that is not configured',
    'Add the connector to policies/connectors.yaml or fix the name.',
  ),
  PCQ_CONNECTOR_PARAM: e('invalid-input', 'a connector reads a run input that is missing or unsafe', 'Pass the input, or give it a default.'),
  PCQ_NOTIFY_CONFIG: e('invalid-input', 'policies/notify.yaml is invalid', 'Fix the notification settings at the location shown.'),
  PCQ_NOTIFY_UNKNOWN_WEBHOOK: e('invalid-input', 'a notify step names a webhook that is not configured', 'Name a webhook from policies/notify.yaml.'),
  PCQ_NOTIFY_INVALID: e('invalid-input', 'a notification has no recipient', 'Give the notify step at least one recipient.'),
  PCQ_DATASET_INVALID: e('invalid-input', 'a runbook dataset (manifest or CSV) is invalid', 'Fix the dataset file named.'),
  PCQ_DATASET_OUTSIDE_REPO: e(
    'invalid-input',
    "a runbook's dataset (folder or file) lies outside the repository, through `..` or a symbolic link",
    'Keep datasets in runbooks/data/<name>/ inside the repository, as plain folders and files.',
  ),
  PCQ_DATASET_NOT_FOUND: e('invalid-input', "the runbook's dataset folder does not exist", 'Add runbooks/data/<dataset>/ or fix `dataset:`.'),
  PCQ_RECORDED_FILE_MISSING: e('invalid-input', "a recorded connector's file cannot be read", 'Check the file exists, or the run input that names it.'),
  PCQ_RECORDED_FILE_INVALID: e('invalid-input', "a recorded connector's file is not a JSON object of keys to values", 'Fix the recorded file.'),
  PCQ_UNSAFE_ID: e('invalid-input', 'an id cannot be used as a file name', 'Use ids of letters, digits, ".", "_" and "-".'),

  // invalid-input: a step's data at run time (deterministic: the same data fails the same way)
  PCQ_APPROVAL_INPUTS_INVALID: e(
    'invalid-input',
    "the inputs an approver supplied do not match the approval step's `inputs` schema",
    'Pass values the step declares (`--input name=value` or `--inputs file.json`), of the declared types. Nothing was changed.',
  ),
  PCQ_STEP_INPUT: e(
    'invalid-input',
    "a step's input does not have the shape the step needs",
    "Fix the step's `from`/`forEach` or the upstream step's output.",
    'Deterministic: the same input fails again, so it is attempted once.',
  ),
  PCQ_COMPILE_UNSUPPORTED: e(
    'invalid-input',
    'the runbook has a step whose kind cannot be spread across GitHub Actions jobs (a kind the job files cannot carry, such as a pause)',
    'Run this runbook with `pcq run` on one runner.',
  ),
  PCQ_JOB_FILE_INVALID: e(
    'invalid-input',
    "a distributed run's job file is malformed, belongs to another run, or brings steps its job may not",
    'Pass the job files of this run only, as the compiled workflow hands them on (pcq compile).',
  ),
  PCQ_JOB_UNKNOWN: e(
    'usage',
    "pcq run --job names no job of the runbook's compiled job graph",
    'List the jobs with `pcq compile <runbook> --target github-actions --jobs`.',
  ),
  PCQ_WHEN_INVALID: e(
    'invalid-input',
    "a step's `when:` condition reads a name it may not, or is not a bool",
    'A condition is a CEL bool over params.<input>, steps.<ancestor> and asOf; write number literals as 1.0 (JSON numbers are doubles).',
  ),
  PCQ_CEL_EVAL: e(
    'invalid-input',
    "a CEL expression failed on the run's data",
    'Check the names the expression reads; JSON numbers are CEL doubles (write 1.0, not 1).',
    'Deterministic: the same expression on the same data fails again, so it is attempted once.',
  ),
  PCQ_CYPHER_REFUSED: e(
    'invalid-input',
    "a Cypher query reaches past the run's graph (files, extensions, other databases, procedures, schema or transaction commands) and was refused before it ran",
    'Keep to MATCH, CREATE, MERGE, SET, DELETE, RETURN and their kin; pcq loads datasets itself from `dataset:`.',
    'Checked by `pcq validate` and again by the graph store before every query, so replay and provers are covered.',
  ),
  PCQ_MEMORY_EXCEEDED: e(
    'denied',
    "a step passed the run's memory ceiling (config `memoryLimit`, PCQ_MEMORY_LIMIT) and was stopped",
    'Bound the query or expression (LIMIT, smaller lists and strings), or raise PCQ_MEMORY_LIMIT if the machine has the memory.',
    'The same step on the same data needs the same memory, so it is not retried; the run ends, sealed.',
  ),
  PCQ_GRAPH_STOPPED: e(
    'denied',
    "the run's graph database was stopped (a step passed its timeout or the memory ceiling), so its data is gone for this run",
    'Fix the step that was stopped and run again.',
    'A new attempt would run on an empty graph and give a wrong answer, so it is never retried.',
  ),
  PCQ_CEL_LIMIT: e(
    'denied',
    "a CEL expression passed its step's time or the run's memory budget and was stopped",
    'Bound the expression (smaller lists and strings, no nested growth), or raise the step `timeout:` / PCQ_MEMORY_LIMIT.',
    'The same expression on the same data needs the same time and memory, so it is not retried.',
  ),
  PCQ_CYPHER: e(
    'invalid-input',
    'the graph database rejected a Cypher query',
    'Fix the query text; it runs as written on kuzu and on Neo4j.',
    'Deterministic: the same query fails again, so it is attempted once.',
  ),
  PCQ_AGGREGATE_TYPE: e('invalid-input', 'an aggregate metric met a value that is not a number', 'Convert the field with a transform step first.'),
  PCQ_MODEL_FEATURE: e('invalid-input', 'a model feature did not evaluate to a number', 'Make the feature expression return a number.'),
  PCQ_ATTACHMENT_MISSING: e(
    'invalid-input',
    'a notify step attaches an artifact no export step wrote',
    'Attach an artifact written by an export step this step needs.',
  ),
  PCQ_ARTIFACT_NAME: e('invalid-input', 'an artifact name is not a plain file name', 'Use letters, digits, ".", "_" and "-" only.'),
  PCQ_ARTIFACT_DUPLICATE: e('invalid-input', 'two steps write an artifact of the same name', 'Give each export a distinct `name`.'),
  PCQ_EXTERNAL_API_REQUEST: e(
    'invalid-input',
    'a request to a recorded connector has the wrong shape',
    'Send the list of lookup objects the connector expects.',
  ),
  PCQ_GRAPH_VALUE: e('invalid-input', 'a graph value has no JSON form (NaN, Infinity)', 'Filter or convert the value in the query.'),
  PCQ_GRAPH_UNSUPPORTED: e(
    'invalid-input',
    'the graph backend cannot do what the runbook asks (load a dataset)',
    'Use the embedded or Neo4j backend, or drop `dataset:`.',
  ),
  PCQ_NOT_JSON: e(
    'invalid-input',
    'a value to be signed is not JSON (RFC 8785)',
    'Produce plain JSON: objects, arrays, strings, finite numbers, booleans, null.',
  ),

  // invalid-input: records read back from disk or from GitHub
  PCQ_INDEX_CORRUPT: e('invalid-input', 'attestations/index.json is not a valid index', 'Restore it from git, or delete it and run again to rebuild entries.'),
  PCQ_INDEX_STALE: e('invalid-input', 'attestations/index.json and the execution folders disagree', 'Restore the folder from git or re-run the runbook.'),
  PCQ_MANIFEST_MISSING: e('invalid-input', 'an execution folder has no manifest.pcq', 'Re-run the runbook or restore the file from git.'),
  PCQ_EXECUTION_NOT_FOUND: e('invalid-input', 'no execution with that id', 'Pass an execution id from attestations/index.json or the path of a manifest.pcq.'),
  PCQ_EXECUTION_AMBIGUOUS: e('usage', 'an execution id prefix matches more than one execution', 'Type more of the id (`pcq runs` lists them).'),
  PCQ_STEP_NOT_FOUND: e('invalid-input', 'the execution has no step with that id', 'Pass a step id the execution ran (`pcq show <executionId>` lists them).'),
  PCQ_RECORD_INVALID: e(
    'invalid-input',
    'a record read back from an execution folder (run.json, runbook.json, recordings.json, effects.json) is not what pcq writes',
    'Restore the execution folder from git; pcq checks every record before using it.',
  ),
  PCQ_STORE_INCOMPLETE: e(
    'invalid-input',
    'a change to attestations/ left by a killed process cannot be finished or undone (its journal or staged files are damaged)',
    'Restore attestations/ from git, or remove the named staging folder after checking the executions it lists.',
  ),
  PCQ_REPLAY_RECORD_MALFORMED: e(
    'invalid-input',
    'a file of an execution folder is not JSON of the shape pcq writes (e.g. recordings.json is an object, not a list of recordings)',
    'Restore the execution folder from git; pcq writes these files.',
  ),
  PCQ_REPLAY_RECORD_MISSING: e(
    'invalid-input',
    'an execution lacks a record replay needs',
    'Only runs stored by `pcq run` can be replayed; restore the folder from git.',
  ),
  PCQ_REPLAY_DATA_CHANGED: e(
    'invalid-input',
    'a dataset file the run signed (manifest `datasets`) is changed or missing, so the run cannot be replayed on it',
    'Restore the named files as they were when the run ran (e.g. `git checkout <commit> -- <file>`), or run the runbook again for a new execution.',
    'The data, not the run, differs: replaying would report a divergence the run never had.',
  ),
  PCQ_TICKET_INVALID: e('invalid-input', 'a review ticket has wrong fields', 'Restore the ticket from git; pcq writes it.'),
  PCQ_TICKET_MALFORMED: e('invalid-input', 'a review ticket is not a YAML mapping', 'Restore the ticket from git; pcq writes it.'),
  PCQ_REVIEW_NOT_FOUND: e('invalid-input', 'no ombuds review for that execution', 'List the reviews with `pcq review list`.'),
  PCQ_REVIEW_TICKET_MISSING: e('invalid-input', 'a review PR does not carry its ticket', 'Re-run the dispatch to recreate the review PR.'),
  PCQ_EVENT_MALFORMED: e('invalid-input', 'the GitHub event payload lacks a field pcq needs', 'Check the workflow trigger; the message names the field.'),
  PCQ_WEBHOOK_MALFORMED: e('invalid-input', 'a GitHub review payload is malformed', 'Check the workflow trigger; the message names the field.'),
  PCQ_PR_BODY_INVALID: e('invalid-input', 'a PR description is not a pcq review body', 'Restore the description from the PR history or re-run the dispatch.'),
  PCQ_PR_BRANCH_INVALID: e('invalid-input', 'a branch is not a pcq review branch', 'The ombuds workflow acts only on PRs pcq opened.'),
  PCQ_GITHUB_NOT_A_FILE: e('invalid-input', 'a path on GitHub is a folder, not a file', 'Point the setting at a file.'),
  PCQ_GITHUB_NO_BRANCH: e('invalid-input', 'a branch does not exist on GitHub', 'Create the branch first, or check the publish branch setting.'),

  // denied: rules, keys and remote services that say no
  PCQ_UNAUTHORIZED_RUNNER: e(
    'denied',
    'the PrepaidVault contract error UnauthorizedRunner: no valid grant for this runner (none, revoked, expired, not covering the runbook) or the runner is not in the agent registry',
    'Ask the user to grant this runner (`pcq grant add --runner G…`); a revoked or expired grant needs a new one.',
  ),
  PCQ_BUDGET_EXHAUSTED: e(
    'denied',
    'the PrepaidVault contract error BudgetExhausted: the grant has fewer units left than the run reserves',
    'Ask the user for a new grant with a larger budget, or wait for open runs to finalize.',
  ),
  PCQ_VAULT_REFUSED: e(
    'denied',
    'the PrepaidVault refused a malformed call (GrantNotFound, GrantExists, RunExists, RunNotOpen, UsageOverReservation, NotGrantOwner)',
    'See contracts/README.md "Errors" for the contract error named in the message.',
  ),
  PCQ_RETRY_NOT_FAILED: e(
    'invalid-input',
    'only a failed run can be retried',
    'A blocked run goes to its ombuds review; re-run a succeeded one with `pcq run`.',
  ),
  PCQ_RETRY_LINK_MISMATCH: e('failed-check', "a retry's signed link does not match the run it names (itself, or another manifest than the one signed)", VERIFY),
  PCQ_RUNNER_IN_USE: e(
    'denied',
    'a runner cannot be retired from the agent registry while an active grant names it or one of its runs is still open',
    'Revoke its grants (`pcq grant revoke --runner G…`) and let its open runs finalize (`pcq status`), then retire it.',
  ),
  PCQ_RUNS_PAUSED: e('denied', 'new runs are paused by policies/pause.yaml', 'Set `paused: false` in policies/pause.yaml once the incident is over.'),
  // spells (seed 004; engine/FORMATS.md "Spells"): identity, install, signature policy, effects, runtimes
  PCQ_SPELL_RECORD_MISMATCH: e('failed-check', "a manifest's spell records and its effectsPolicy disagree", VERIFY),
  PCQ_SPELL_INVALID: e(
    'invalid-input',
    'a spell bundle or its spell.yaml is invalid',
    'Fix spell.yaml at the location shown (engine/model/spell.schema.json).',
  ),
  PCQ_SPELL_NOT_FOUND: e(
    'invalid-input',
    "a spell id@version is neither in the repository's spells/ nor installed",
    'Add it under spells/<id>/<version>/ or run `pcq spell install <dir>`.',
  ),
  PCQ_SPELL_ID_MISMATCH: e(
    'invalid-input',
    "spell.id.txt or the bundle's folder names another id or version than spell.yaml",
    'spell.yaml `id` is the source of truth; fix the bundle or the stale install.',
  ),
  PCQ_SPELL_EXISTS: e(
    'invalid-input',
    'that spell version is already installed with other content',
    'Publish a new version, or remove the installed folder first.',
  ),
  PCQ_SPELL_INPUT_INVALID: e(
    'invalid-input',
    "a spell step's `with:` inputs do not match the spell's input schema",
    "Fix the step's `with:` (the spell.yaml `inputs` schema says what it takes).",
  ),
  PCQ_SPELL_OUTPUT_INVALID: e(
    'failed-check',
    'a spell wrote no output, output that is not JSON, or output its output schema refuses',
    'Fix the spell; its log is under private/logs/ of the execution.',
  ),
  PCQ_SPELL_UNSIGNED: e(
    'denied',
    'a spell has no spell.sig.json and --allow-unsigned was not given',
    'Sign it with `pcq sign bundle`, or run with --allow-unsigned (recorded in the attestation).',
  ),
  PCQ_SPELL_SIGNATURE_REQUIRED: e(
    'denied',
    "an unsigned spell where a button's require_signature or PCQ_FORCE_REQUIRE_SIGNATURE demands a signature (--allow-unsigned cannot lift it)",
    'Sign the bundle with a key of a trusted publisher.',
  ),
  PCQ_SPELL_TAMPERED: e(
    'failed-check',
    "a signed spell bundle's digest is not the one its signature covers",
    'Do not run it; restore the bundle from its publisher.',
  ),
  PCQ_SPELL_SIGNATURE_INVALID: e(
    'failed-check',
    'spell.sig.json is malformed or its signature does not verify with the trusted key',
    'Do not run it; ask the publisher to sign the bundle again.',
  ),
  PCQ_SPELL_KEY_UNKNOWN: e(
    'denied',
    'a spell is signed by a publisher or key_id the trust store does not list',
    'Check the key out of band, then `pcq trust add`.',
  ),
  PCQ_SPELL_KEY_REVOKED: e('denied', 'a spell is signed by a revoked publisher key', 'Ask the publisher for a bundle signed with an active key.'),
  PCQ_SPELL_PLATFORM: e('denied', 'a spell does not support this platform', 'Run it where its runtime.platforms says it runs.'),
  PCQ_SPELL_BILLING_UNSUPPORTED: e(
    'denied',
    'a spell declares billing, which pcq v1 never executes',
    'Use a spell without billing.enabled (seed 004 §9: no real billing execution).',
  ),
  PCQ_SPELL_CONNECTOR_TOKEN_MISSING: e(
    'invalid-input',
    'a connector token a spell declares is not set',
    'Set CONNECTOR_<NAME>_TOKEN (a repository or environment secret in GitHub Actions).',
  ),
  PCQ_SPELL_FAILED: e(
    'failed-check',
    "a spell's entry exited with an error or could not start",
    'Read its log under private/logs/ and fix the spell or its inputs.',
    'Deterministic code given the same input: attempted once.',
  ),
  PCQ_SPELL_TIMEOUT: e(
    'failed-check',
    'a spell ran longer than its runtime.timeout and was stopped',
    'Raise runtime.timeout in spell.yaml or find out why it hangs.',
    'The spell (its whole process group) is killed; running the same code again is no cure, so it is not retried.',
  ),
  PCQ_DOCKER_UNAVAILABLE: e(
    'denied',
    'a docker spell was to run and no Docker daemon answers',
    'Start a Docker daemon or run on a machine that has one; the spell did not run.',
  ),
  PCQ_EFFECT_DENIED: e(
    'denied',
    'the runtime policy denies an effect a step declares (deny_types, allow_types or deny_mutations)',
    'Change policies/runtime-policy.json (`pcq policy set`) or the runbook; nothing ran.',
  ),
  PCQ_PUBLISHER_TRUST_INVALID: e(
    'invalid-input',
    'a publisher trust file under policies/publishers/ is invalid',
    'Fix it at the location shown, or manage it with `pcq trust`.',
  ),
  PCQ_PUBLISHER_KEY_NOT_FOUND: e(
    'usage',
    'the publisher or key_id named on the command line is not in the trust store',
    'List what is trusted with `pcq trust list`.',
  ),
  PCQ_PUBLISHER_KEY_FILE: e(
    'usage',
    'a publisher key file cannot be read or is not one `pcq sign keygen` wrote',
    'Pass the file `pcq sign keygen` wrote (--key FILE).',
  ),
  PCQ_KEY_UNKNOWN: e('denied', 'a key is not in the trust store', 'List the key in policies/trust.yaml, or sign with a listed key.'),
  PCQ_KEY_REVOKED: e('denied', 'a key is revoked: its signatures are never trusted', 'Sign with an active key; rotate as policies/trust.yaml describes.'),
  PCQ_KEY_ROLE_MISSING: e(
    'denied',
    'a key is in the trust store but without the role it signs as (runner, reviewer, verdict)',
    'Sign with a key listed with that role in policies/trust.yaml.',
  ),
  PCQ_KEY_NOT_ACTIVE: e(
    'denied',
    'the runner key is retired: it verifies what it signed inside its window but starts no new run',
    'Set RUNNER_SECRET to the active runner key that replaced it.',
  ),
  PCQ_AS_OF_IN_FUTURE: e(
    'denied',
    "the run's asOf lies more than 5 minutes after the clock",
    "Pass an --as-of that is not in the future (default: now), or fix the machine's clock.",
  ),
  PCQ_REVIEWER_NOT_ON_ROSTER: e(
    'denied',
    'a reviewer key was asked for a login that is not on the ombuds roster',
    'Generate reviewer keys only for logins listed in policies/ombuds.yaml.',
  ),
  PCQ_KEY_NOT_VALID_AT: e(
    'denied',
    'a key is outside its validity window at the time that matters',
    'Use a key whose window covers the time, or fix the window.',
  ),
  PCQ_VERDICT_KEY_UNTRUSTED: e('denied', 'the verdict key is not trusted at executedAt', 'Check the verdict with the trust store the run was made under.'),
  PCQ_BUTTON_FORBIDDEN: e('denied', 'the actor may not press this button (or run that execution with it)', 'Ask someone with a role the button lists.'),
  PCQ_HOST_NOT_ALLOWED: e('denied', 'a connector may not call that host', "Add the host to the connector's allowHosts if it is meant to."),
  PCQ_EXTERNAL_API_STATUS: e(
    'denied',
    "an external API answered with an error status (after the connector's own retries)",
    'Check the request and the service.',
    "The connector already retried 429 answers, and 5xx answers to idempotent requests (a 5xx to a POST may come after the service acted); what is left is the service's answer.",
  ),
  PCQ_GRAPH_ERROR: e('denied', 'Neo4j refused the request', "Check the Neo4j server log and the user's permissions."),
  PCQ_GITHUB_API: e('denied', 'GitHub refused a call (4xx)', 'Check the token, the workflow `permissions:` and the PR state the message names.'),
  PCQ_SIGNER_REFUSED: e(
    'denied',
    'the signer refused: a wrong token PIN or a rejected signing-service credential',
    'Check the PIN (PCQ_PKCS11_PIN) or the token (PCQ_SIGNER_TOKEN); it may have been rotated or revoked.',
  ),
  PCQ_KEY_FILE_PERMISSIONS: e(
    'denied',
    'the runner key file is readable or writable by other users',
    'Run `chmod 600` on the key file: a signing key must be readable by its owner only.',
  ),
  PCQ_AUTH_REVOKED: e(
    'denied',
    "a connector's credential was revoked by its auth server",
    'Issue a new credential for the connector and update its secret; nothing more is sent with the old one.',
  ),
  PCQ_AUTH_REAUTH_REQUIRED: e(
    'denied',
    "a connector's session ended and it must authenticate again, which it could not",
    "Check the connector's credential and signer; the auth server asked for a fresh challenge.",
  ),
  PCQ_AUTH_REFRESH_FAILED: e('denied', "a connector's token could not be refreshed", "Check the auth server and the connector's credential."),
  PCQ_AUTH_REPLAYED_HANDLE: e(
    'denied',
    'a refresh handle was used twice (a replay): the session is refused',
    'Authenticate again; if this was not a second copy of pcq, treat the credential as leaked and rotate it.',
  ),
  PCQ_POLICY_HASH_MISMATCH: e(
    'denied',
    'the policies differ from the pinned digest PCQ_POLICY_HASH',
    'Run with the reviewed policies, or update PCQ_POLICY_HASH to the digest `pcq doctor` prints after review.',
  ),
  PCQ_NOT_READY: e('failed-check', 'pcq doctor found something that stops a run', 'Fix each check doctor lists as failed, then run `pcq doctor` again.'),
  PCQ_NOTIFY_FAILED: e(
    'denied',
    'the mail server or webhook refused the notification',
    'Check the SMTP server, its credentials or the webhook in policies/notify.yaml.',
    'A refusal (SMTP 5xx, webhook 4xx/5xx after a POST that may have been acted on) is not retried: a retry could notify twice.',
  ),
  PCQ_REVIEW_NOT_APPROVED: e('denied', 'a GitHub review state is not a decision', RULE),
  PCQ_REVIEW_NOT_ON_ROSTER: e('denied', 'the reviewer is not on the ombuds roster', RULE),
  PCQ_RUN_PAUSED: e(
    'denied',
    'an approval step waits for a decision: the run is sealed as paused',
    "An approver on the step's roster decides with `pcq approve <executionId> --decision approve|reject --by <login>`.",
    'Not a failure of the step: execute-run.ts turns it into the paused state; it is never retried.',
  ),
  PCQ_APPROVER_NOT_LISTED: e('denied', "the approver is on the roster but not among the approval step's `approvers`", RULE),
  PCQ_NOT_PAUSED: e(
    'denied',
    'the execution is not paused at an approval step (never paused, or already decided)',
    'List paused runs with `pcq approve --list`; a decided run cannot be decided again. Nothing was changed.',
  ),
  PCQ_REVIEW_SELF_APPROVAL: e('denied', 'the reviewer opened the review (or asked for the run)', RULE),
  PCQ_REVIEW_PUSHER: e('denied', 'the reviewer pushed to the review PR', RULE),
  PCQ_REVIEW_BOT: e('denied', 'the reviewer is a bot', RULE),
  PCQ_REVIEW_STALE_SHA: e('denied', 'the review is of an older commit than the PR head', "Review the PR's current head commit."),
  PCQ_REVIEW_EXTRA_FILES: e('denied', 'the review PR changes more than its ticket', 'A review PR changes its ticket only; move other changes to another PR.'),
  PCQ_REVIEW_WRONG_EXECUTION: e(
    'denied',
    "the decision is for another execution's ticket",
    'Decide the ticket of the execution you reviewed; never copy or edit tickets by hand.',
  ),
  PCQ_REVIEW_KEY_NOT_BOUND: e(
    'denied',
    "a decision is not signed with the reviewer's own key (the trust entry binds the key to another login or none, or it is the runner's)",
    'Sign with your own reviewer key: `pcq keys generate --reviewer <login>`, listed with role reviewer and `login: <login>` in the trust store.',
  ),
  PCQ_REVIEW_BEFORE_RUN: e('denied', 'a decision is dated before the run it decides', RULE),
  PCQ_REVIEW_FINAL_REPEATED: e(
    'denied',
    'a second final decision (approve/reject) follows the first',
    'A decided review stays decided; run the runbook again for a new review.',
  ),
  PCQ_REVIEW_OUT_OF_ORDER: e(
    'denied',
    'a decision is dated before the one listed ahead of it, or follows a final decision',
    'Decisions are appended in time order and none follows a final one; restore the manifest from git.',
  ),
  PCQ_REVIEW_CLOSED: e('denied', 'the review is already decided', 'A decided review stays decided; run the runbook again for a new review.'),
  PCQ_REVIEW_EXISTS: e('denied', 'a review for that execution already exists', 'An execution is reviewed once; run the runbook again for a new execution.'),
  PCQ_REVIEW_NOTHING_FAILED: e('denied', 'the run has no failed proof to review', 'Only a run with a failed proof opens an ombuds review.'),

  // failed-check: proofs, verification, replay
  PCQ_GRANT_MISSING: e(
    'failed-check',
    'the manifest binds no grant, or the grant it binds is not in contracts/grants/',
    'Runs sealed since grants exist bind one; restore the grant file the manifest names, or re-run under a grant.',
  ),
  PCQ_GRANT_UNCHECKED: e(
    'invalid-input',
    "the grant's file and its revocations were not checked: verified outside the repository with --key/--trust (warning)",
    'The manifest alone proves the grant it binds, its budget and receipts; to check that the grant file exists and was not revoked before the run opened, run pcq verify inside the repository the manifest came from.',
  ),
  PCQ_TIME_ANCHOR_MISSING: e(
    'failed-check',
    "the manifest carries no RFC 3161 time anchor: its executedAt is only the runner's claim (a warning, a failure where timeAnchor.required is set)",
    'Configure a time-stamping authority (timeAnchor.tsaUrl / PCQ_TSA_URL, timeAnchor.trust / PCQ_TSA_TRUST) so that runs are anchored when they are sealed.',
  ),
  PCQ_TIME_ANCHOR_INVALID: e(
    'failed-check',
    "the manifest's time anchor does not hold: the token does not parse, stamps other bytes, lacks the timeStamping EKU or the ESS signing-certificate attribute, or its signature fails",
    'The manifest or its timeAnchor was altered after the TSA stamped it (or the TSA answered wrongly at seal time); use the file exactly as the runner wrote it.',
  ),
  PCQ_TIME_ANCHOR_UNTRUSTED: e(
    'failed-check',
    "the time anchor's TSA certificate does not chain to the configured TSA trust at genTime (or none is configured where an anchor is required)",
    "Set timeAnchor.trust (PCQ_TSA_TRUST) to a PEM file with the certificate of the CA that issued the TSA's certificate.",
  ),
  PCQ_TIME_ANCHOR_UNCHECKED: e(
    'invalid-input',
    "the time anchor's signature and imprint hold, but no TSA trust is configured, so the TSA itself was not checked (warning)",
    'Set timeAnchor.trust (PCQ_TSA_TRUST) to the TSA CA certificate(s) you trust to check who stamped it.',
  ),
  PCQ_AS_OF_AFTER_ANCHOR: e(
    'failed-check',
    "the manifest's executedAt (the run's asOf) is later than the genTime of its RFC 3161 time anchor: it was sealed before the time it claims",
    'The runner chose an asOf in the future of when it sealed; treat the run as backdated evidence and re-run it with an honest --as-of.',
  ),
  PCQ_TSA_UNAVAILABLE: e(
    'transient',
    'the time-stamping authority did not stamp the manifest (unreachable, timed out, refused, or answered something that is not a granted TimeStampResp)',
    'Check timeAnchor.tsaUrl (PCQ_TSA_URL) and the network. At seal time the run is kept, sealed without an anchor (loud warning; exit 75 where timeAnchor.required); with timeAnchor.required an unreachable TSA refuses the run before it starts.',
  ),
  PCQ_GRANT_REVOKED_BEFORE_OPEN: e(
    'failed-check',
    'the grant the manifest binds was revoked at a ledger sequence before the run opened',
    'The run was not authorized; re-run it under a valid grant.',
  ),
  PCQ_GRANT_OVER_BUDGET: e(
    'failed-check',
    "the manifest's receipts spend more than the grant's budget or the reservation",
    'The run was not covered by its budget; re-run it under a grant with budget left.',
  ),
  PCQ_GRANT_MISMATCH: e(
    'failed-check',
    "the manifest's grant and receipts disagree (runner, run id, grant digest) or the grant file differs from what the manifest binds",
    'The grant section was altered or belongs to another run; use the manifest exactly as sealed.',
  ),
  PCQ_PRECONDITION_FAILED: e(
    'failed-check',
    "a step's precondition failed, so the step did not run",
    'Fix what the prover checks, or ask an ombuds to review.',
    'A proof gives the same answer on the same facts: attempted once.',
  ),
  PCQ_ASSERTION_FAILED: e(
    'failed-check',
    "an assertion step's condition does not hold",
    'Look at the values the message shows; fix the data or the assertion.',
  ),
  PCQ_EXPORT_BLOCKED: e(
    'failed-check',
    'an export cannot leave the run because a postcondition failed',
    'The ombuds review decides; after approval the exports are released.',
  ),
  PCQ_STANDARD_PREDICATE_INVALID: e(
    'failed-check',
    "verdict.vsa.json or reviews.human-review.jsonl is not the verdict key's signed restatement of score.json and the manifest",
    'The published predicates were changed or are stale; rebuild them with the verdict files (a run or an ombuds decision writes them) or restore them from git.',
  ),
  PCQ_EXPORT_UNVERIFIED: e(
    'failed-check',
    'pcq export --format in-toto refused a manifest that does not verify: its links would re-sign unchecked claims',
    'Run `pcq verify` on the manifest and fix what it reports; export only a manifest that verifies.',
  ),
  PCQ_EXPORT_KEY_MISMATCH: e(
    'denied',
    'the runner key available to pcq export is not the key that signed the manifest (executedBy)',
    'Export where the run was made, with the same runner key: in-toto links are signed by the functionary that ran the steps.',
  ),
  PCQ_MANIFEST_MALFORMED: e('failed-check', 'the manifest is not a readable pcq manifest', VERIFY),
  PCQ_MANIFEST_NOT_CANONICAL: e('failed-check', 'the manifest bytes are not its canonical (RFC 8785) form', VERIFY),
  PCQ_SCHEMA_INVALID: e('failed-check', 'the manifest does not match manifest.schema.json', VERIFY),
  PCQ_AUTHORIZATION_MISMATCH: e('failed-check', "the manifest's signed runner authorization is for another key or time than the run", VERIFY),
  PCQ_SIGNATURE_INVALID: e('failed-check', "a step attestation's signature does not verify", VERIFY),
  PCQ_PAYLOAD_INVALID: e('failed-check', "a step attestation's payload is not a valid statement", VERIFY),
  PCQ_CHAIN_BROKEN: e('failed-check', 'the attestation chain (previousAttestationHash) is broken', VERIFY),
  PCQ_APPROVAL_MISMATCH: e(
    'failed-check',
    "a paused run's state or an approval step's decision does not hold (envelope, signature, approver rules, paused root)",
    VERIFY,
  ),
  PCQ_RESUME_DECIDED: e(
    'denied',
    'the paused run already has a decision, journaled by an approve that was interrupted, and this approve asks for another',
    'A run has one decision: repeat it (same --decision and inputs) to carry it on. Nothing was changed.',
  ),
  PCQ_RESUME_JOURNAL_INVALID: e(
    'invalid-input',
    "the paused run's resume journal (private/resume.json) does not parse, or its decision is not a signed decision on this paused manifest",
    'Nothing was changed. Check who wrote it, remove it, and decide again (the run is still paused).',
  ),
  PCQ_RESUME_DIVERGED: e(
    'failed-check',
    'resuming re-executed the steps before the pause and they did not reproduce the paused attestations',
    'The runbook, its data or the runner key changed since the run paused; restore them (git) and decide again. Nothing was changed.',
  ),
  PCQ_BRANCH_MISMATCH: e('failed-check', "a step's signed branch decision (condition, skipped) contradicts its status or its parents", VERIFY),
  PCQ_PARENTS_MISMATCH: e('failed-check', "an attestation's parents do not match its needs", VERIFY),
  PCQ_PROOFS_MISMATCH: e('failed-check', "the manifest's proofs differ from the signed attestation's", VERIFY),
  PCQ_INCLUSION_PROOF_INVALID: e('failed-check', 'an inclusion proof does not lead to the Merkle root', VERIFY),
  PCQ_MERKLE_ROOT_MISMATCH: e('failed-check', 'the Merkle root does not match the attestations', VERIFY),
  PCQ_MANIFEST_SIGNATURE_INVALID: e('failed-check', 'the manifest signature does not verify', VERIFY),
  PCQ_DUPLICATE_STEP: e('failed-check', 'a step appears twice in the chain', VERIFY),
  PCQ_REVIEW_INVALID: e('failed-check', 'a review attestation is invalid', VERIFY),
  PCQ_REVIEW_ROSTER_MISSING: e(
    'failed-check',
    'the manifest carries decisions but no ombuds roster was given to check the reviewers against',
    'Run from the repository (policies/ombuds.yaml) or pass `--roster <ombuds.yaml>` as it stood when the decisions were taken.',
  ),
  PCQ_VERDICT_MALFORMED: e(
    'failed-check',
    'score.json, the evidence bundle or a verdict file is malformed',
    'Take the four verdict files from one execution folder, unchanged.',
  ),
  PCQ_VERDICT_SIGNATURE_INVALID: e('failed-check', "verdict.sig is not the key's signature of the score", 'Do not trust this verdict.'),
  PCQ_EVIDENCE_MISMATCH: e('failed-check', 'the evidence is not the bundle the score names', 'Do not trust this verdict.'),
  PCQ_MANIFEST_DIGEST_MISMATCH: e('failed-check', 'the manifest in the evidence is not the one the score names', 'Do not trust this verdict.'),
  PCQ_VERDICT_INCONSISTENT: e('failed-check', 'the score says something the manifest does not', 'Do not trust this verdict.'),
  PCQ_REPLAY_RUNBOOK_MISMATCH: e(
    'failed-check',
    'the stored runbook text does not match the signed digest',
    'The execution folder was modified; verify the manifest and restore it from git.',
  ),
  PCQ_REPLAY_RECORDING_MISMATCH: e(
    'failed-check',
    'recordings.json does not hold exactly the recorded exchanges the step attestations sign',
    'The execution folder was modified; restore it from git.',
  ),
  PCQ_REPLAY_MISSING_RECORDING: e(
    'failed-check',
    'a replay made an external call the run never recorded',
    'The replay diverged from the run; compare the runbook and inputs.',
  ),
  PCQ_REPLAY_EFFECT_MISMATCH: e(
    'failed-check',
    'a replay would send a notification the run did not send',
    'The replay diverged from the run; compare the runbook and inputs.',
  ),
  PCQ_RELEASE_MISMATCH: e(
    'failed-check',
    'a withheld export to release is not the artifact the signed attestation names',
    'Nothing more was released; the withheld or sealed copy was changed after the run. Restore the execution folder from git.',
  ),
  PCQ_UNSEAL_MISMATCH: e(
    'failed-check',
    'sealed private data does not hold what the run signed (commitments or artifact digests)',
    'Do not decide on it; restore the execution folder from git and report it.',
  ),
  PCQ_UNSEAL_FAILED: e(
    'denied',
    'a sealed file cannot be opened with the given key',
    'Use the key of a holder listed in sealed/recipients.json (your reviewer key, or the runner key).',
  ),
  PCQ_SEALED_MISSING: e(
    'invalid-input',
    'the execution has no sealed data to open',
    'Only runs with private steps or withheld exports have sealed/ files; the rest is public as it is.',
  ),

  // transient: may succeed when tried again
  PCQ_STEP_TIMEOUT: e(
    'transient',
    'a step attempt took longer than its timeout',
    "Raise the step's `timeout:` in the runbook, or find out why it is slow.",
    'Slowness passes (a busy service, a cold cache), and a timed-out attempt writes nothing the run keeps, so a fresh attempt is safe.',
  ),
  // runtime and operations (issue 13): signers, connector authentication, readiness
  PCQ_SIGNER_UNAVAILABLE: e(
    'transient',
    'the signer (remote service or PKCS#11 token) could not be reached',
    'Check the signing service or token is up; the same call may succeed later.',
  ),
  PCQ_AUTH_UNAVAILABLE: e('transient', "a connector's auth server could not be reached", 'Check the auth server is up; the same call may succeed later.'),
  PCQ_HTTP_TIMEOUT: e(
    'transient',
    "an external call took longer than the connector's timeout",
    'Raise the connector timeout in policies/connectors.yaml or check the service.',
  ),
  PCQ_HTTP_UNREACHABLE: e(
    'transient',
    'an external service could not be reached',
    'Check the service is reachable, or switch the connector to mode: recorded.',
  ),
  PCQ_GRAPH_UNAVAILABLE: e('transient', 'the graph database could not be opened or reached', 'Start Neo4j (or reinstall kuzu with `npm ci`), then run again.'),
  PCQ_NOTIFY_UNAVAILABLE: e(
    'transient',
    'the mail server or webhook could not be reached, or asked to slow down',
    'Check the server is up; the step is tried again with backoff.',
    'Nothing was delivered (no connection, SMTP 4xx, HTTP 429), so trying again cannot notify twice.',
  ),
  PCQ_GITHUB_UNAVAILABLE: e(
    'transient',
    'GitHub could not be reached or answered 429/5xx',
    'Run the workflow again later; Octokit already retried where GitHub allows.',
  ),
  PCQ_TOKEN_CACHE_LOCKED: e(
    'transient',
    "another pcq process held a connector's token cache lock for longer than the wait",
    'Try again in a moment; a lock left by a process that no longer runs is taken over by itself.',
  ),
  PCQ_LEDGER_LOCKED: e(
    'transient',
    'another pcq process held the embedded ledger lock for longer than the wait',
    'Try again in a moment; a lock left by a process that no longer runs is taken over by itself.',
  ),
  PCQ_VAULT_UNAVAILABLE: e(
    'transient',
    'the Soroban RPC server could not be reached, or a transaction did not settle in time',
    'Check RUNNER_RPC_URL and the network; the same call may succeed later.',
  ),
  PCQ_INDEX_LOCKED: e(
    'transient',
    'a running pcq process held the index lock for longer than the wait',
    'Try again in a moment; a lock left by a process that no longer runs is taken over by itself.',
  ),
  PCQ_RESUME_SETTLEMENT_UNKNOWN: e(
    'failed-check',
    'an approve killed between finalize_run and recording its receipt settled the run on a vault that cannot be asked for the receipt',
    'The run stays paused and is never settled twice; an operator finds the finalize_run transaction (`pcq status`, contract events) and reconciles it.',
  ),
  PCQ_RESUME_RUN_NOT_OPEN: e(
    'failed-check',
    'the vault this approve reached never reserved the paused run (the embedded ledger of another machine or job)',
    'Resume where the run paused, or use the Soroban vault for runs with approval steps; the run stays paused.',
  ),
  PCQ_RESUME_LOCKED: e(
    'transient',
    'another `pcq approve` is resuming this execution',
    'Wait for it to finish; then the run is no longer paused (or the first one failed and you can try again).',
  ),
  PCQ_REVIEW_LOCKED: e(
    'transient',
    'a running pcq process is deciding the same review',
    'Try again in a moment; a lock left by a process that no longer runs is taken over by itself.',
  ),

  // internal: bugs
  PCQ_INTERNAL: e('internal', 'an error pcq did not expect', 'This is a bug in pcq; please report it with the command you ran.'),
  PCQ_STEP_FAILED: e(
    'internal',
    'step code threw an error without a PCQ code',
    "See the step's message; a step kind should report a coded error.",
    'Unknown errors are not retried (a node ECONNRESET, ETIMEDOUT, EAI_AGAIN… is: see run/retry-policy.ts).',
  ),
  PCQ_ATTEST_INVALID: e('internal', 'a step record does not follow the attestation format', 'This is a bug in the caller of attestStep.'),
  PCQ_SEAL_INVALID: e('internal', 'an attestation hash given to seal is wrong', 'This is a bug in the caller of sealManifest.'),
  PCQ_SCHEDULE_INVALID: e(
    'internal',
    'the scheduler was given an invalid graph or concurrency',
    'Pass the nodes from the planner; set concurrency to a positive integer.',
  ),
  PCQ_GRAPH_CLOSED: e('internal', 'the graph store was used after it was closed', 'This is a bug in the caller: open a store per run and close it at the end.'),
  PCQ_SEED_INVALID: e('internal', 'a random seed is not hex', "Derive the seed from the run's inputs (sha256 hex)."),
  PCQ_PR_BODY_TOO_LARGE: e('internal', "a review PR body does not fit GitHub's limit", 'This should not happen with pcq-written tickets; please report it.'),
  PCQ_PRIVATE_PATH: e(
    'internal',
    "a private file (under an execution's private/) was handed to something that publishes",
    'This is a bug in pcq: publishers take public files only (store/public-path.ts); nothing was published.',
  ),
  PCQ_SITE_BUILD_FAILED: e('internal', 'the Astro site build failed', 'Run the build with the same --data and read the first error above.'),
} as const satisfies Record<string, ErrorSpec>;

/** Every code pcq reports. A literal outside the table fails the type-check. */
export type PcqCode = keyof typeof ERROR_CATALOGUE;

export function isPcqCode(code: string): code is PcqCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code);
}

/** The class of a code; a code not in the table (read from an old file) counts as internal. */
export function classOf(code: string): ErrorClass {
  return isPcqCode(code) ? ERROR_CATALOGUE[code].class : 'internal';
}

export function isRetryableCode(code: string): boolean {
  return ERROR_CLASSES[classOf(code)].retryable;
}

const PRECEDENCE: readonly ErrorClass[] = ['internal', 'transient', 'denied', 'failed-check', 'invalid-input', 'usage'];

/** The exit code for a set of codes: the most serious class wins (internal first, usage last). */
export function exitCodeFor(codes: readonly string[]): number {
  const classes = new Set(codes.map(classOf));
  for (const cls of PRECEDENCE) if (classes.has(cls)) return ERROR_CLASSES[cls].exitCode;
  return ERROR_CLASSES.internal.exitCode;
}
