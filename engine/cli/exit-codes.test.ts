// Issue 14 §6 "exit codes that match the README everywhere": the README's exit-code table is read
// and walked against the error catalogue's classes (base/error-catalogue.ts), the CLI's EXIT table
// and every "Exit codes:" line of every command's --help and of `pcq --help`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ERROR_CLASSES, type ErrorClass } from '../base/error-catalogue.ts';
import { EXIT } from './io.ts';
import { COMMANDS } from './commands.ts';
import { main } from './main.ts';

interface Row {
  exit: number;
  meaning: string;
  classes: string[];
}

async function readmeTable(): Promise<Row[]> {
  const text = await readFile(resolve(import.meta.dirname, '../../README.md'), 'utf8');
  const start = text.indexOf('| exit | meaning | error classes |');
  assert.ok(start >= 0, 'README has the exit-code table');
  const rows: Row[] = [];
  for (const line of text.slice(start).split('\n').slice(2)) {
    const m = /^\| `(\d+)` \| (.+?) \| (.+?) \|$/.exec(line);
    if (!m) break;
    rows.push({ exit: Number(m[1]), meaning: m[2]!, classes: [...m[3]!.matchAll(/`([a-z-]+)`/g)].map((c) => c[1]!) });
  }
  return rows;
}

test("the README's exit-code table is the catalogue's: each class exits with the code its row says", async () => {
  const rows = await readmeTable();
  assert.deepEqual(
    rows.map((r) => r.exit),
    [0, 1, 2, 3, 4, 70, 75],
  );
  for (const [cls, spec] of Object.entries(ERROR_CLASSES) as Array<[ErrorClass, (typeof ERROR_CLASSES)[ErrorClass]]>) {
    const row = rows.find((r) => r.classes.includes(cls));
    assert.ok(row, `the README names class ${cls}`);
    assert.equal(row.exit, spec.exitCode, `class ${cls} exits ${spec.exitCode}, the README says ${row.exit}`);
  }
  for (const r of rows) for (const c of r.classes) assert.ok(c in ERROR_CLASSES, `README class ${c} exists`);
  assert.deepEqual(
    [...new Set(Object.values(EXIT))].sort((a, b) => a - b),
    rows.map((r) => r.exit).sort((a, b) => a - b),
    'EXIT and the README list the same codes',
  );
});

test('every command documents only exit codes of the README table, with the same meaning class', async () => {
  const rows = await readmeTable();
  const known = new Map(rows.map((r) => [r.exit, r]));
  const texts: Array<[string, string]> = [];
  for (const [verb, entry] of Object.entries(COMMANDS)) texts.push([verb, (await entry.load()).command.usage]);
  let help = '';
  await main(['--help'], { stdout: (t) => (help += t), stderr: () => undefined, isTTY: false, env: {}, cwd: process.cwd() });
  texts.push(['pcq --help', help]);
  for (const [where, usage] of texts) {
    const line = /Exit codes:([\s\S]*?)(?:\n\n|$)/.exec(usage);
    assert.ok(line, `${where} --help has an "Exit codes:" line`);
    const codes = [...line[1]!.matchAll(/(?:^|[\s·:])(\d+) /g)].map((m) => Number(m[1]));
    assert.ok(codes.length > 0, `${where} names at least one exit code`);
    for (const c of codes) assert.ok(known.has(c), `${where}: exit ${c} is in the README table`);
    // A usage error is always 2 and an internal error 70, whatever the command says around them.
    for (const m of line[1]!.matchAll(/(\d+) (bad arguments|usage|internal)/g))
      assert.equal(Number(m[1]), m[2] === 'internal' ? EXIT.internal : EXIT.usage, `${where}: "${m[0]}"`);
  }
});
