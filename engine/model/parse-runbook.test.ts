import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseRunbook } from './parse-runbook.ts';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS } from './runbook.ts';
import { formatDuration, parseDuration } from './duration.ts';

const head = 'runbookId: T\nname: t\nversion: "1"\n';
const ok = (text: string) => {
  const parsed = parseRunbook(text, 'rb.yaml');
  assert.deepEqual(parsed.issues, []);
  return parsed.runbook!;
};

test('implicit needs: the step before; [] is a root; the first step is a root', () => {
  const rb = ok(`${head}steps:
  - {stepId: a, type: assertion}
  - {stepId: b, type: assertion}
  - {stepId: c, type: assertion, needs: []}
  - {stepId: d, type: assertion}
  - {stepId: e, type: assertion, needs: [a, b]}
`);
  assert.deepEqual(
    rb.steps.map((s) => [s.stepId, s.needs, s.needsExplicit]),
    [
      ['a', [], false],
      ['b', ['a'], false],
      ['c', [], true],
      ['d', ['c'], false],
      ['e', ['a', 'b'], true],
    ],
  );
});

test('retry and timeout: defaults, runbook defaults, then the step', () => {
  const rb = ok(`${head}defaults: {retry: {attempts: 5}, timeout: 30s}
steps:
  - {stepId: a, type: assertion}
  - {stepId: b, type: assertion, retry: {backoff: [500ms, 1.5s]}, timeout: 2m}
  - {stepId: c, type: assertion, retry: {attempts: 1}, timeout: 250}
`);
  assert.deepEqual(
    rb.steps.map((s) => [s.retry, s.timeoutMs]),
    [
      [{ attempts: 5, backoffMs: DEFAULT_RETRY.backoffMs }, 30_000],
      [{ attempts: 5, backoffMs: [500, 1500] }, 120_000],
      [{ attempts: 1, backoffMs: DEFAULT_RETRY.backoffMs }, 250],
    ],
  );
  const plain = ok(`${head}steps:\n  - {stepId: a, type: assertion}\n`);
  assert.deepEqual([plain.steps[0]!.retry, plain.steps[0]!.timeoutMs], [DEFAULT_RETRY, DEFAULT_TIMEOUT_MS]);
});

test('durations parse and print', () => {
  assert.deepEqual(['500ms', '2s', '1.5s', '1m', '1h', 42, '2 s', 'x', -1, '1d'].map(parseDuration), [
    500,
    2000,
    1500,
    60_000,
    3_600_000,
    42,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual([250, 2000, 1500, 90_000, 7_200_000].map(formatDuration), ['250ms', '2s', '1.5s', '1.5m', '2h']);
});

test('kind fields go to config; provers are keyed by id with their phase and location', () => {
  const rb = ok(`${head}steps:
  - stepId: q
    type: query
    description: find
    cypher: MATCH (n) RETURN n
    params: {min: "1.0"}
    preconditions: [can-read]
provers:
  preconditions:
    can-read: {type: opa, policy: intelgraph.allow, input: {action: read}}
  postconditions:
    kpi: {type: metric, query: "RETURN 1 AS x", assertion: "x >= 1.0"}
`);
  const q = rb.steps[0]!;
  assert.deepEqual(q.config, { cypher: 'MATCH (n) RETURN n', params: { min: '1.0' } });
  assert.equal(q.description, 'find');
  assert.deepEqual(q.location, { file: 'rb.yaml', line: 5, col: 5 });
  assert.deepEqual(q.fieldLocations?.cypher, { file: 'rb.yaml', line: 8, col: 13 });
  assert.deepEqual(q.fieldLocations?.['preconditions.0'], { file: 'rb.yaml', line: 10, col: 21 });
  assert.deepEqual(rb.provers['can-read'], {
    id: 'can-read',
    phase: 'precondition',
    type: 'opa',
    config: { policy: 'intelgraph.allow', input: { action: 'read' } },
    location: { file: 'rb.yaml', line: 13, col: 5 },
  });
  assert.equal(rb.provers.kpi!.phase, 'postcondition');
});

test('source digest is sha256 of the text, or the digest the reader passes', () => {
  const text = `${head}steps:\n  - {stepId: a, type: assertion}\n`;
  assert.equal(ok(text).source.digest, `sha256:${createHash('sha256').update(text).digest('hex')}`);
  assert.equal(parseRunbook(text, 'f', { digest: 'sha256:00' }).runbook!.source.digest, 'sha256:00');
});

test('schema problems still yield a draft (for graph checks) but never a runbook', () => {
  const parsed = parseRunbook(`${head}steps:\n  - {stepId: a, type: query}\n  - {stepId: b, type: assertion, needs: [a]}\n`, 'f');
  assert.equal(parsed.runbook, undefined);
  assert.deepEqual(
    parsed.draft?.steps.map((s) => s.stepId),
    ['a', 'b'],
  );
  assert.deepEqual(
    parsed.issues.map((i) => i.code),
    ['PCQ_SCHEMA'],
  );
});

test('YAML problems yield neither; an empty file is one coded issue', () => {
  const broken = parseRunbook('a: [\n', 'f');
  assert.equal(broken.draft, undefined);
  assert.equal(broken.issues[0]!.code, 'PCQ_YAML_SYNTAX');
  assert.deepEqual(
    parseRunbook('# nothing\n', 'f').issues.map((i) => [i.code, i.message]),
    [['PCQ_SCHEMA', 'the file is empty']],
  );
  assert.deepEqual(
    parseRunbook('- a\n', 'f').issues.map((i) => i.code),
    ['PCQ_SCHEMA'],
  );
});

test('the same prover id in both phases is refused at the second', () => {
  const parsed = parseRunbook(
    `${head}steps:\n  - {stepId: a, type: assertion}\nprovers:\n  preconditions:\n    p: {type: opa}\n  postconditions:\n    p: {type: metric}\n`,
    'f',
  );
  assert.deepEqual(
    parsed.issues.map((i) => [i.code, i.location?.line]),
    [['PCQ_DUPLICATE_PROVER_ID', 10]],
  );
});
