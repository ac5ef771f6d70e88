import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { PcqErrors } from '../base/errors.ts';
import { yamlValue } from './yaml-value.ts';
import { parseTicket } from '../review/ticket.ts';

const issue = (why: string) => ({ code: 'PCQ_TICKET_MALFORMED' as const, message: why });

test('aliases where none are allowed, and alias bombs, are coded issues, never a crash', () => {
  assert.deepEqual(yamlValue(parseDocument('a: [1]\n'), 0, issue), { a: [1] });
  const refused = (text: string, max: number) =>
    assert.throws(
      () => yamlValue(parseDocument(text), max, issue),
      (err: unknown) => err instanceof PcqErrors && err.issues[0]!.code === 'PCQ_TICKET_MALFORMED',
    );
  refused('a: &x [1]\nb: *x\n', 0);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill('*' + String.fromCharCode(96 + i))
        .join(', ')}]`,
    );
  refused(bomb.join('\n') + '\n', 100);
});

test('a ticket holding a YAML alias is PCQ_TICKET_MALFORMED naming the file', () => {
  assert.throws(
    () => parseTicket('executionId: &x abc\nrunbookId: *x\n', 'attestations/reviews/t.yaml'),
    (err: unknown) =>
      err instanceof PcqErrors && err.issues.some((i) => i.code === 'PCQ_TICKET_MALFORMED' && i.message.includes('attestations/reviews/t.yaml')),
  );
});
