// Approver inputs from a pause PR review body (review/approval-inputs.ts): one ```yaml block, checked
// against the step's schema, every problem located at its line and column in the body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseRunbook } from '../model/parse-runbook.ts';
import { inputsFromReviewBody } from './approval-inputs.ts';
import type { PcqIssue } from '../base/errors.ts';

const r5 = parseRunbook(readFileSync(new URL('../../runbooks/R5-escalation-approval.yaml', import.meta.url), 'utf8'), 'R5.yaml').runbook!;
const gate = r5.steps.find((s) => s.stepId === 'confirm-threshold')!;
const noInputs = { ...gate, config: { message: 'ok?' } };
const where = 'review 41 on PR #7';
const issuesOf = (r: ReturnType<typeof inputsFromReviewBody>): PcqIssue[] =>
  'issues' in r ? r.issues : assert.fail(`expected issues, got ${JSON.stringify(r)}`);

test('a yaml (or json) block is the inputs; prose and other fences are commentary', () => {
  assert.deepEqual(inputsFromReviewBody('Looks right, but lower it.\n\n```yaml\nthreshold: 8\n```\n', gate, where), { inputs: { threshold: 8 } });
  assert.deepEqual(inputsFromReviewBody('~~~json\n{"threshold": 6.5}\n~~~', gate, where), { inputs: { threshold: 6.5 } });
  assert.deepEqual(inputsFromReviewBody('See:\n```\nthreshold: 99\n```\n```sh\necho hi\n```\nLGTM', gate, where), { inputs: {} });
  assert.deepEqual(inputsFromReviewBody('', gate, where), { inputs: {} });
  assert.deepEqual(inputsFromReviewBody('```YAML\r\nthreshold: 3\r\n```', gate, where), { inputs: { threshold: 3 } });
});

test('a value outside the schema is located at its line and column in the body', () => {
  const body = 'Approved with a correction:\n\n```yaml\n# severity\nthreshold:   12\n```\n';
  const [one, ...rest] = issuesOf(inputsFromReviewBody(body, gate, where));
  assert.equal(rest.length, 0);
  assert.equal(one!.code, 'PCQ_APPROVAL_INPUTS_INVALID');
  assert.deepEqual(one!.location, { file: where, line: 5, col: 14 });
  assert.match(one!.message, /^review 41 on PR #7:5:14: confirm-threshold input threshold: .*10/);
});

test('an undeclared input, broken YAML, a non-mapping, an unclosed or a second block are each refused with a location', () => {
  const extra = issuesOf(inputsFromReviewBody('```yaml\nthreshold: 8\nrunAs: root\n```', gate, where));
  assert.ok(extra.some((i) => /runAs|additional/i.test(i.message)));
  const broken = issuesOf(inputsFromReviewBody('x\n```yaml\nthreshold: [8\n```', gate, where));
  assert.ok(broken[0]!.location!.line >= 3, JSON.stringify(broken));
  assert.match(issuesOf(inputsFromReviewBody('```yaml\n- 8\n```', gate, where))[0]!.message, /must be a mapping/);
  assert.deepEqual(issuesOf(inputsFromReviewBody('a\n\n```yaml\nthreshold: 8\n', gate, where))[0]!.location, { file: where, line: 3, col: 1 });
  assert.deepEqual(issuesOf(inputsFromReviewBody('```yaml\nthreshold: 8\n```\n```json\n{}\n```', gate, where))[0]!.location, { file: where, line: 4, col: 1 });
  assert.match(issuesOf(inputsFromReviewBody('```yaml\nthreshold: 8\n```', noInputs, where))[0]!.message, /declares no inputs/);
  const alias = issuesOf(inputsFromReviewBody('```yaml\nthreshold: !!js/function "x"\n```', gate, where));
  assert.ok(alias.length > 0);
});

test('hostile bodies give inputs or located issues, never a throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (text) => {
      for (const body of [text, '```yaml\n' + text + '\n```']) {
        const r = inputsFromReviewBody(body, gate, where);
        if ('issues' in r) assert.ok(r.issues.every((i) => i.code === 'PCQ_APPROVAL_INPUTS_INVALID' && i.location && i.location.line >= 1));
      }
    }),
    { numRuns: 300 },
  );
});
