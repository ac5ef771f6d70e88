// Issue 10 acceptance "No secret is ever stored", through the real CLI bundle (dist/pcq.mjs, `npm
// run build`) in prod with RUNNER_SECRET set: a loopback connector server (127.0.0.1) echoes its
// credential (the Authorization header, the token in a JSON body, base64 / base64url / hex /
// URL-encoded, inside longer encoded text at every alignment) in 200, 403 and 500 answers. After
// the run, its replay and a site build, no file under attestations/, the site output or the outbox,
// and nothing printed, holds the token or the runner secret in any of those encodings; the step
// predicates record that redactions happened; the replay reproduces the identical root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { grantRunners } from '../testing/grant-runner.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const SITE_BUILD = resolve('scripts/site-build.mjs');
const TOKEN = 'pcq-e2e-t0k3n/9f8e7d6c+5b4a3210=ZyXw_Q';

let root: string;
let server: Server;
let runner: { secret: string; publicKey: string };
const printed: string[] = [];

/** The forms a leak could take, computed here independently of base/secrets.ts. */
function leakForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('hex').toUpperCase()]);
  for (const prefix of ['', 'x', 'xy']) {
    for (const enc of ['base64', 'base64url'] as const) {
      const text = Buffer.from(prefix + secret + 'zz').toString(enc);
      forms.add(text.slice(4, -4)); // the middle: characters encoding the secret alone, whatever the alignment
    }
  }
  return [...forms];
}

function echo(authorization: string): Record<string, unknown> {
  const token = authorization.replace(/^Bearer /, '');
  return {
    authorization,
    token,
    base64: Buffer.from(token).toString('base64'),
    basic: `Basic ${Buffer.from(`user:${token}`).toString('base64')}`,
    shifted: Buffer.from(`ab${token}cd`).toString('base64url'),
    hex: Buffer.from(token).toString('hex'),
    url: `https://cb.example/?t=${encodeURIComponent(token)}`,
    json: JSON.stringify({ token }),
  };
}

async function pcq(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const full = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PCQ_ACTOR: 'local:tester',
    PCQ_MODE: 'prod',
    RUNNER_SECRET: runner.secret,
    CONNECTOR_ECHO_TOKEN: TOKEN,
    // Flags under secret-shaped names are not credentials: registered, "true" in every file made
    // the store refuse every run with PCQ_SECRET_IN_OUTPUT.
    FEATURE_AUTH: 'true',
    NO_PASS: 'false',
    ...env,
  };
  const out = await exec(NODE, [CLI, ...args], { cwd: root, env: full, maxBuffer: 1 << 24 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  printed.push(out.stdout, out.stderr);
  return out;
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

const RUNBOOK = `runbookId: SECRET-ECHO
name: Secret echo
version: "1.0"
description: A service that echoes its credential.
steps:
  - stepId: echo-ok
    type: external_api
    connector: echo
    path: /ok
    method: POST
    body: "{'question': 'who am I'}"
    private: false
  - stepId: tell
    type: notify
    needs: [echo-ok]
    channel: email
    to: [ombuds@example.org]
    subject: "echo {{ steps['echo-ok'].token }}"
    text: "{{ steps['echo-ok'].authorization }} {{ steps['echo-ok'].basic }}"
    private: false
  - stepId: export-echo
    type: export
    needs: [echo-ok]
    from: echo-ok
    format: markdown
    name: echo.md
    private: false
  - stepId: echo-error
    type: external_api
    connector: echo
    path: /boom
    method: POST
    private: false
`;

// A failed step skips the steps not yet started, so the 403 answer gets its own runbook.
const FORBIDDEN = `runbookId: SECRET-ECHO-403
name: Secret echo, forbidden
version: "1.0"
description: A service that refuses and echoes its credential.
steps:
  - stepId: echo-forbidden
    type: external_api
    connector: echo
    path: /forbidden
    method: GET
    private: false
`;

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      if (req.url === '/boom') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error for ${auth}; your token ${Buffer.from(auth).toString('base64')} ${encodeURIComponent(auth)} ${'x'.repeat(10_000)} ${auth}`);
        return;
      }
      res.writeHead(req.url === '/forbidden' ? 403 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...echo(auth), received: body }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  root = await makeSampleRoot('pcq-secret-echo-');
  runner = JSON.parse((await exec(NODE, [CLI, 'keys', 'generate', '--json'], { cwd: root })).stdout) as { secret: string; publicKey: string };
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: test-runner\n    publicKey: ${runner.publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
  await grantRunners(pcq, runner.publicKey);
  await appendFile(
    join(root, 'policies/connectors.yaml'),
    `  - name: echo\n    baseUrl: http://127.0.0.1:${port}\n    mode: live\n    timeout: 5s\n    retry: { attempts: 1 }\n    headers: { Authorization: "Bearer \${env:CONNECTOR_ECHO_TOKEN}" }\n`,
  );
  await mkdir(join(root, 'runbooks'), { recursive: true });
  await writeFile(join(root, 'runbooks/secret-echo.yaml'), RUNBOOK);
  await writeFile(join(root, 'runbooks/secret-echo-403.yaml'), FORBIDDEN);
});

