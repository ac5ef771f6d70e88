// Escalation channels against real loopback servers (127.0.0.1): a Slack incoming webhook and a
// generic webhook receive the notice; a server that refuses, one that never answers, one that
// fails then recovers, and one that rejects are each reported with attempts bounded by the retry
// policy; the URL (a secret) is registered and never appears in an outcome.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escalate, slackMessage } from './escalation.ts';
import { parseNotifyConfig } from './notify-config.ts';
import { secretRegistry } from '../base/secrets.ts';
import { PcqErrors } from '../base/errors.ts';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/T0KEN-sl4ck-s3cret`;
}

/** A port nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}/hook/refused-s3cret-path`;
}

const notice = { id: '20261206T000000Z-abc123', subject: '[pcq] Ombuds review needed', text: 'Failed prover: pii\n', facts: { runbookId: 'R1' } };
const noWait = { sleep: async () => undefined };

test('notify.yaml escalation: schema-checked, URLs named by environment variable, bounded retry', () => {
  const config = parseNotifyConfig(
    'escalation:\n  channels:\n    - { type: slack, name: ombuds-slack, urlEnv: PCQ_SLACK_WEBHOOK_URL }\n    - { type: webhook, name: pager, urlEnv: PCQ_PAGER_URL }\n  retry: { attempts: 4, backoff: [100ms, 1s], timeout: 2s }\n',
  );
  assert.deepEqual(config.escalation, {
    channels: [
      { type: 'slack', name: 'ombuds-slack', urlEnv: 'PCQ_SLACK_WEBHOOK_URL' },
      { type: 'webhook', name: 'pager', urlEnv: 'PCQ_PAGER_URL' },
    ],
    retry: { attempts: 4, backoffMs: [100, 1000], timeoutMs: 2000 },
  });
  assert.deepEqual(parseNotifyConfig('email: { transport: outbox }\n').escalation.channels, []);
  // A URL written in the file, an unknown channel type, too many attempts: refused with locations.
  const bad = (yaml: string): string[] => {
    try {
      parseNotifyConfig(yaml);
    } catch (err) {
      return (err as PcqErrors).issues.map((i) => `${i.code} ${i.location?.line ?? '?'}`);
    }
    return [];
  };
  assert.deepEqual(bad('escalation:\n  channels:\n    - { type: slack, name: s, url: "https://hooks.slack.com/x" }\n').length > 0, true);
  assert.match(bad('escalation:\n  channels:\n    - { type: teams, name: s, urlEnv: X_URL }\n')[0]!, /^PCQ_NOTIFY_CONFIG 3$/);
  assert.match(bad('escalation:\n  retry: { attempts: 50 }\n')[0]!, /^PCQ_NOTIFY_CONFIG 2$/);
  assert.match(bad('escalation:\n  retry: { timeout: 10m }\n')[0]!, /^PCQ_NOTIFY_CONFIG/);
});

test('Slack and a generic webhook receive the notice; a refused and a silent server are reported after bounded attempts', async () => {
  const got: Record<string, { headers: IncomingMessage['headers']; body: unknown }[]> = { slack: [], hook: [], silent: [] };
  const slackUrl = await serve((req, body, res) => {
    got.slack!.push({ headers: req.headers, body: JSON.parse(body) });
    res.end('ok');
  });
  const hookUrl = await serve((req, body, res) => {
    got.hook!.push({ headers: req.headers, body: JSON.parse(body) });
    res.writeHead(202).end();
  });
  const silentUrl = await serve((req) => void got.silent!.push({ headers: req.headers, body: null })); // never answers
  const refusedUrl = await closedPort();
  const env = { SLACK_URL: slackUrl, HOOK_URL: hookUrl, SILENT_URL: silentUrl, REFUSED_URL: refusedUrl };
  const channels = [
    { type: 'slack' as const, name: 'ombuds-slack', urlEnv: 'SLACK_URL' },
    { type: 'webhook' as const, name: 'pager', urlEnv: 'HOOK_URL' },
    { type: 'webhook' as const, name: 'silent', urlEnv: 'SILENT_URL' },
    { type: 'slack' as const, name: 'refused', urlEnv: 'REFUSED_URL' },
    { type: 'webhook' as const, name: 'unset', urlEnv: 'NOT_SET_URL' },
  ];
  const started = Date.now();
  const outcomes = await escalate({ channels, retry: { attempts: 3, backoffMs: [50], timeoutMs: 1000 } }, notice, { env });
  assert.ok(Date.now() - started < 8_000, 'bounded: 3 attempts of at most 1 s each, 50 ms apart');
  const by = Object.fromEntries(outcomes.map((o) => [o.name, o]));
  assert.deepEqual(by['ombuds-slack'], { channel: 'slack', name: 'ombuds-slack', attempts: 1, delivered: true });
  assert.deepEqual(by['pager'], { channel: 'webhook', name: 'pager', attempts: 1, delivered: true });
  assert.equal(by['silent']!.delivered, false);
  assert.equal(by['silent']!.attempts, 3);
  assert.equal(by['silent']!.code, 'PCQ_NOTIFY_UNAVAILABLE');
  assert.equal(got.silent!.length, 3, 'the silent server saw every attempt');
  assert.deepEqual([by['refused']!.delivered, by['refused']!.attempts, by['refused']!.code], [false, 3, 'PCQ_NOTIFY_UNAVAILABLE']);
  assert.deepEqual([by['unset']!.delivered, by['unset']!.attempts, by['unset']!.code], [false, 0, 'PCQ_SECRET_MISSING']);
  // Slack's incoming-webhook format; the generic event carries the facts and an Idempotency-Key.
  assert.deepEqual(got.slack![0]!.body, slackMessage(notice));
  assert.equal((got.slack![0]!.body as { text: string }).text, notice.subject);
  assert.deepEqual(got.hook![0]!.body, { event: 'ombuds-review-opened', id: notice.id, subject: notice.subject, text: notice.text, runbookId: 'R1' });
  assert.equal(got.hook![0]!.headers['idempotency-key'], notice.id);
  // The URLs are secrets: registered, and absent from every outcome.
  const text = JSON.stringify(outcomes);
  for (const url of [slackUrl, hookUrl, silentUrl, refusedUrl]) {
    assert.ok(!text.includes(url) && !text.includes(new URL(url).pathname), 'no URL in an outcome');
    assert.equal(secretRegistry.redact(`x ${url} y`).includes(url), false, 'the URL is registered');
  }
});

test('a 503 then 200 is delivered on the second attempt; a 400 is final after one', async () => {
  let calls = 0;
  const flaky = await serve((_req, _body, res) => void res.writeHead(++calls === 1 ? 503 : 200).end());
  const rejecting = await serve((_req, _body, res) => void res.writeHead(400).end('no_text'));
  const out = await escalate(
    {
      channels: [
        { type: 'webhook', name: 'flaky', urlEnv: 'A' },
        { type: 'slack', name: 'rejecting', urlEnv: 'B' },
      ],
      retry: { attempts: 3, backoffMs: [10], timeoutMs: 2000 },
    },
    notice,
    { env: { A: flaky, B: rejecting }, ...noWait },
  );
  assert.deepEqual(out[0], { channel: 'webhook', name: 'flaky', attempts: 2, delivered: true });
  assert.deepEqual([out[1]!.delivered, out[1]!.attempts, out[1]!.code], [false, 1, 'PCQ_NOTIFY_FAILED']);
  assert.match(out[1]!.message!, /rejecting \(slack\) answered HTTP 400/);
});
