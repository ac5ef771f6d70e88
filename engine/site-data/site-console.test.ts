// Unit tests of the console's pure parts: the field-level diff and its highlighting, the replay's
// cause, and the run links (a link only from recorded data, a sentence otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlightedJson, jsonDiff } from './json-diff.ts';
import { replayView } from './replay-view.ts';
import { runLinks } from './run-links.ts';
import type { StepView } from './site-model.ts';

test('jsonDiff names every changed, added and removed leaf by JSON Pointer', () => {
  const a = { rows: [{ id: 1, email: 'a@x' }, { id: 2 }], 'a/b': 1, gone: true };
  const b = { rows: [{ id: 1, email: 'b@x' }, { id: 2 }, { id: 3 }], 'a/b': 2, added: null };
  assert.deepEqual(
    jsonDiff(a, b).map((c) => [c.path, c.kind]),
    [
      ['/rows/0/email', 'changed'],
      ['/rows/2', 'added'],
      ['/a~1b', 'changed'],
      ['/gone', 'removed'],
      ['/added', 'added'],
    ],
  );
  assert.deepEqual(jsonDiff([1, 2], [1, 2]), []);
  assert.deepEqual(jsonDiff(1, '1'), [{ path: '', kind: 'changed', original: 1, replayed: '1' }]);
});

test('highlightedJson marks exactly the changed lines and escapes hostile values', () => {
  const a = { name: '<script>x</script>', n: 1 };
  const b = { name: '<script>x</script>', n: 2 };
  const changes = jsonDiff(a, b);
  const left = highlightedJson(a, changes, 'original');
  const right = highlightedJson(b, changes, 'replayed');
  assert.equal(left.match(/<mark/g)?.length, 1);
  assert.match(left, /<mark class="diff-del" data-path="\/n">\s+"n": 1<\/mark>/);
  assert.match(right, /<mark class="diff-add" data-path="\/n">\s+"n": 2<\/mark>/);
  assert.doesNotMatch(left + right, /<script>/);
});

const step = (stepId: string, outputs: unknown) => ({ stepId, outputs, subjectDigest: 'aa' }) as unknown as StepView;

test('a differing replay names a changed dataset file as the cause, and says when the files explain nothing', () => {
  const report = { identical: false, steps: [{ stepId: 's', identical: false, differences: [{ field: 'outputs', original: [1], replayed: [2] }] }] };
  const change = { path: 'runbooks/data/intel/entities.csv', signed: 'sha256:' + 'a'.repeat(64), now: 'sha256:' + 'b'.repeat(64) };
  const withData = replayView('2', report, 'R3', 'e', [step('s', [1])], [change]);
  assert.equal(withData.cause?.kind, 'data');
  assert.deepEqual(withData.cause?.files, [change]);
  assert.deepEqual(
    withData.steps[0]!.fieldChanges.map((c) => c.path),
    ['/outputs/0'],
  );
  assert.equal(replayView('2', report, 'R3', 'e', [step('s', [1])]).cause?.kind, 'unexplained');
  assert.equal(replayView('1', { identical: true, steps: [{ stepId: 's', identical: true }] }, 'R3', 'e', [step('s', [1])], [change]).cause, undefined);
});

test('run links come from recorded data only; where absent the view says so', () => {
  const base = { runbookId: 'R1', executionId: 'x1', decisions: [], ticket: undefined };
  const none = runLinks(base, { run: {} });
  assert.deepEqual(
    Object.values(none).map((l) => 'href' in l),
    [false, false, false],
  );
  const repo = { server: 'https://github.com', repository: 'o/r', runWorkflow: 'run.yml' };
  const sha = 'c'.repeat(40);
  const full = runLinks(
    { ...base, decisions: [{ pullRequest: 7 }] as never },
    { run: { ci: { server: 'https://github.com', repository: 'o/r', runId: '9' } }, commit: sha, repo },
  );
  assert.deepEqual(full, {
    actionsRun: { href: 'https://github.com/o/r/actions/runs/9', label: 'run 9' },
    commit: { href: `https://github.com/o/r/commit/${sha}`, label: sha.slice(0, 12) },
    reviewPr: { href: 'https://github.com/o/r/pull/7', label: '#7' },
  });
  // A hostile run.json cannot put a javascript: link on the page.
  const hostile = runLinks(base, { run: { ci: { server: 'javascript:alert(1)', repository: 'o/r', runId: '9' } } });
  assert.equal('href' in hostile.actionsRun, false);
});
