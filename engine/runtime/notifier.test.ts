import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createNotifier } from './notifier.ts';
import { DEFAULT_NOTIFY_YAML, parseNotifyConfig } from './notify-config.ts';
import { PcqError, PcqErrors } from '../base/errors.ts';
import type { NotifyMessage } from '../base/step-ports.ts';
import { isRetryableCode } from '../base/error-catalogue.ts';

const signal = new AbortController().signal;
const asOf = '2026-01-12T09:00:00Z';
const email: NotifyMessage = {
  channel: 'email',
  to: ['stakeholders@example.org'],
  subject: 'Weekly report 2026-W02',
  text: 'Hello,\n42 new entities.',
  attachments: [{ filename: 'weekly-report.pdf', content: new TextEncoder().encode('%PDF-1.7 fake'), contentType: 'application/pdf' }],
};

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'pcq-notify-'));
}

test('smtp: a real loopback SMTP server receives the deterministic message with auth from env', async () => {
  const received: Array<{ from: string; to: string[]; data: string; user: string | undefined }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        received.push({
          from: String(session.envelope.mailFrom && session.envelope.mailFrom.address),
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.server.address() as AddressInfo).port;
    const config = parseNotifyConfig(
      `email:\n  transport: smtp\n  from: pcq@runner.example\n  smtp: { host: 127.0.0.1, port: ${port}, secure: false, auth: { userEnv: SMTP_U, passEnv: SMTP_P } }\n`,
    );
    assert.throws(
      () => createNotifier(config, { mode: 'live', asOf, env: {} }),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_SECRET_MISSING',
    );
    const notifier = createNotifier(config, { mode: 'live', asOf, env: { SMTP_U: 'bot', SMTP_P: 'pw' } });
    const effect = await notifier.send(email, signal);
    const again = await notifier.send(email, signal);
    assert.equal(received.length, 2);
    const [first] = received;
    assert.equal(first?.user, 'bot');
    assert.deepEqual([first?.from, first?.to], ['pcq@runner.example', ['stakeholders@example.org']]);
    assert.match(first?.data ?? '', /^Subject: Weekly report 2026-W02\r?$/m);
    assert.match(first?.data ?? '', /^Date: Mon, 12 Jan 2026 09:00:00 \+0000\r?$/m);
    assert.match(first?.data ?? '', new RegExp(`^Message-ID: <${effect.digest.slice(7, 39)}@pcq.local>\\r?$`, 'm'));
    assert.match(first?.data ?? '', /filename=weekly-report\.pdf/);
    assert.equal(received[1]?.data, first?.data, 'identical message, identical bytes');
    assert.deepEqual([effect.channel, effect.target, again.digest], ['email', 'stakeholders@example.org', effect.digest]);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('webhook: POSTs JSON to the named URL; a non-2xx is PCQ_NOTIFY_FAILED, 429 or no connection PCQ_NOTIFY_UNAVAILABLE; an unknown name is coded', async () => {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push({ url: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      res.statusCode = req.url === '/down' ? 502 : req.url === '/busy' ? 429 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = parseNotifyConfig(
      `webhooks:\n  ombuds: { url: ${base}/hook, transport: live }\n  broken: { url: ${base}/down, transport: live }\n  busy: { url: ${base}/busy, transport: live }\n  gone: { url: http://127.0.0.1:${await closedPort()}/x, transport: live }\n`,
    );
    const notifier = createNotifier(config, { mode: 'live', asOf });
    const effect = await notifier.send({ channel: 'webhook', to: ['ombuds'], subject: 'Review needed', text: 'R1 blocked' }, signal);
    assert.deepEqual(bodies, [
      { url: '/hook', type: 'application/json', body: { subject: 'Review needed', text: 'R1 blocked', date: asOf, digest: effect.digest } },
    ]);
    assert.equal(effect.channel, 'webhook');
    await assert.rejects(
      notifier.send({ channel: 'webhook', to: ['broken'], subject: 's', text: 't' }, signal),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_NOTIFY_FAILED' && /502/.test(err.message),
    );
    await assert.rejects(
      notifier.send({ channel: 'webhook', to: ['busy'], subject: 's', text: 't' }, signal),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_NOTIFY_UNAVAILABLE' && isRetryableCode(err.code),
    );
    await assert.rejects(
      notifier.send({ channel: 'webhook', to: ['gone'], subject: 's', text: 't' }, signal),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_NOTIFY_UNAVAILABLE',
    );
    await assert.rejects(
      notifier.send({ channel: 'webhook', to: ['nobody'], subject: 's', text: 't' }, signal),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_NOTIFY_UNKNOWN_WEBHOOK',
    );
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

test('outbox (embedded default): one .eml per email, one .json per webhook, byte-stable across runs', async () => {
  const dirA = await tempDir();
  const dirB = await tempDir();
  try {
    const config = parseNotifyConfig(DEFAULT_NOTIFY_YAML);
    const a = createNotifier(config, { mode: 'live', asOf, outboxDir: dirA });
    const effect = await a.send(email, signal);
    await a.send({ channel: 'webhook', to: ['ombuds'], subject: 'Review', text: 'blocked' }, signal);
    await createNotifier(config, { mode: 'live', asOf, outboxDir: dirB }).send(email, signal);
    const files = (await readdir(dirA)).sort();
    assert.equal(files.length, 2);
    const eml = files.find((f) => f.endsWith('.eml')) as string;
    assert.ok(files.some((f) => f.endsWith('-ombuds.json')));
    assert.equal(effect.channel, 'outbox');
    assert.deepEqual(await readFile(path.join(dirA, eml)), await readFile(path.join(dirB, eml)));
    assert.match(await readFile(path.join(dirA, eml), 'utf8'), /42 new entities/);
  } finally {
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
  }
});

test('replay never sends: same message matches the recorded effect; a changed one is PCQ_REPLAY_EFFECT_MISMATCH', async () => {
  const dir = await tempDir();
  try {
    const config = parseNotifyConfig(`email:\n  transport: smtp\n  from: pcq@x.example\n  smtp: { host: 127.0.0.1, port: 9 }\n`);
    const recorded = await createNotifier(parseNotifyConfig(DEFAULT_NOTIFY_YAML.replace('pcq@localhost', 'pcq@x.example')), {
      mode: 'live',
      asOf,
      outboxDir: dir,
    }).send(email, signal);
    const replay = createNotifier(config, { mode: 'replay', asOf, recordedEffects: [recorded] });
    assert.equal((await replay.send(email, signal)).digest, recorded.digest); // port 9 would refuse: nothing was sent
    await assert.rejects(
      replay.send({ ...email, text: 'Hello,\n43 new entities.' }, signal),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_REPLAY_EFFECT_MISMATCH',
    );
    const later = createNotifier(config, { mode: 'replay', asOf: '2026-01-19T09:00:00Z', recordedEffects: [recorded] });
    await assert.rejects(later.send(email, signal), (err: unknown) => err instanceof PcqError && err.code === 'PCQ_REPLAY_EFFECT_MISMATCH');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('notify.yaml problems are reported together with their lines', () => {
  assert.throws(
    () => parseNotifyConfig('email:\n  transport: pigeon\n  from: nobody\nwebhooks:\n  x: { url: ftp://h }\n'),
    (err: unknown) => {
      assert.ok(err instanceof PcqErrors);
      assert.deepEqual(
        err.issues.map((i) => i.location?.line),
        [2, 3, 5],
      );
      return true;
    },
  );
});
