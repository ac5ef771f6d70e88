import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Redactor, REDACTED } from './redact.ts';
import { createLogger, type LogFormat } from './logger.ts';

// A syntactically valid Stellar secret seed (S + 55 base32 chars); never a real key.
const STELLAR_SEED = 'SBZVMB74Z76QZ3ZOY7UTDFYKMEGKW5XFJEB6PFKBF4UYSSWHG4EDH7PY';

test('well-known secret shapes are redacted without registration', () => {
  const r = new Redactor();
  const cases: Array<[string, string]> = [
    [`RUNNER_SECRET=${STELLAR_SEED}`, `RUNNER_SECRET=${REDACTED}`],
    [`key ${STELLAR_SEED} loaded`, `key ${REDACTED} loaded`],
    ['Authorization: Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln', `Authorization: ${REDACTED}`],
    ['curl -H "Authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123456789"', `curl -H "Authorization: ${REDACTED}"`],
    ['using ghs_16C7e42F292c6912E7710c838347Ae178B4a for the API', `using ${REDACTED} for the API`],
    ['smtp login password=hunter2!! ok', `smtp login password=${REDACTED} ok`],
    ['SMTP_PASSWORD: "two words"', `SMTP_PASSWORD: ${REDACTED}`],
    ['api_key=abc123&x=1', `api_key=${REDACTED}&x=1`],
    ['connect bolt://neo4j:s3cr3t@localhost:7687', `connect bolt://neo4j:${REDACTED}@localhost:7687`],
    ['nothing secret here: GABC, tokens=3 is fine? token count', 'nothing secret here: GABC, tokens=3 is fine? token count'],
  ];
  for (const [input, expected] of cases) assert.equal(r.redact(input), expected, input);
});

test('registered secrets are masked everywhere, the longest first', () => {
  const r = new Redactor(['hunter2-long', 'hunter2-longer-still']);
  r.addSecret('ab'); // too short to mask: ignored on purpose
  assert.equal(r.redact('a hunter2-longer-still b hunter2-long c ab'), `a ${REDACTED} b ${REDACTED} c ab`);
  const env = { SMTP_PASSWORD: 'mail-pass-123', GITHUB_TOKEN: 'gh-token-value', MY_VAR: 'visible-value', RUNNER_SEED: 'seed-value-xyz' };
  const fromEnv = new Redactor();
  fromEnv.addSecretsFromEnv(env, ['RUNNER_SEED']);
  assert.equal(fromEnv.redact('mail-pass-123 gh-token-value visible-value seed-value-xyz'), `${REDACTED} ${REDACTED} visible-value ${REDACTED}`);
});

test('values are redacted deeply: secret-named fields whole, strings, keys, errors, cycles', () => {
  const r = new Redactor(['hunter22']);
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const out = r.redactValue({
    user: 'alice',
    password: 12345,
    smtpPassword: 'x',
    headers: { authorization: 'anything' },
    note: ['ok', 'has hunter22 inside'],
    hunter22: 1,
    err: Object.assign(new Error('failed with hunter22'), { code: 'PCQ_X' }),
    cyclic,
    empty: null,
  });
  assert.deepEqual(out, {
    user: 'alice',
    password: REDACTED,
    smtpPassword: REDACTED,
    headers: { authorization: REDACTED },
    note: ['ok', `has ${REDACTED} inside`],
    [REDACTED]: 1,
    err: { name: 'Error', message: `failed with ${REDACTED}`, code: 'PCQ_X' },
    cyclic: { name: 'loop', self: '[Circular]' },
    empty: null,
  });
});

test('property: a registered secret never appears in logger output, in either format', () => {
  const secretArb = fc.stringMatching(/^[A-Za-z0-9!#%+/=_"\\-]{8,40}$/);
  fc.assert(
    fc.property(secretArb, fc.string(), fc.string(), fc.constantFrom<LogFormat>('json', 'text'), (secret, before, after, format) => {
      const lines: string[] = [];
      const redactor = new Redactor([secret]);
      const log = createLogger({ write: (l) => lines.push(l), level: 'debug', format, redactor, now: () => 'T' }).child({ ctx: `${before}${secret}` });
      const textLog = createLogger({ write: (l) => lines.push(l), level: 'debug', format: 'text', redactor, now: () => 'T' });
      for (const l of [log, textLog]) {
        l.info(`${before}${secret}${after}`, { field: secret, nested: { list: [after, secret] }, [secret]: before });
        l.error('failed', { err: new Error(`boom ${secret}`) });
      }
      const output = lines.join('');
      const jsonEscaped = JSON.stringify(secret).slice(1, -1);
      return !output.includes(secret) && !output.includes(jsonEscaped);
    }),
    { numRuns: 300 },
  );
});
