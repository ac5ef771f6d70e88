import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { RUNBOOK_SCHEMA, schemaIssues } from './runbook-schema.ts';
import { readYamlSource } from './yaml-source.ts';
import { STEP_TYPES } from './step-types.ts';
import { PROVER_TYPES } from './prover-types.ts';

const issuesOf = (yaml: string) => {
  const source = readYamlSource(yaml, 'rb.yaml');
  assert.deepEqual(source.issues, []);
  return schemaIssues(source.value, source.locate);
};
const runbook = (steps: string) => `runbookId: T\nname: t\nversion: "1"\nsteps:\n${steps}`;

// One minimal valid step per type; the schema must accept each and refuse a foreign field on each.
const MINIMAL: Record<string, string> = {
  query: '    cypher: MATCH (n) RETURN n\n',
  mutation: '    cypher: MATCH (n) SET n.x = 1\n',
  transform: '    filter: row.x > 1.0\n',
  aggregate: '    metrics: {total: {op: count}}\n',
  assertion: '',
  external_api: '    connector: enrichment\n',
  export: '    format: csv\n    name: out.csv\n',
  notify: '    channel: email\n    to: [a@example.com]\n    subject: s\n    text: t\n',
  spell: '    uses: pcq-score-pairs@1.0.0\n    with: {model: {}}\n',
  approval: '    message: go on?\n',
};

test('the schema lists exactly STEP_TYPES and PROVER_TYPES', () => {
  const defs = (RUNBOOK_SCHEMA as { definitions: Record<string, { properties: Record<string, { enum: string[] }> }> }).definitions;
  assert.deepEqual(defs.step!.properties.type!.enum, [...STEP_TYPES]);
  assert.deepEqual(defs.prover!.properties.type!.enum, [...PROVER_TYPES]);
  assert.deepEqual(Object.keys(MINIMAL), [...STEP_TYPES]);
});

test('the schema is valid draft-07 for editors (a fresh strict ajv compiles it)', () => {
  const ajv = new Ajv({ strict: false });
  ajv.addFormat('uri', true);
  assert.equal(typeof ajv.compile(RUNBOOK_SCHEMA), 'function');
});

test('the seed R1 JSON passes the schema unchanged', () => {
  const text = readFileSync('engine/testing/fixtures/seed-R1.json', 'utf8');
  const source = readYamlSource(text, 'seed-R1.json');
  assert.deepEqual(schemaIssues(source.value, source.locate), []);
});

for (const type of STEP_TYPES) {
  test(`a minimal ${type} step is valid, and a foreign field in it is located`, () => {
    assert.deepEqual(issuesOf(runbook(`  - stepId: s\n    type: ${type}\n${MINIMAL[type]}`)), []);
    const bad = issuesOf(runbook(`  - stepId: s\n    type: ${type}\n${MINIMAL[type]}    colour: red\n`));
    assert.equal(bad.length, 1, JSON.stringify(bad));
    assert.equal(bad[0]!.code, 'PCQ_SCHEMA');
    assert.match(bad[0]!.message, /steps\[0\] \("s"\): unknown field "colour"/);
    assert.equal(bad[0]!.location?.line, 7 + MINIMAL[type]!.split('\n').length - 1);
    assert.equal(bad[0]!.location?.col, 5);
  });
}

test('a field of another type is unknown here (cypher on a notify step)', () => {
  const issues = issuesOf(runbook(`  - stepId: s\n    type: notify\n${MINIMAL.notify}    cypher: MATCH (n) RETURN n\n`));
  assert.deepEqual(
    issues.map((i) => i.code),
    ['PCQ_SCHEMA'],
  );
  assert.match(issues[0]!.hint!, /channel, to, subject, text, attach/);
});

test('an unknown step type is one PCQ_UNKNOWN_STEP_TYPE at the type value, with the list', () => {
  const issues = issuesOf(runbook('  - stepId: s\n    type: spel\n    extra: 1\n'));
  assert.deepEqual(
    issues.map((i) => [i.code, i.location?.line, i.location?.col]),
    [['PCQ_UNKNOWN_STEP_TYPE', 6, 11]],
  );
  assert.match(issues[0]!.hint!, /query, mutation/);
});

test('version written as a number gets a hint to quote it', () => {
  const issues = issuesOf('runbookId: T\nname: t\nversion: 1.0\nsteps:\n  - {stepId: s, type: assertion}\n');
  assert.deepEqual(
    issues.map((i) => [i.code, i.location?.line]),
    [['PCQ_SCHEMA', 3]],
  );
  assert.match(issues[0]!.hint!, /version: "1.0"/);
});

