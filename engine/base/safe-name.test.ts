import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSafeName, nameProblem } from './safe-name.ts';

test("the one name rule: the store's own names, prototype keys, separators, dot-names, lock/temp files and Windows devices are refused in any case", () => {
  for (const bad of [
    'index.json',
    'INDEX.JSON',
    'reviews',
    'Tickets',
    'journal.json',
    'manifest.pcq',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    '.staging',
    '.gitignore',
    'a/b',
    'a\\b',
    '..',
    'a..b',
    'x.lock',
    'x.tmp',
    'db.wal',
    'f~',
    'CON',
    'nul.txt',
    'com1',
    '',
    '-x',
    'a'.repeat(129),
    'é',
  ]) {
    assert.notEqual(nameProblem('stepId', bad), undefined, bad);
  }
  for (const good of ['R1', 'query-entities', 'weekly-report.pdf', 'enrichmentSource', '_private', '20261206T185815Z-bab282', 'index', 'review', 'run']) {
    assert.ok(isSafeName('stepId', good), good);
  }
  assert.equal(nameProblem('runbookId', 5), 'runbookId must be a string');
});
