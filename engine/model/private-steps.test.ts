import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseRunbook } from './parse-runbook.ts';

const privacy = (text: string) => {
  const parsed = parseRunbook(text, 'runbooks/T.yaml', { digest: 'sha256:' + '0'.repeat(64) });
  return { steps: Object.fromEntries((parsed.runbook?.steps ?? []).map((s) => [s.stepId, s.private])), issues: parsed.issues };
};

const HEAD = 'runbookId: T\nname: t\nversion: "1"\nsteps:\n';

test('exports, what feeds them, and what depends on private data are private; the rest is public', () => {
  const { steps, issues } = privacy(
    HEAD +
      [
        '  - { stepId: a, type: query, cypher: "MATCH (n) RETURN n" }',
        '  - { stepId: b, type: transform, needs: [a] }',
        '  - { stepId: side, type: query, needs: [], cypher: "MATCH (n) RETURN n" }',
        '  - { stepId: e, type: export, needs: [b], format: csv, name: e.csv }',
        '  - { stepId: after, type: transform, needs: [b, side] }',
      ].join('\n') +
      '\n',
  );
  assert.deepEqual(
    issues.filter((i) => i.severity !== 'warning'),
    [],
  );
  assert.deepEqual(steps, { a: true, b: true, side: false, e: true, after: true });
});

test('private: false publishes a step on purpose and stops inheritance; private: true marks any step', () => {
  const { steps } = privacy(
    HEAD +
      [
        '  - { stepId: a, type: query, cypher: "MATCH (n) RETURN n", private: true }',
        '  - { stepId: count, type: aggregate, needs: [a], private: false, metrics: { n: { op: count } } }',
        '  - { stepId: after, type: transform, needs: [count] }',
      ].join('\n') +
      '\n',
  );
  assert.deepEqual(steps, { a: true, count: false, after: false });
});

test('a non-boolean private is a schema error with its file:line', () => {
  const { issues } = privacy(HEAD + '  - stepId: a\n    type: query\n    cypher: "MATCH (n) RETURN n"\n    private: "yes"\n');
  const issue = issues.find((i) => i.message.includes('private'));
  assert.ok(issue, JSON.stringify(issues));
  assert.equal(issue.location?.file, 'runbooks/T.yaml');
  assert.equal(issue.location?.line, 8);
});

test("R1's enriched rows are private: every step of R1 feeds its export", () => {
  const text = readFileSync(new URL('../../runbooks/R1-entity-enrichment.yaml', import.meta.url), 'utf8');
  const { steps } = privacy(text);
  assert.deepEqual(steps, {
    'query-entities': true,
    'fetch-external-data': true,
    'normalise-emails': true,
    'update-entities': true,
    'assert-completeness': true,
    'export-enriched': true,
  });
});