test('every problem is reported at once: missing fields, bad enum, bad duration, missing connector', () => {
  const issues = issuesOf(
    runbook(
      [
        '  - stepId: q\n    type: query\n',
        '  - stepId: e\n    type: export\n    format: docx\n    name: x\n',
        '  - stepId: t\n    type: assertion\n    timeout: 5 minutes\n',
        '  - stepId: x\n    type: external_api\n    method: POST\n',
      ].join(''),
    ),
  );
  assert.deepEqual(
    issues.map((i) => [i.code, i.location?.line]),
    [
      ['PCQ_SCHEMA', 5],
      ['PCQ_SCHEMA', 9],
      ['PCQ_SCHEMA', 13],
      ['PCQ_SCHEMA', 14],
    ],
  );
  assert.match(issues[0]!.message, /missing required field "cypher"/);
  assert.match(issues[2]!.message, /not a duration/);
  assert.match(issues[3]!.message, /"connector".*or "endpoint"/);
});

test('top-level typos and a missing steps list are reported', () => {
  const issues = issuesOf('runbookId: T\nname: t\nversion: "1"\nstep: []\n');
  assert.deepEqual(issues.map((i) => i.message).sort(), ['runbook: missing required field "steps"', 'runbook: unknown field "step"']);
});

test('dataset may not escape runbooks/data/', () => {
  for (const dataset of ['../secrets', '/etc', 'a/../../b']) {
    const issues = issuesOf(`runbookId: T\nname: t\nversion: "1"\ndataset: ${dataset}\nsteps:\n  - {stepId: s, type: assertion}\n`);
    assert.equal(issues.length, 1, dataset);
  }
  assert.deepEqual(issuesOf('runbookId: T\nname: t\nversion: "1"\ndataset: intel/sample\nsteps:\n  - {stepId: s, type: assertion}\n'), []);
});

test('an unknown field with a non-ASCII or escaped name is located at its key (pointer segments are decoded)', () => {
  for (const field of ['farbé', 'a/b', 'x~y', 'p%20q']) {
    const issues = issuesOf(`runbookId: T\nname: t\nversion: "1"\n"${field}": 1\nsteps:\n  - {stepId: s, type: assertion}\n`);
    assert.deepEqual(
      issues.map((i) => [i.message, i.location?.line, i.location?.col]),
      [[`runbook: unknown field ${JSON.stringify(field)}`, 4, 1]],
      field,
    );
  }
});

test('a bad input name, a wrong type and a too-short list say what to fix, at the node', () => {
  const issues = issuesOf('runbookId: T\nname: t\nversion: "1"\ninputs:\n  9lives: {type: string}\nsteps: []\n');
  assert.deepEqual(
    issues.map((i) => [i.code, i.message, i.location?.line, i.location?.col]),
    [
      ['PCQ_SCHEMA', 'inputs: invalid name "9lives"', 5, 3],
      ['PCQ_SCHEMA', 'steps: must list at least 1 item', 6, 8],
    ],
  );
  const typed = issuesOf(runbook('  - stepId: s\n    type: assertion\n    needs: first\n'));
  assert.deepEqual(
    typed.map((i) => [i.message, i.location?.line]),
    [['steps[0] ("s").needs: must be array, not string', 7]],
  );
});

test('the per-kind fast path accepts exactly what the full schema accepts (mutated sample and minimal steps)', async () => {
  const fc = (await import('fast-check')).default;
  const { Validator } = await import('@cfworker/json-schema');
  const full = new Validator(RUNBOOK_SCHEMA as never, '7', false);
  const samples = ['R1-entity-enrichment', 'R2-relationship-inference', 'R3-weekly-report', 'R4-alert-triage', 'R5-escalation-approval'].map(
    (name) => readYamlSource(readFileSync(new URL(`../../runbooks/${name}.yaml`, import.meta.url), 'utf8'), `${name}.yaml`).value as { steps: object[] },
  );
  const minimal = Object.entries(MINIMAL).map(
    ([type, body]) => (readYamlSource(runbook(`  - stepId: s\n    type: ${type}\n${body}`), 'm.yaml').value as { steps: object[] }).steps[0]!,
  );
  const steps = [...samples.flatMap((s) => s.steps), ...minimal];
  const mutations: Array<(s: Record<string, unknown>, k: string) => void> = [
    () => undefined,
    (s, k) => void (s.type = k),
    (s) => void (s.unknownField = 1),
    (s) => void delete s.stepId,
    (s) => void delete s[Object.keys(s).find((f) => f !== 'stepId' && f !== 'type') ?? 'type'],
    (s) => void (s.needs = ['a', 'a']),
    (s) => void (s.stepId = 'Bad Id'),
    (s) => void (s.type = 7),
    (s, k) => void (s[k] = 'x'),
  ];
  fc.assert(
    fc.property(fc.nat(samples.length - 1), fc.nat(steps.length - 1), fc.nat(mutations.length - 1), fc.constantFrom(...STEP_TYPES), (r, i, m, kind) => {
      const value = structuredClone(samples[r]!) as { steps: Array<Record<string, unknown>> };
      const step = structuredClone(steps[i]!) as Record<string, unknown>;
      mutations[m]!(step, kind);
      value.steps.push(step);
      assert.equal(schemaIssues(value, () => ({ file: 'x', line: 1, col: 1 })).length === 0, full.validate(value).valid);
    }),
    { numRuns: 300 },
  );
});
