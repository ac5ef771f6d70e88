// The plain-subset reader (yaml-plain.ts) may only ever agree with `yaml`: on generated documents in
// and around the subset, whenever it answers, its value is yaml's value (Object.is on every leaf, so
// -0 and 0 differ), yaml reports no issue, and every path locates to yaml's file:line:col, for the
// key and for the value. The generator mixes plain words with the core schema's look-alikes
// (null, booleans, numbers, octal/hex, .inf, timestamps, colons, comments) so both sides are tried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readPlainYaml } from './yaml-plain.ts';
import { readYamlSource, readYamlSourceWithYaml, type PathSegment } from './yaml-source.ts';
import { scalingRunbook } from '../../bench/runner.bench.ts';

const TRICKY = [
  'null',
  'Null',
  'NULL',
  '~',
  'true',
  'True',
  'TRUE',
  'false',
  'FALSE',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '0',
  '-0',
  '+1',
  '01',
  '007',
  '1',
  '42',
  '-17',
  '1.0',
  '-0.0',
  '0.50',
  '1.',
  '.5',
  '1e3',
  '1.5e-3',
  '0x1F',
  '0o17',
  '.inf',
  '-.inf',
  '.nan',
  'NaN',
  'Infinity',
  '2026-03-01',
  '2026-03-01T10:00:00Z',
  '10:00',
  'a:b',
  'a: b',
  'a #b',
  'a#b',
  '#x',
  '-',
  '- a',
  '-a',
  '?',
  '? a',
  '*a',
  '&a',
  '!a',
  '|',
  '>',
  '@a',
  '`a',
  '%a',
  'a,b',
  'a]',
  '[a',
  '{a',
  '"',
  "'",
  'x',
  'assertion',
  'Scaling bench',
  'v >= 0.0',
  's1',
  'runbooks/x.yaml',
  'a - b',
  'a  b',
  '__proto__',
  '_',
  'a.b',
];

const word = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_ ./-]{0,10}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_ ./:#,-]{0,10}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^-?[0-9]{1,4}(\.[0-9]{0,3})?$/) },
);
const quotedText = fc.stringMatching(/^[ -~]{0,12}$/);
const scalar = fc.oneof(
  { weight: 4, arbitrary: word },
  { weight: 2, arbitrary: quotedText.map((t) => `"${t.replace(/"/g, '')}"`) },
  { weight: 1, arbitrary: quotedText.map((t) => `'${t.replace(/'/g, "''")}'`) },
  { weight: 1, arbitrary: quotedText.map((t) => `"${t}"`) },
  { weight: 1, arbitrary: fc.constantFrom('"a\\"b"', "'a''b'", '"#"', '" x "', "''", '""') },
);
const key = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'null', 'on', '1', 'a b', '__proto__', 'k', '"q"', "'s'", '"a:b"', 'x:', 'a#') },
);
const gap = fc.constantFrom('', ' ', '  ');

type Flow = { text: fc.Arbitrary<string> };
const flow: Flow = fc.letrec<{ node: string; map: string; seq: string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
  map: fc
    .array(fc.tuple(key, gap, tie('node')), { maxLength: 4 })
    .chain((entries) => gap.map((g) => `{${g}${entries.map(([k, sp, v]) => `${k}:${sp === '' ? ' ' : sp}${v}`).join(`,${g}`)}${g}}`)),
  seq: fc.array(tie('node'), { maxLength: 4 }).chain((items) => gap.map((g) => `[${g}${items.join(`,${g}`)}${g}]`)),
})) as unknown as Flow;
const flowText = (flow as unknown as { node: fc.Arbitrary<string> }).node;

const comment = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' # note', '  #x', '#glued') });

/** A block document: a mapping or a sequence, nested blocks, compact `- key:` items, flow values. */
function block(depth: number, indent: number): fc.Arbitrary<string[]> {
  const pad = ' '.repeat(indent);
  const value: fc.Arbitrary<{ inline?: string; lines?: string[]; sameIndentSeq?: boolean }> =
    depth <= 0
      ? fc.oneof(scalar, flowText).map((inline) => ({ inline }))
      : fc.oneof(
          { weight: 3, arbitrary: fc.oneof(scalar, flowText).map((inline) => ({ inline })) },
          { weight: 1, arbitrary: fc.constant({ inline: '' }) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).chain((extra) => block(depth - 1, indent + extra).map((lines) => ({ lines }))) },
          { weight: 1, arbitrary: seqLines(depth - 1, indent).map((lines) => ({ lines, sameIndentSeq: true })) },
        );
  const mapping = fc
    .array(fc.tuple(key, value, comment), { minLength: 1, maxLength: 4 })
    .map((entries) =>
      entries.flatMap(([k, v, c]) => (v.lines ? [`${pad}${k}:${c}`, ...v.lines] : [`${pad}${k}:${v.inline === '' ? '' : ' '}${v.inline}${c}`])),
    );
  return depth <= 0 ? mapping : fc.oneof(mapping, seqLines(depth - 1, indent));
}

