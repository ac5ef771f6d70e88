// Renders docs/ERRORS.md from the error catalogue, so the user-facing list of codes can never
// disagree with the table the CLI and the scheduler read (`npm run docs:errors` writes it; a test
// fails when the committed file is stale).
import { ERROR_CATALOGUE, ERROR_CLASSES, type ErrorClass, type ErrorSpec } from './error-catalogue.ts';

const ORDER: readonly ErrorClass[] = ['usage', 'invalid-input', 'denied', 'failed-check', 'transient', 'internal'];

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderErrorDocs(): string {
  const rows = Object.entries(ERROR_CATALOGUE) as Array<[string, ErrorSpec]>;
  const out: string[] = [
    '# pcq error codes',
    '',
    '<!-- Generated from engine/base/error-catalogue.ts by `npm run docs:errors`; do not edit by hand. -->',
    '',
    'Every failure pcq reports carries a stable `PCQ_*` code, a message that says what happened and a',
    'hint that says what to do (plus `file:line:col` when there is one). Each code belongs to one class;',
    'the class gives the exit code of `pcq` and whether a runbook step that failed with it is tried',
    "again (per the step's `retry:` policy, with backoff). Only transient failures are retried: a",
    'deterministic failure gives the same answer the second time. An error thrown by step code without',
    'a code is not retried, unless it carries a node error code of a passing network condition',
    '(ECONNRESET, ECONNREFUSED, ETIMEDOUT, EAI_AGAIN, …).',
    '',
    '| class | exit code | retried | meaning |',
    '|---|---|---|---|',
    ...ORDER.map((c) => `| ${c} | ${ERROR_CLASSES[c].exitCode} | ${ERROR_CLASSES[c].retryable ? 'yes' : 'no'} | ${cell(ERROR_CLASSES[c].meaning)} |`),
    '',
    'Exit code 0 is success and 4 a run that finished but was blocked by a failed postcondition;',
    'neither is an error code. When several errors are reported at once, the most serious class',
    'decides the exit code (internal, transient, denied, failed check, invalid input, usage).',
  ];
  for (const cls of ORDER) {
    const codes = rows.filter(([, spec]) => spec.class === cls).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.push(
      '',
      `## ${cls} (exit ${ERROR_CLASSES[cls].exitCode}${ERROR_CLASSES[cls].retryable ? ', retried' : ''})`,
      '',
      '| code | meaning | what to do |',
      '|---|---|---|',
    );
    for (const [code, spec] of codes) {
      const why = spec.why === undefined ? '' : ` *(${cell(spec.why)})*`;
      out.push(`| \`${code}\` | ${cell(spec.summary)}${why} | ${cell(spec.hint)} |`);
    }
  }
  return out.join('\n') + '\n';
}
