import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, parseLogLevel } from './logger.ts';
import { Redactor } from './redact.ts';
import { PcqError } from '../base/errors.ts';

const SEED = 'SBZVMB74Z76QZ3ZOY7UTDFYKMEGKW5XFJEB6PFKBF4UYSSWHG4EDH7PY';

test('text lines: time, padded level, message, then key=value fields', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), now: () => '2026-03-01T00:00:00.000Z' }).child({ runbookId: 'R1' });
  log.info('step finished', { stepId: 'query-entities', ms: 12, note: 'two words' });
  log.debug('hidden at info level');
  log.warn('retrying', { attempt: 2 });
  assert.deepEqual(lines, [
    '2026-03-01T00:00:00.000Z INFO  step finished runbookId=R1 stepId=query-entities ms=12 note="two words"\n',
    '2026-03-01T00:00:00.000Z WARN  retrying runbookId=R1 attempt=2\n',
  ]);
});

test('JSON lines parse back and carry the fields', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), format: 'json', level: 'debug', now: () => 'T' });
  log.debug('connect', { uri: 'bolt://neo4j:pw-1234@localhost', token: 'abc' });
  const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(parsed, { time: 'T', level: 'debug', msg: 'connect', uri: 'bolt://neo4j:[REDACTED]@localhost', token: '[REDACTED]' });
});

test('the signing key never reaches the output, even through an error message', () => {
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.addSecretsFromEnv({ RUNNER_SECRET: SEED });
  const log = createLogger({ write: (l) => lines.push(l), redactor, level: 'error' });
  log.error(`could not parse ${SEED}`, { err: new Error(`bad key ${SEED}`), env: { RUNNER_SECRET: SEED } });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes(SEED));
  assert.match(lines[0]!, /could not parse \[REDACTED\]/);
});

test('log levels parse strictly', () => {
  assert.equal(parseLogLevel(' DEBUG ', 'PCQ_LOG_LEVEL'), 'debug');
  assert.throws(
    () => parseLogLevel('verbose', 'PCQ_LOG_LEVEL'),
    (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CONFIG_INVALID' && /PCQ_LOG_LEVEL/.test(e.message),
  );
});
