import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REDACTED, SecretRegistry, encodedForms, isDistinguishableSecret, isSecretEnvName } from './secrets.ts';

const TOKEN = 'tok_9f8e7d6c5b4a3210-ZyXw';

/** Every way a service could echo `text` back: the encodings issue 10 names. */
function encodings(text: string): Record<string, string> {
  const bytes = Buffer.from(text, 'utf8');
  return {
    plain: text,
    json: JSON.stringify({ text }),
    base64: bytes.toString('base64'),
    base64url: bytes.toString('base64url'),
    hex: bytes.toString('hex'),
    HEX: bytes.toString('hex').toUpperCase(),
    url: encodeURIComponent(text),
    urlLower: encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    form: new URLSearchParams({ q: text }).toString(),
    urlOfBase64: encodeURIComponent(bytes.toString('base64')),
  };
}

test('a registered token is found and masked in every encoding, alone and inside longer text at every alignment', () => {
  const reg = new SecretRegistry();
  reg.register(TOKEN, 'env CONNECTOR_ECHO_TOKEN');
  for (const prefix of ['', 'a', 'ab', 'Bearer ', 'user:', '{"token":"']) {
    for (const [name, encoded] of Object.entries(encodings(`${prefix}${TOKEN} and more text after it`))) {
      assert.equal(reg.find(encoded), 'env CONNECTOR_ECHO_TOKEN', `${name} with prefix ${JSON.stringify(prefix)}`);
      const { value, count } = reg.redactText(encoded);
      assert.ok(count >= 1 && value.includes(REDACTED), name);
      assert.equal(reg.find(value), undefined, `${name}: nothing left after redaction`);
    }
  }
});

test('property: any secret inside any text is found in every encoding, and redaction leaves none of its forms', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 8, maxLength: 40 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (secret, before, after) => {
      fc.pre(secret.trim() === secret);
      const reg = new SecretRegistry();
      reg.register(secret);
      for (const [name, encoded] of Object.entries(encodings(before + secret + after))) {
        assert.notEqual(reg.find(encoded), undefined, name);
        const redacted = reg.redact(encoded);
        for (const form of encodedForms(secret)) assert.ok(!redacted.includes(form), `${name} still holds ${form}`);
      }
    }),
    { numRuns: 200 },
  );
});

test('redaction is deterministic and counts occurrences; values are copied, never mutated', () => {
  const reg = new SecretRegistry();
  reg.register(TOKEN);
  const value = { echo: { authorization: `Bearer ${TOKEN}`, [TOKEN]: [TOKEN, 1, null] }, ok: true };
  const a = reg.redactValue(value);
  const b = reg.redactValue(value);
  assert.deepEqual(a, b);
  assert.equal(a.count, 3);
  assert.deepEqual(a.value, { echo: { authorization: `Bearer ${REDACTED}`, [REDACTED]: [REDACTED, 1, null] }, ok: true });
  assert.equal(value.echo.authorization, `Bearer ${TOKEN}`);
  const clean = { a: 'nothing here' };
  assert.equal(reg.redactValue(clean).value, clean);
  assert.equal(reg.redactValue(clean).count, 0);
});

test('short values are not registered, and environment flags are not credentials', () => {
  const reg = new SecretRegistry();
  reg.register('ab');
  reg.registerFromEnv({ PCQ_SKIP_AUTH: 'true', RUNNER_SECRET: 'SBZVMB74Z76QZ3ZOY7UTDFY', HOME: '/home/runner-user', SMTP_PASS: 'mail-password-1' });
  assert.equal(reg.size, 2);
  assert.equal(reg.redact('ab true /home/runner-user'), 'ab true /home/runner-user');
  assert.equal(reg.find('x mail-password-1'), 'env SMTP_PASS');
  assert.ok(isSecretEnvName('CONNECTOR_ECHO_TOKEN') && isSecretEnvName('pkcs11_pin') && !isSecretEnvName('PCQ_MODE'));
  assert.ok(!isSecretEnvName('PCQ_PKCS11_TOKEN'), 'a token label is a name, not a secret');
});

test('no false positive in unrelated base64 text', () => {
  const reg = new SecretRegistry();
  reg.register(TOKEN);
  const unrelated = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)).toString('base64');
  assert.equal(reg.redactText(unrelated).count, 0);
});

test('a device-held PIN of 4–7 hex digits is not matched (digests and timestamps hold it by chance); any other secret that short is', () => {
  const reg = new SecretRegistry();
  for (const pin of ['4711', '123456', 'f035bd', 'BEEF123']) reg.register(pin, 'env PCQ_PKCS11_PIN', { heldByDevice: true });
  assert.equal(reg.size, 0);
  const digest = 'sha256:9c4711f035bd0123456aa7beef1230000000000000000000000000000000000';
  assert.equal(reg.redact(digest), digest);
  assert.ok(!isDistinguishableSecret('1234567') && isDistinguishableSecret('12345678') && isDistinguishableSecret('pin9') && !isDistinguishableSecret('abc'));
  reg.register('12345678', 'env PCQ_PKCS11_PIN', { heldByDevice: true });
  reg.register('pin9', 'env OTHER_PIN', { heldByDevice: true });
  assert.equal(reg.find('x 12345678 y'), 'env PCQ_PKCS11_PIN');
  assert.equal(reg.find('a pin9 b'), 'env OTHER_PIN');
  // A connector token a service could echo is matched however short, hex or not.
  const tokens = new SecretRegistry();
  tokens.registerFromEnv({ CONNECTOR_X_TOKEN: 'c0ffee', PCQ_PKCS11_PIN: '4711' }, ['CONNECTOR_X_TOKEN', 'PCQ_PKCS11_PIN'], ['PCQ_PKCS11_PIN']);
  assert.equal(tokens.find('echo c0ffee'), 'env CONNECTOR_X_TOKEN');
  assert.equal(tokens.find('id 4711'), undefined);
});
