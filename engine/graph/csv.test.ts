import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from './csv.ts';

describe('parseCsv (RFC 4180)', () => {
  it('reads quotes, doubled quotes, embedded commas and line breaks, CRLF; empty is NULL, "" is empty', () => {
    const t = parseCsv('id,note,email\r\n1,"a, ""b""",\r\n2,"two\nlines",""\n', 'x.csv');
    assert.deepEqual(t.header, ['id', 'note', 'email']);
    assert.deepEqual(t.rows, [
      ['1', 'a, "b"', null],
      ['2', 'two\nlines', ''],
    ]);
    assert.deepEqual(t.lines, [2, 3]);
  });

  it('refuses a ragged row or an unclosed quote with the line, as a coded error', () => {
    assert.throws(
      () => parseCsv('a,b\n1,2\n3\n', 'x.csv'),
      (err: Error & { code?: string; location?: { line: number } }) => err.code === 'PCQ_DATASET_INVALID' && err.location?.line === 3,
    );
    assert.throws(() => parseCsv('a\n"open\n', 'x.csv'), { code: 'PCQ_DATASET_INVALID' });
    assert.throws(() => parseCsv('', 'x.csv'), { code: 'PCQ_DATASET_INVALID' });
  });
});
