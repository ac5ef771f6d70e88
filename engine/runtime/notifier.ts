// Notifications (policies/notify.yaml): email over SMTP, webhook POSTs, or the embedded default,
// an outbox folder with one .eml/.json file per message, so `npm start` needs no server.
// Messages are deterministic (Date header from the run's asOf, Message-ID and MIME boundary derived
// from the content digest), so the Effect digest is the same on every honest run and a replay
// compares it with the record instead of sending again (docs/design.md §5: a replay never repeats a side
// effect outside its sandbox).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { digestOf, digestOfJson } from '../proof/digest.ts';
import type { Effect, Notifier, NotifyMessage } from '../base/step-ports.ts';
import { PcqError } from '../base/errors.ts';
import { secretRegistry } from '../base/secrets.ts';
import type { NotifyConfig } from './notify-config.ts';

export interface NotifierOptions {
  mode: 'live' | 'replay';
  asOf: string; // the run's clock: the messages' Date
  outboxDir?: string; // where outbox transports write; default .pcq/outbox
  recordedEffects?: Effect[]; // replay: effects.json of the recorded run
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The canonical message: what the Effect digest covers (attachments by digest, not bytes). */
function canonicalMessage(config: NotifyConfig, message: NotifyMessage, asOf: string): Record<string, unknown> {
  return {
    channel: message.channel,
    ...(message.channel === 'email' ? { from: config.email.from } : {}),
    to: message.to,
    subject: message.subject,
    text: message.text,
    date: asOf,
    attachments: (message.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, digest: digestOf(a.content) })),
  };
}

export function createNotifier(config: NotifyConfig, options: NotifierOptions): Notifier {
  const outboxDir = options.outboxDir ?? path.resolve('.pcq/outbox');
  const env = options.env ?? {};
  const doFetch = options.fetch ?? fetch;
  const smtp = options.mode === 'live' && config.email.transport === 'smtp' ? smtpTransport(config, env) : undefined;

  return {
    async send(sent, signal) {
      // Whatever a runbook puts in a notice, no registered secret leaves in it (base/secrets.ts);
      // redaction is deterministic, so a replay computes the same digest.
      const message = redactMessage(sent);
      if (message.to.length === 0) throw new PcqError({ code: 'PCQ_NOTIFY_INVALID', message: 'a notification needs at least one recipient' });
      const canonical = canonicalMessage(config, message, options.asOf);
      const digest = digestOfJson(canonical);
      const hex = digest.slice('sha256:'.length);
      const transport = message.channel === 'email' ? config.email.transport : webhookOf(config, message.to).transport;
      const effect: Effect = { channel: transport === 'outbox' ? 'outbox' : message.channel, target: message.to.join(','), digest, message: canonical };

      if (options.mode === 'replay') {
        if (options.recordedEffects && !options.recordedEffects.some((e) => e.digest === digest)) {
          throw new PcqError({
            code: 'PCQ_REPLAY_EFFECT_MISMATCH',
            message: `replay would send a ${message.channel} to ${effect.target} that the recorded run did not send (digest ${digest})`,
            hint: 'The replayed run diverged from the record; compare the notify step inputs with effects.json.',
            details: { digest, recorded: options.recordedEffects.map((e) => e.digest) },
          });
        }
        return effect; // a replay compares, it never sends
      }

      if (message.channel === 'email') {
        const raw = await composeEmail(config, message, options.asOf, hex);
        if (transport === 'outbox') await writeOutbox(outboxDir, `${hex.slice(0, 16)}.eml`, raw);
        else await sendSmtp(smtp!, config, message, raw, signal);
        return effect;
      }
      for (const name of message.to) {
        const hook = webhookOf(config, [name]);
        const body = JSON.stringify({ subject: message.subject, text: message.text, date: options.asOf, digest });
        if (hook.transport === 'outbox')
          await writeOutbox(
            outboxDir,
            `${hex.slice(0, 16)}-${name}.json`,
            new TextEncoder().encode(JSON.stringify({ webhook: name, url: hook.url, body: JSON.parse(body) }, null, 2) + '\n'),
          );
        else await postWebhook(doFetch, name, hook.url, body, AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]));
      }
      return effect;
    },
  };
}

function webhookOf(config: NotifyConfig, to: string[]): NotifyConfig['webhooks'][string] {
  for (const name of to) {
    if (!config.webhooks[name]) {
      throw new PcqError({
        code: 'PCQ_NOTIFY_UNKNOWN_WEBHOOK',
        message: `no webhook named "${name}" in policies/notify.yaml (known: ${Object.keys(config.webhooks).join(', ') || 'none'})`,
        hint: 'Name a webhook from policies/notify.yaml in `to`.',
      });
    }
  }
  return config.webhooks[to[0] as string]!;
}