after(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  if (root && !process.env.PCQ_KEEP_TEST_ROOT) await rm(root, { recursive: true, force: true });
});

test(
  'a service echoing its credential in 200, 403 and 500 answers: the token is stored and printed nowhere, in no encoding; replay is identical',
  { timeout: 180_000 },
  async () => {
    const run = await pcq({}, 'run', 'runbooks/secret-echo.yaml', '--json');
    assert.equal(run.code, 1, `the 500 step fails the run\n${run.stderr}\n${run.stdout}`);
    const refused = await pcq({}, 'run', 'runbooks/secret-echo-403.yaml', '--json');
    assert.equal(refused.code, 1, `the 403 step fails the run\n${refused.stderr}\n${refused.stdout}`);
    const report = JSON.parse(run.stdout) as { manifestPath: string; executionId: string };
    const manifest = JSON.parse(await readFile(report.manifestPath, 'utf8')) as {
      merkleRoot: string;
      steps: Array<{ stepId: string; attestation: { payload: string } }>;
    };
    const predicates = Object.fromEntries(
      manifest.steps.map((s) => [
        s.stepId,
        (JSON.parse(Buffer.from(s.attestation.payload, 'base64').toString()) as { predicate: { redactions?: number; outputs: unknown } }).predicate,
      ]),
    );
    assert.ok((predicates['echo-ok']!.redactions ?? 0) >= 7, `echo-ok signs its redactions: ${JSON.stringify(predicates['echo-ok'])}`);
    assert.ok(JSON.stringify(predicates['echo-ok']!.outputs).includes('[REDACTED]'));

    // The failed steps' error details hold the (bounded, redacted) response body.
    const runJson = JSON.parse(await readFile(join(report.manifestPath, '..', 'run.json'), 'utf8')) as {
      steps: Array<{ stepId: string; error?: { code: string; details?: { body?: unknown } } }>;
    };
    const runJson403 = JSON.parse(
      await readFile(join((JSON.parse(refused.stdout) as { manifestPath: string }).manifestPath, '..', 'run.json'), 'utf8'),
    ) as typeof runJson;
    const failed = Object.fromEntries([...runJson.steps, ...runJson403.steps].map((s) => [s.stepId, s.error]));
    assert.equal(failed['echo-forbidden']?.code, 'PCQ_EXTERNAL_API_STATUS');
    assert.match(JSON.stringify(failed['echo-forbidden']?.details?.body), /\[REDACTED\]/);
    const boom = String(failed['echo-error']?.details?.body);
    assert.match(boom, /^internal error for \[REDACTED\]/, JSON.stringify(failed['echo-error']));
    assert.ok(boom.length < 2200, `error body bounded (${boom.length})`);

    const replay = await pcq({}, 'replay', report.executionId, '--json');
    assert.equal(replay.code, 0, `${replay.stderr}\n${replay.stdout}`);
    assert.match(replay.stdout, new RegExp(manifest.merkleRoot.replace(/[:]/g, '.')));
    assert.match(replay.stdout, /"identical": true/);

    const siteOut = join(root, 'site-dist');
    await exec(NODE, [SITE_BUILD, '--data', root, '--out', siteOut, '--no-search'], { cwd: resolve('.'), maxBuffer: 1 << 26, timeout: 150_000 });

    const forms = [...leakForms(TOKEN), ...leakForms(runner.secret)];
    let scanned = 0;
    for (const dir of [join(root, 'attestations'), join(root, '.pcq'), siteOut]) {
      for await (const file of files(dir)) {
        if (file.endsWith('.key') || file.includes(join('.pcq', 'keys'))) continue; // none expected in prod; named if present
        const text = (await readFile(file)).toString('latin1');
        scanned++;
        for (const form of forms) assert.ok(!text.includes(form), `${file} holds ${form}`);
      }
    }
    assert.ok(scanned > 20, `scanned ${scanned} files`);
    assert.ok((await readdir(join(root, '.pcq/outbox'))).length > 0, 'the notice reached the outbox');
    for (const out of printed) for (const form of forms) assert.ok(!out.includes(form), `printed output holds ${form}`);
  },
);
