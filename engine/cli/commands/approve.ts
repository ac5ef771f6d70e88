// `pcq approve <executionId> --decision approve|reject --by <login>`: decide a run paused at an
// approval step and resume it (run/resume-run.ts, FORMATS.md "Approval steps"). The decision is
// signed with the approver's own reviewer key and checked with the ombuds approval rules before
// anything is written; a refusal prints its coded reasons, exits 1 and changes nothing.
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, reportIssues, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { loadReviewerSigner } from '../../runtime/reviewer-keys.ts';
import { parseInputFlags } from '../../run/run-params.ts';
import { approveAndResume } from '../../run/resume-run.ts';
import { createRunLogger, logRunEvent } from '../../runtime/run-log.ts';

const USAGE = `Usage: pcq approve <executionId> --decision approve|reject --by <login>
                   [--input name=value]… [--inputs file.json] [--comment TEXT] [--json]

A runbook with an approval step (type: approval) pauses there: the steps before it are signed and
chained, the run is sealed as paused and the step's approvers are notified. An approver decides:
  approve   the run resumes from the pause; later steps read your inputs as
            steps.<approvalStepId>.inputs.<name>
  reject    the run ends: nothing after the approval runs, no export leaves it
The decision is signed with YOUR reviewer key (PCQ_REVIEWER_SECRET, else
.pcq/keys/reviewer-<login>.secret from \`pcq keys generate --reviewer <login>\`, listed in the trust
store with role reviewer and \`login: <login>\`), becomes part of the run's signed record, and the
final manifest's chain covers the steps before the pause, the decision and the rest. Refused, with
nothing changed: anyone off the ombuds roster or the step's approvers, the run's own actor, a bot,
a key that is not the approver's own, inputs that do not match the step's schema, a run that is not
paused (or was decided already).

Options:
  --decision D       approve or reject (required)
  --by LOGIN         the deciding approver (required); signs with their key
  --input name=value an input the step's \`inputs\` schema declares (value read as JSON when it is
                     JSON: 8.5, true, "text"; otherwise as text); repeatable
  --inputs FILE      a JSON object of inputs (merged under the --input values)
  --comment TEXT     why (signed with the decision)
  --json             print the report as JSON
  --root DIR         repository root (default: .)
  -h, --help         this text

Exit codes: 0 decided and the run ended as decided · 1 refused, or the resumed run failed
            2 bad arguments · 3 invalid inputs · 4 the resumed run paused again or was blocked · 75 another approve is resuming it
`;

export const command: Command = {
  name: 'approve',
  summary: 'Decide a run paused at an approval step (approve or reject) and resume it',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        decision: { type: 'string' },
        by: { type: 'string' },
        input: { type: 'string', multiple: true },
        inputs: { type: 'string' },
        comment: { type: 'string' },
        json: { type: 'boolean' },
        ...CONFIG_FLAG_OPTIONS,
      },
      'approve',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const json = values.json === true;
    try {
      const [executionId, ...rest] = positionals;
      if (executionId === undefined || rest.length > 0) throw usage('pcq approve takes exactly one execution id');
      if (values.decision !== 'approve' && values.decision !== 'reject') throw usage('--decision must be approve or reject');
      const by = typeof values.by === 'string' ? values.by.trim() : '';
      if (by === '') throw usage('--by <login> is required: the approver who decides');
      const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
      const inputs = { ...(await inputsFile(io.cwd, values.inputs)), ...jsonValues(parseInputFlags((values.input as string[] | undefined) ?? [])) };
      const { signer } = await loadReviewerSigner(config.root, by, config.env);
      const log = createRunLogger({ level: config.logLevel, write: io.stderr });
      const report = await approveAndResume({
        config,
        executionId,
        decision: values.decision,
        reviewer: by,
        signer,
        inputs,
        ...(typeof values.comment === 'string' ? { comment: values.comment } : {}),
        env: config.env,
        startedAt: new Date().toISOString(),
        onEvent: (event) => logRunEvent(log, event),
      });
      const run = report.run;
      if (json) printJson(io, { ok: true, ...report, run: { ...run, committed: undefined } });
      else {
        io.stdout(
          `${report.decision === 'approve' ? '✅ approved' : '⛔ rejected'} by ${by}: ${report.stepId} of ${executionId} (paused root ${report.pausedMerkleRoot})\n` +
            `run ${run.status} · verdict ${run.verdict} · merkle root ${run.merkleRoot}\n` +
            `manifest: ${relative(io.cwd, run.manifestPath)}   (verify: pcq verify ${relative(io.cwd, run.manifestPath)})\n` +
            (run.artifacts.length > 0
              ? `exports (${run.status === 'succeeded' ? 'released' : 'WITHHELD'}): ${run.artifacts.map((a) => a.name).join(', ')}\n`
              : ''),
        );
      }
      if (run.status === 'succeeded' || run.status === 'rejected') return EXIT.ok;
      return run.status === 'failed' ? EXIT.failed : EXIT.blocked;
    } catch (err) {
      return reportIssues(io, err, json);
    }
  },
};

function usage(message: string): PcqError {
  return new PcqError({ code: 'PCQ_USAGE', message, hint: 'Run `pcq approve --help`.' });
}

/** `--input name=value`: the value as JSON when it parses (8.5, true, "x"), else the text itself. */
function jsonValues(raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(raw)) {
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      /* plain text */
    }
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

async function inputsFile(cwd: string, file: unknown): Promise<Record<string, unknown>> {
  if (typeof file !== 'string') return {};
  const text = await readFile(resolve(cwd, file), 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_APPROVAL_INPUTS_INVALID',
      message: `${file} is not JSON: ${(err as Error).message}`,
      hint: 'Write the inputs as one JSON object.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PcqError({ code: 'PCQ_APPROVAL_INPUTS_INVALID', message: `${file} must hold one JSON object of inputs`, hint: 'Write {"name": value, …}.' });
  }
  return value as Record<string, unknown>;
}