async function composeEmail(config: NotifyConfig, message: NotifyMessage, asOf: string, hex: string): Promise<Uint8Array> {
  const mail = new MailComposer({
    from: config.email.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    date: new Date(asOf),
    messageId: `<${hex.slice(0, 32)}@pcq.local>`,
    attachments: (message.attachments ?? []).map((a) => ({ filename: a.filename, content: Buffer.from(a.content), contentType: a.contentType })),
  });
  const root = mail.compile();
  root.baseBoundary = hex.slice(0, 24); // nodemailer's default is random bytes
  const bytes = await new Promise<Buffer>((resolve, reject) => root.build((err, out) => (err ? reject(err) : resolve(out))));
  return new Uint8Array(bytes);
}

function redactMessage(message: NotifyMessage): NotifyMessage {
  const r = (s: string): string => secretRegistry.redact(s);
  return {
    ...message,
    to: message.to.map(r),
    subject: r(message.subject),
    text: r(message.text),
    ...(message.attachments ? { attachments: message.attachments.map((a) => ({ ...a, filename: r(a.filename) })) } : {}),
  };
}

async function writeOutbox(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const source = secretRegistry.find(Buffer.from(bytes).toString('latin1'));
  if (source !== undefined) {
    throw new PcqError({
      code: 'PCQ_SECRET_IN_OUTPUT',
      message: `the notice ${name} would hold a registered secret (${source}, in an attachment); it was not written to ${dir}`,
    });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), bytes);
}

function smtpTransport(config: NotifyConfig, env: Record<string, string | undefined>): Transporter {
  const smtp = config.email.smtp;
  if (!smtp) throw new PcqError({ code: 'PCQ_NOTIFY_CONFIG', message: 'email transport is smtp but policies/notify.yaml has no email.smtp block' });
  const secret = (name: string | undefined): string | undefined => {
    if (name === undefined) return undefined;
    const value = env[name];
    if (!value)
      throw new PcqError({
        code: 'PCQ_SECRET_MISSING',
        message: `SMTP needs the environment variable ${name}`,
        hint: `Set ${name} (a repository secret in GitHub Actions), or use transport: outbox.`,
      });
    return value;
  };
  const user = secret(smtp.userEnv);
  const pass = secret(smtp.passEnv);
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(user !== undefined ? { auth: { user, pass: pass ?? '' } } : {}),
    ...(smtp.requireTls ? { requireTLS: true } : { ignoreTLS: !smtp.secure && smtp.host === '127.0.0.1' }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

/** Errors raised before a connection existed: the message cannot have been delivered. */
const NO_CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNECTION',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EDNS',
  'UND_ERR_CONNECT_TIMEOUT',
]);

async function sendSmtp(transport: Transporter, config: NotifyConfig, message: NotifyMessage, raw: Uint8Array, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  try {
    await transport.sendMail({ envelope: { from: config.email.from, to: message.to }, raw: Buffer.from(raw) });
  } catch (err) {
    // SMTP 4xx is "try again later" by definition (RFC 5321 §4.2.1); no answer at all means nothing
    // was accepted. Both are transient; a 5xx or a refused login is the server's final answer.
    const responseCode = Number((err as { responseCode?: unknown }).responseCode);
    const transient = Number.isFinite(responseCode)
      ? responseCode >= 400 && responseCode < 500
      : NO_CONNECTION_CODES.has(String((err as { code?: unknown }).code));
    throw new PcqError({
      code: transient ? 'PCQ_NOTIFY_UNAVAILABLE' : 'PCQ_NOTIFY_FAILED',
      message: `SMTP delivery to ${message.to.join(', ')} failed: ${(err as Error).message}`,
      hint: transient
        ? 'The mail server did not take the message; it is tried again with backoff.'
        : 'Check the SMTP server in policies/notify.yaml and its credentials.',
    });
  }
}

async function postWebhook(doFetch: typeof fetch, name: string, url: string, body: string, signal: AbortSignal): Promise<void> {
  let status: number;
  try {
    const response = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
    await response.arrayBuffer();
    status = response.status;
  } catch (err) {
    // Only a failure to connect proves the POST never arrived; anything later may have been acted on.
    const cause = (err as { cause?: { code?: unknown } }).cause;
    const transient = NO_CONNECTION_CODES.has(String(cause?.code ?? (err as { code?: unknown }).code));
    throw new PcqError({
      code: transient ? 'PCQ_NOTIFY_UNAVAILABLE' : 'PCQ_NOTIFY_FAILED',
      message: `webhook ${name} (${url}) failed: ${(err as Error).message}`,
      hint: 'Check the webhook URL in policies/notify.yaml.',
    });
  }
  if (status === 429)
    throw new PcqError({
      code: 'PCQ_NOTIFY_UNAVAILABLE',
      message: `webhook ${name} answered HTTP 429 (too many requests)`,
      hint: 'The webhook asked to slow down; the step is tried again with backoff.',
    });
  if (status < 200 || status > 299)
    throw new PcqError({ code: 'PCQ_NOTIFY_FAILED', message: `webhook ${name} answered HTTP ${status}`, hint: 'Check the webhook URL and what it expects.' });
}
