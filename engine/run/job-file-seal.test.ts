// Job files travel sealed (job-file-seal.ts): only a holder of the run's signing key opens them, and
// an altered file, a file of another run or one sealed under another key is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Signer } from '../base/signer.ts';
import { jobFileKey, openJobText, sealJobText } from './job-file-seal.ts';

function signer(keyid: string): Signer {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { keyid, sign: async (m) => new Uint8Array(sign(null, m, privateKey)) };
}

const RUN = { runbookDigest: 'sha256:' + 'a'.repeat(64), asOf: '2026-11-16T00:00:00Z', inputs: { route: 'archive' } };
const PLAIN = JSON.stringify({ format: 'pcq-job/v1', steps: [{ stepId: 's1', secret: 'private value' }] });

test('a sealed job file opens under the same key and hides its content', async () => {
  const s = signer('GKEY');
  const key = await jobFileKey(s, RUN);
  assert.deepEqual(await jobFileKey(s, RUN), key, 'Ed25519 is deterministic: every job derives the same key');
  const sealed = sealJobText(PLAIN, key, RUN, 'graph', s.keyid);
  assert.ok(!sealed.includes('private value'));
  assert.equal(openJobText(sealed, 'job-graph.json', key, RUN, s.keyid), PLAIN);
});

test('an altered byte, another key, other inputs or another run are refused with PCQ_JOB_FILE_INVALID', async () => {
  const s = signer('GKEY');
  const key = await jobFileKey(s, RUN);
  const sealed = sealJobText(PLAIN, key, RUN, 'graph', s.keyid);
  const body = JSON.parse(sealed) as Record<string, string>;
  const flipped = Buffer.from(body.ciphertext!, 'base64');
  flipped[3] = flipped[3]! ^ 1;
  const cases: Array<[string, () => string]> = [
    ['altered ciphertext', () => openJobText(JSON.stringify({ ...body, ciphertext: flipped.toString('base64') }), 'f', key, RUN, s.keyid)],
    ['renamed job (authenticated header)', () => openJobText(JSON.stringify({ ...body, job: 'post-1-1' }), 'f', key, RUN, s.keyid)],
    ['another runner key', () => openJobText(sealed, 'f', key, RUN, 'GOTHER')],
    ['another run', () => openJobText(sealed, 'f', key, { ...RUN, asOf: '2026-11-17T00:00:00Z' }, s.keyid)],
    ['not JSON', () => openJobText('{', 'f', key, RUN, s.keyid)],
    ['a plaintext job file', () => openJobText(PLAIN, 'f', key, RUN, s.keyid)],
  ];
  for (const [name, open] of cases) assert.throws(open, (e: { code?: string }) => e.code === 'PCQ_JOB_FILE_INVALID', name);
  const otherInputs = await jobFileKey(s, { ...RUN, inputs: { route: 'investigate' } });
  assert.throws(
    () => openJobText(sealed, 'f', otherInputs, RUN, s.keyid),
    (e: { code?: string }) => e.code === 'PCQ_JOB_FILE_INVALID',
    'other inputs',
  );
  const stranger = await jobFileKey(signer('GKEY'), RUN);
  assert.throws(
    () => openJobText(sealed, 'f', stranger, RUN, s.keyid),
    (e: { code?: string }) => e.code === 'PCQ_JOB_FILE_INVALID',
    'same keyid, other key',
  );
});
