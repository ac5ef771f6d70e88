import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { LineCounter, Parser } from 'yaml';
import { parseTokens, readYamlSource } from './yaml-source.ts';
import { generateRunbookYaml } from '../../bench/model.bench.ts';
import { YAML_LIMITS } from './yaml-limits.ts';

const HOSTILE = 'engine/testing/fixtures/hostile';

// Each fixture, the code it must be refused with, and where (line of the offending node).
const CASES: Array<[file: string, code: string, line: number]> = [
  ['alias-bomb.yaml', 'PCQ_YAML_ALIASES', 5],
  ['circular-alias.yaml', 'PCQ_YAML_CIRCULAR_ALIAS', 9],
  ['duplicate-key.yaml', 'PCQ_YAML_DUPLICATE_KEY', 9],
  ['unknown-tag-js.yaml', 'PCQ_YAML_UNKNOWN_TAG', 8],
  ['unknown-tag-local.yaml', 'PCQ_YAML_UNKNOWN_TAG', 8],
  ['syntax-error.yaml', 'PCQ_YAML_SYNTAX', 7],
  ['too-deep.yaml', 'PCQ_YAML_TOO_DEEP', 71],
  ['too-deep-flow.yaml', 'PCQ_YAML_TOO_DEEP', 2],
  ['too-large.yaml', 'PCQ_YAML_TOO_LARGE', 1],
];

for (const [file, code, line] of CASES) {
  test(`hostile ${file} is refused with ${code} at line ${line}, fast`, () => {
    const text = readFileSync(`${HOSTILE}/${file}`, 'utf8');
    const started = performance.now();
    const source = readYamlSource(text, file);
    const elapsed = performance.now() - started;
    assert.equal(source.value, undefined);
    assert.deepEqual(
      source.issues.map((i) => i.code),
      [code],
    );
    assert.equal(source.issues[0]!.location?.file, file);
    assert.equal(source.issues[0]!.location?.line, line);
    assert.ok(source.issues[0]!.hint, 'every refusal says what to do');
    assert.ok(elapsed < 2000, `${file} took ${elapsed.toFixed(0)} ms`);
  });
}

test('the duplicate key is reported at the second occurrence, column included', () => {
  const source = readYamlSource('a: 1\nb: 2\na: 3\n', 'f.yaml');
  assert.deepEqual(
    source.issues.map((i) => [i.code, i.location?.line, i.location?.col]),
    [['PCQ_YAML_DUPLICATE_KEY', 3, 1]],
  );
});

test('nesting exactly at the limit is accepted, one more level is refused', () => {
  const nest = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
  assert.deepEqual(readYamlSource(`x: ${nest(YAML_LIMITS.maxDepth - 1)}`, 'f').issues, []);
  assert.equal(readYamlSource(`x: ${nest(YAML_LIMITS.maxDepth)}`, 'f').issues[0]?.code, 'PCQ_YAML_TOO_DEEP');
});

test('small aliases are expanded as copies of their anchors', () => {
  const source = readYamlSource('r: &r {attempts: 2}\na: *r\nb: [*r, *r]\n', 'f');
  assert.deepEqual(source.issues, []);
  assert.deepEqual(source.value, { r: { attempts: 2 }, a: { attempts: 2 }, b: [{ attempts: 2 }, { attempts: 2 }] });
});

test('core-schema tags are fine; YAML 1.1 extras like !!binary are refused', () => {
  assert.deepEqual(readYamlSource('a: !!str 12\nb: !!int "7"\n', 'f').value, { a: '12', b: 7 });
  assert.equal(readYamlSource('a: !!binary aGk=\n', 'f').issues[0]?.code, 'PCQ_YAML_UNKNOWN_TAG');
});

test('__proto__ is data, never the prototype', () => {
  const source = readYamlSource('__proto__: {polluted: true}\n', 'f');
  const value = source.value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('more than one document is a syntax error at the second', () => {
  const source = readYamlSource('a: 1\n---\nb: 2\n', 'f');
  assert.deepEqual(
    source.issues.map((i) => [i.code, i.location?.line]),
    [['PCQ_YAML_SYNTAX', 2]],
  );
});

test('JSON reads through the same path, tabs and all, with positions', () => {
  const source = readYamlSource('{\n\t"a": 1,\n\t"b": [true, null]\n}\n', 'f.json');
  assert.deepEqual(source.value, { a: 1, b: [true, null] });
  assert.deepEqual(source.locate(['b', 1]), { file: 'f.json', line: 3, col: 14 });
  assert.deepEqual(source.locate(['b'], 'key'), { file: 'f.json', line: 3, col: 2 });
});

test('locate falls back to the nearest existing ancestor', () => {
  const source = readYamlSource('steps:\n  - stepId: a\n', 'f');
  assert.deepEqual(source.locate(['steps', 0, 'missing']), { file: 'f', line: 2, col: 5 });
  assert.deepEqual(source.locate(['steps', 9]), { file: 'f', line: 2, col: 3 });
});

test('a broken file reports at most a bounded number of syntax issues', () => {
  const source = readYamlSource('a: [\n' + 'b: ]]]\n'.repeat(500), 'f');
  assert.ok(source.issues.length > 0 && source.issues.length <= 21, `${source.issues.length} issues`);
  assert.ok(source.issues.every((i) => i.code === 'PCQ_YAML_SYNTAX'));
});

// parseTokens drives yaml's Parser lexeme by lexeme through its public next() (to watch the stack
// as it grows); it must build exactly the CST, and report exactly the newlines, of Parser.parse.
test('parseTokens builds the same CST as yaml Parser.parse (samples, bench runbook, hostile fixtures)', () => {
  const texts: Array<[string, string]> = [
    ...readdirSync('runbooks')
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f): [string, string] => [f, readFileSync(`runbooks/${f}`, 'utf8')]),
    ...readdirSync(HOSTILE)
      .filter((f) => f !== 'too-deep-flow.yaml')
      .map((f): [string, string] => [f, readFileSync(`${HOSTILE}/${f}`, 'utf8')]),
    ['bench', generateRunbookYaml(50)],
    ['odd', 'a: |\n  block\n? complex\n: v\n--- !!map\nb: "q\\n" # c\n...\n%YAML 1.2\n---\n- \x01\n- [a, {b: c}\n'],
  ];
  for (const [name, text] of texts) {
    const ours = new LineCounter();
    const theirs = new LineCounter();
    const tokens = parseTokens(text, ours.addNewLine, Infinity);
    const expected = [...new Parser(theirs.addNewLine).parse(text)];
    assert.deepEqual(tokens, expected, name);
    assert.deepEqual([0, ...ours.lineStarts], theirs.lineStarts, name);
  }
});
