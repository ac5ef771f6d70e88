// The run logger: --log-level / PCQ_DEBUG decide which events print, and a registered secret never
// appears in a line in any encoding (plain, base64, base64url, hex, URL-encoded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunLogger, logRunEvent, registerConfiguredSecrets } from './run-log.ts';
import { encodedForms, redactText } from '../base/secrets.ts';

test('levels decide what prints; secrets are redacted in every form from messages and fields', () => {
  const secret = 'sk-live-8f2b9c71d0e4a6';
  registerConfiguredSecrets({ CONNECTOR_CRM_TOKEN: secret }, []);
  const lines = (level: 'debug' | 'info') => {
    const out: string[] = [];
    const log = createRunLogger({ level, write: (l) => out.push(l) });
    logRunEvent(log, { type: 'step-started', id: 'fetch', attempt: 1 });
    logRunEvent(log, {
      type: 'step-failed',
      id: 'fetch',
      attempts: 2,
      error: {
        code: 'PCQ_EXTERNAL_API_STATUS',
        message: `HTTP 401 for token ${secret} / ${Buffer.from(secret).toString('base64')} / ${encodeURIComponent('t=' + secret)} / ${Buffer.from(secret).toString('hex')}`,
      },
    });
    log.debug({ header: `Bearer ${secret}`, nested: { value: Buffer.from(secret).toString('base64url') } }, 'debug detail');
    return out.join('');
  };
  const info = lines('info');
  const debug = lines('debug');
  assert.doesNotMatch(info, /step fetch started/);
  assert.match(debug, /step fetch started/);
  assert.match(info, /step fetch failed/);
  assert.match(debug, /debug detail/);
  for (const form of [secret, ...encodedForms(secret)]) assert.ok(!debug.includes(form), `form ${form} leaked`);
  for (const line of debug.trim().split('\n')) JSON.parse(line); // still JSON lines
});

test('a flag under a secret-shaped name is not a credential: SKIP_AUTH=true masks nothing; a required secret and a connector token are registered', () => {
  registerConfiguredSecrets({ PCQ_SKIP_AUTH: 'true', NO_PASS: 'false', RUN_SECRET_REQ: 'pw-9x7q', CONNECTOR_ACME_TOKEN: 'zq81-kt' }, ['RUN_SECRET_REQ']);
  assert.equal(redactText('ok: true, skipped: false'), 'ok: true, skipped: false');
  assert.equal(redactText('pw-9x7q and zq81-kt'), '[REDACTED] and [REDACTED]');
});