function seqLines(depth: number, indent: number): fc.Arbitrary<string[]> {
  const pad = ' '.repeat(indent);
  const item = fc.oneof(
    fc.tuple(fc.oneof(scalar, flowText), comment).map(([v, c]) => [`${pad}- ${v}${c}`]),
    // `- key: v` then the mapping's other keys under `key`.
    fc.tuple(fc.constantFrom(1, 2, 3), block(Math.max(0, depth), 0)).map(([sp, lines]) => {
      const col = indent + 1 + sp;
      const [first, ...rest] = lines;
      return [`${pad}-${' '.repeat(sp)}${first!.trimStart()}`, ...rest.map((l) => (l.trim() === '' ? l : ' '.repeat(col) + l))];
    }),
  );
  return fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => items.flat());
}

const noise = fc.oneof(
  { weight: 6, arbitrary: fc.constant((lines: string[]) => lines) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '# comment', '   ', '---', '\t', 'x: 1\r').map((l) => (lines: string[]) => [...lines.slice(0, 1), l, ...lines.slice(1)]),
  },
);

const documents = fc.tuple(fc.integer({ min: 0, max: 3 }), noise).chain(([depth, mutate]) => block(depth, 0).map((lines) => mutate(lines).join('\n') + '\n'));

/** Every path of `value` (and one missing child under each container), for locate. */
function paths(value: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => paths(v, [...prefix, i], out));
    out.push([...prefix, value.length]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
    out.push([...prefix, 'missing-key', 'deeper']);
  }
  return out;
}

function assertSame(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === undefined) return false;
  const fast = readYamlSource(text, 'f.yaml');
  const slow = readYamlSourceWithYaml(text, 'f.yaml');
  assert.deepEqual(slow.issues, [], `yaml reports issues for a text the plain reader accepted:\n${text}`);
  assert.deepStrictEqual(fast.value, slow.value, text);
  for (const path of paths(slow.value))
    for (const where of ['key', 'value'] as const)
      assert.deepEqual(fast.locate(path, where), slow.locate(path, where), `${JSON.stringify(path)} ${where}\n${text}`);
  return true;
}

test('whenever the plain reader answers, yaml reads the same value with no issue, and every location agrees', () => {
  let answered = 0;
  fc.assert(
    fc.property(documents, (text) => {
      if (assertSame(text)) answered++;
    }),
    { numRuns: Number(process.env.PCQ_PLAIN_RUNS ?? 1500), ...(process.env.PCQ_PLAIN_RUNS ? {} : { seed: 16 }) },
  );
  if (process.env.PCQ_PLAIN_RUNS) console.log('answered', answered);
  assert.ok(answered > 150, `the generator should reach the subset often (answered ${answered})`);
});

test('every look-alike scalar and key, in each place a scalar can sit, reads as yaml reads it (or is left to yaml)', () => {
  for (const w of TRICKY) {
    for (const text of [`k: ${w}\n`, `- ${w}\n`, `k: {a: ${w}}\n`, `k: [${w}, x]\n`, `- {${w}: 1}\n`, `${w}: 1\n`, `- ${w}: 1\n  b: 2\n`, `k: ${w} # c\n`])
      assertSame(text);
  }
});

test('the bench runbooks, both shapes, are read by the plain reader, the same as yaml', () => {
  for (const shape of ['chain', 'wide'] as const) assert.equal(assertSame(scalingRunbook(50, shape)), true, shape);
});

test('hostile shapes inside the subset stay linear: a megabyte of one flow line, deep nesting left to yaml', () => {
  const keys = Array.from({ length: 60_000 }, (_, i) => `k${i}: ${i}`).join(', ');
  const started = performance.now();
  const wide = readPlainYaml(`x: {${keys}}\n`);
  assert.equal(Object.keys((wide?.value as { x: object }).x).length, 60_000);
  assert.equal(readPlainYaml(`x: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`), undefined);
  assert.ok(performance.now() - started < 2000, `took ${(performance.now() - started).toFixed(0)} ms`);
});

test('outside the subset the reader steps aside, and yaml reports the issue', () => {
  for (const text of [
    'a: 1\na: 2\n',
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: |\n  x\n',
    'a: "\\n"\n',
    'a:\n',
    '- \n',
    'a: [1,]\n',
    'a: b\n  c\n',
    'a:\tb\n',
    '__proto__: 1\n',
  ]) {
    assert.equal(readPlainYaml(text), undefined, JSON.stringify(text));
  }
  assert.equal(readYamlSource('a: 1\na: 2\n', 'f').issues[0]?.code, 'PCQ_YAML_DUPLICATE_KEY');
});
