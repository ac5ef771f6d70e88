// Issue 13 acceptance: with PCQ_DEBUG=1 and every secret set (runner secret, connector token, SMTP
// password, escalation webhook URLs, PKCS#11 PIN, remote signer token, grant user secret, reviewer
// secret, Neo4j password), a full run, a blocked run (which escalates its review to loopback Slack
// and webhook servers) and the review's decision print debug lines, and no secret appears in any
// output, in any file under the repository copy, or in what the escalation servers received, in
// any form: plain, base64 and base64url (at every alignment), hex, URL-encoded. The forms are
// computed here, independently of base/secrets.ts. `--log-level error` then silences the debug
// and info lines that PCQ_DEBUG=1 turns on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFile, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq, type CliResult } from '../testing/pcq-cli.ts';

let root = '';
const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
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

/** Every form a leak could take: plain, URL-encoded, hex, and the base64/base64url characters that encode the secret alone at each alignment. */
function leakForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('hex').toUpperCase()]);
  for (const prefix of ['', 'x', 'xy']) {
    for (const enc of ['base64', 'base64url'] as const)
      forms.add(
        Buffer.from(prefix + secret + 'zz')
          .toString(enc)
          .slice(4, -4),
      );
  }
  return [...forms];
}

async function listen(received: string[]): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(`${req.url} ${JSON.stringify(req.headers)} ${body}`);
      res.end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const trustEntry = (name: string, publicKey: string, role: string, login?: string): string =>
  `\n  - name: ${name}\n    publicKey: ${publicKey}\n    roles: [${role}]\n${login ? `    login: ${login}\n` : ''}    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`;

test('PCQ_DEBUG=1 with every secret set: a full run, a blocked run with escalation and its review leak no secret anywhere', { timeout: 400_000 }, async () => {
  root = await makeSampleRoot('pcq-leak-');
  const key = async (): Promise<{ secret: string; publicKey: string }> => JSON.parse((await runPcq(root, {}, 'keys', 'generate', '--json')).stdout);
  const runner = await key();
  const user = await key();
  const reviewer = await key();
  await appendFile(
    join(root, 'policies/trust.yaml'),
    trustEntry('leak-runner', runner.publicKey, 'runner') + trustEntry('leak-bob', reviewer.publicKey, 'reviewer', 'ombuds-bob'),
  );
  const received: string[] = [];
  const slackUrl = `${await listen(received)}/services/T0/B0/sl4ckHookS3cretPath`;
  const hookUrl = `${await listen(received)}/hooks/webh00kS3cretPath?key=q9Z`;
  await appendFile(
    join(root, 'policies/notify.yaml'),
    'escalation:\n  channels:\n    - { type: slack, name: ombuds-slack, urlEnv: PCQ_SLACK_WEBHOOK_URL }\n    - { type: webhook, name: pager, urlEnv: PCQ_ESCALATION_WEBHOOK_URL }\n',
  );
  const secrets = {
    RUNNER_SECRET: runner.secret,
    PCQ_GRANT_USER_SECRET: user.secret,
    PCQ_REVIEWER_SECRET: reviewer.secret,
    CONNECTOR_ENRICHMENT_TOKEN: 'conn-tok-5a8e2f91c3',
    PCQ_SMTP_PASS: 'smtp-pass-77c1e9a4',
    PCQ_SIGNER_TOKEN: 'signer-tok-0b3d6e8f',
    PCQ_PKCS11_PIN: 'hsm-pin-93817265',
    NEO4J_PASSWORD: 'neo-pw-4c2a9e71',
    PCQ_SLACK_WEBHOOK_URL: slackUrl,
    PCQ_ESCALATION_WEBHOOK_URL: hookUrl,
  };
  const env = { PCQ_DEBUG: '1', PCQ_MODE: 'prod', ...secrets };
  const outputs: CliResult[] = [];
  const pcq = async (...args: string[]): Promise<CliResult> => {
    const r = await runPcq(root, env, ...args);
    outputs.push(r);
    return r;
  };
  const granted = await pcq('grant', 'add', '--runner', runner.publicKey, '--budget', '100000', '--expires', '2099-01-01T00:00:00Z');
  assert.equal(granted.code, 0, granted.stderr);
  const full = await pcq('run', 'runbooks/R2-relationship-inference.yaml');
  assert.equal(full.code, 0, full.stdout + full.stderr);
  const blocked = await pcq('run', 'runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial', '--json');
  assert.equal(blocked.code, 4, blocked.stderr);
  const report = JSON.parse(blocked.stdout) as { executionId: string; deliveries: Array<{ name: string; delivered: boolean }> };
  assert.deepEqual(
    report.deliveries.map((d) => [d.name, d.delivered]),
    [
      ['ombuds roster', true],
      ['ombuds-slack', true],
      ['pager', true],
    ],
  );
  const decided = await pcq('review', 'approve', report.executionId, '--by', 'ombuds-bob', '--comment', 'checked the partial source by hand');
  assert.equal(decided.code, 0, decided.stdout + decided.stderr);

  const printed = outputs.map((o) => o.stdout + o.stderr).join('\n');
  assert.match(printed, /"level":"debug"/, 'debug lines are printed');
  assert.match(printed, /"event":"step-started"/, 'the typed step events reach the log');
  assert.match(printed, /"event":"review-opened"/);
  assert.match(printed, /"event":"notice-delivered"/);
  assert.match(decided.stderr, /"event":"review-decided","executionId":"[^"]+","decision":"approve","by":"ombuds-bob"/);
  assert.equal(received.length, 2, 'Slack and the webhook each got the escalation once');
  const written = await Promise.all((await files(root)).map(async (f) => `${f}\n${await readFile(f, 'latin1')}`));
  const everything = [printed, ...written, ...received].join('\n');
  for (const [name, value] of Object.entries(secrets)) {
    for (const form of leakForms(value)) assert.ok(!everything.includes(form), `${name} leaked as ${form}`);
  }
  for (const part of ['sl4ckHookS3cretPath', 'webh00kS3cretPath']) assert.ok(!(printed + written.join('')).includes(part), `${part} leaked`);

  // --log-level on the command line wins over PCQ_DEBUG=1: no debug or info lines.
  const quiet = await pcq('run', 'runbooks/R2-relationship-inference.yaml', '--log-level', 'error');
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /"level":"(debug|info)"/);
  assert.match(quiet.stdout, /✓/, 'the progress lines still show on stdout');
});
