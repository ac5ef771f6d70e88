// Issue 13 item 7 through the real CLI: a blocked run escalates its ombuds review by e-mail (outbox),
// Slack (incoming webhook) and a generic webhook, configured in policies/notify.yaml with the URLs
// in the environment. The Slack server (127.0.0.1) takes the message; the webhook server accepts
// the connection and never answers, so after the bounded attempts the notice is reported as not
// delivered in the run output, in the log and in a record under .pcq/outbox/undelivered/; the run
// itself stands (sealed, verifies) and no URL appears anywhere.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFile, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { EXIT } from '../cli/io.ts';

const servers: Server[] = [];
let root = '';
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  if (root) await rm(root, { recursive: true, force: true });
});

async function listen(onRequest: (body: string) => boolean): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => void (onRequest(body) && res.end('ok')));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a blocked run escalates to Slack; an unanswering webhook is reported in output, log and a record, never lost', async () => {
  root = await makeSampleRoot('pcq-escalation-');
  const slack: string[] = [];
  let hookAttempts = 0;
  const slackUrl = `${await listen((b) => (slack.push(b), true))}/services/T000/B000/XXslackSECRETtoken`;
  const hookUrl = `${await listen(() => (hookAttempts++, false))}/pcq/hook-s3cret-path`;
  await appendFile(
    join(root, 'policies/notify.yaml'),
    [
      'escalation:',
      '  channels:',
      '    - { type: slack, name: ombuds-slack, urlEnv: PCQ_SLACK_WEBHOOK_URL }',
      '    - { type: webhook, name: pager, urlEnv: PCQ_ESCALATION_WEBHOOK_URL }',
      '  retry: { attempts: 2, backoff: [100ms], timeout: 700ms }',
      '',
    ].join('\n'),
  );
  const env = { PCQ_SLACK_WEBHOOK_URL: slackUrl, PCQ_ESCALATION_WEBHOOK_URL: hookUrl };
  const r = await runPcq(root, env, 'run', 'runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial');
  assert.equal(r.code, EXIT.blocked, r.stdout + r.stderr);
  assert.match(r.stdout, /ombuds review opened/);
  assert.match(r.stdout, /escalated to slack ombuds-slack \(1 attempt\)/);
  assert.match(r.stdout, /⚠ escalation to webhook pager NOT delivered after 2 attempts: PCQ_NOTIFY_UNAVAILABLE .*timed out/);
  assert.match(r.stdout, /undelivered notices recorded in \.pcq\/outbox\/undelivered\/[0-9TZ]+-[0-9a-f]+\.json/);
  // The log: one error line for the undelivered channel, one info line for Slack.
  const logs = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(logs.some((l) => l.event === 'notice-undelivered' && l.name === 'pager' && l.level === 'error' && l.code === 'PCQ_NOTIFY_UNAVAILABLE'));
  assert.ok(logs.some((l) => l.event === 'notice-delivered' && l.name === 'ombuds-slack'));
  assert.equal(hookAttempts, 2, 'bounded: exactly the configured attempts');
  // Slack got the incoming-webhook format with the review's facts.
  assert.equal(slack.length, 1);
  const message = JSON.parse(slack[0]!) as { text: string; blocks: Array<{ text: { text: string } }> };
  assert.match(message.text, /^\[pcq\] Ombuds review needed: R1 .* blocked by kpi/);
  assert.match(message.blocks[0]!.text.text, /pcq review approve/);
  // The record: what was not delivered, and the notice to send by hand.
  const dir = join(root, '.pcq/outbox/undelivered');
  const [file] = await readdir(dir);
  const record = JSON.parse(await readFile(join(dir, file!), 'utf8')) as {
    undelivered: Array<{ name: string; attempts: number; code: string }>;
    notice: { subject: string };
  };
  assert.deepEqual(
    record.undelivered.map((u) => [u.name, u.attempts, u.code]),
    [['pager', 2, 'PCQ_NOTIFY_UNAVAILABLE']],
  );
  assert.match(record.notice.subject, /Ombuds review needed/);
  // The run stands: sealed and verified; no URL in any output or in the record.
  const manifest = /manifest: (\S+)/.exec(r.stdout)![1]!;
  assert.equal((await runPcq(root, {}, 'verify', manifest)).code, 0);
  const all = r.stdout + r.stderr + (await readFile(join(dir, file!), 'utf8'));
  for (const secret of ['XXslackSECRETtoken', 'hook-s3cret-path']) assert.ok(!all.includes(secret), `${secret} leaked`);
});
