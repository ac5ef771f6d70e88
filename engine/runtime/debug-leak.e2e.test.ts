// Issue 13 acceptance (partial: run and blocked run; the review leg is not covered here): with
// PCQ_DEBUG=1 and every secret set, a full run and a blocked run print debug lines, and no secret
// appears in any output or any file they leave, in any encoding (plain, base64, base64url, hex,
// URL-encoded).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { grantRunners } from '../testing/grant-runner.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { encodedForms } from '../base/secrets.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

test('PCQ_DEBUG=1 with every secret set: a full run and a blocked run leak no secret anywhere', async () => {
  root = await makeSampleRoot('pcq-leak-');
  const key = JSON.parse((await exec(NODE, [CLI, 'keys', 'generate', '--json'], { cwd: root })).stdout) as { secret: string; publicKey: string };
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: leak-runner\n    publicKey: ${key.publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
  await grantRunners((env, ...args) => runPcq(root, env, ...args), key.publicKey);
  const secrets = {
    RUNNER_SECRET: key.secret,
    CONNECTOR_ENRICHMENT_TOKEN: 'conn-tok-5a8e2f91c3',
    PCQ_SMTP_PASS: 'smtp-pass-77c1e9a4',
    PCQ_SIGNER_TOKEN: 'signer-tok-0b3d6e8f',
    NEO4J_PASSWORD: 'neo-pw-4c2a9e71',
  };
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', PCQ_DEBUG: '1', PCQ_MODE: 'prod', ...secrets };
  const outputs: string[] = [];
  for (const args of [
    ['run', 'runbooks/R2-relationship-inference.yaml'],
    ['run', 'runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial'],
  ]) {
    const r = await exec(NODE, [CLI, ...args], { cwd: root, env, timeout: 120_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    outputs.push(r.stdout, r.stderr);
  }
  assert.match(outputs.join(''), /"level":"debug"/, 'debug lines are printed');
  assert.match(outputs.join(''), /ombuds review opened/);
  const all = outputs.join('\n') + (await Promise.all((await files(root)).map((f) => readFile(f, 'latin1')))).join('\n');
  for (const [name, value] of Object.entries(secrets)) {
    for (const form of [value, ...encodedForms(value)]) assert.ok(!all.includes(form), `${name} leaked as ${form}`);
  }
});
