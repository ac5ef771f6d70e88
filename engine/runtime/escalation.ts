// Escalation of an ombuds review beyond e-mail (seed 001/002 escalate by e-mail and Slack): every
// channel of policies/notify.yaml `escalation.channels` gets the notice, a Slack channel in the
// incoming-webhook message format ({text, blocks}), a generic webhook as a JSON event with an
// Idempotency-Key. The URL comes from the environment variable the channel names and is registered
// with the one secret registry before anything is sent, so no message, log line or record can
// carry it; errors name the channel, never the URL.
//
// Delivery is at-least-once with bounds: up to `retry.attempts` tries, each cut at `retry.timeout`,
// waits from `retry.backoff`. A refused connection, a timeout, HTTP 429 or 5xx is tried again (a
// duplicate escalation costs less than a lost one; the Idempotency-Key lets a receiver drop it);
// any other 4xx is final. What is still undelivered is returned to the caller, which reports it in
// the run output, the log and a record on disk (undelivered-record.ts): never dropped silently.
import { PcqError, toIssues } from '../base/errors.ts';
import { registerSecret } from '../base/secrets.ts';
import { transportError } from './boundary-errors.ts';
import type { EscalationChannel, EscalationConfig } from './notify-config.ts';

export interface EscalationNotice {
  /** Stable id of what is escalated (the review's execution id): the Idempotency-Key. */
  id: string;
  subject: string;
  text: string;
  /** Structured facts for a generic webhook (ids, names; never a secret). */
  facts: Record<string, string>;
}

export interface DeliveryOutcome {
  channel: 'email' | 'slack' | 'webhook';
  name: string;
  attempts: number;
  delivered: boolean;
  /** When undelivered: the last error, in the catalogue. */
  code?: string;
  message?: string;
}

export interface EscalateOptions {
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** Waits between attempts; tests may shorten it. */
  sleep?: (ms: number) => Promise<void>;
  onAttemptFailed?: (channel: EscalationChannel, attempt: number, err: PcqError) => void;
}

/** The Slack incoming-webhook body: `text` is the fallback, the block shows the same in mrkdwn. */
export function slackMessage(notice: EscalationNotice): Record<string, unknown> {
  const text = `*${notice.subject}*\n${notice.text}`;
  return { text: notice.subject, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2900) } }] };
}

/** The generic webhook body: one event, its facts, and the same text as the e-mail. */
export function webhookEvent(notice: EscalationNotice): Record<string, unknown> {
  return { event: 'ombuds-review-opened', id: notice.id, subject: notice.subject, text: notice.text, ...notice.facts };
}

/** Sends the notice on every channel, each independently; resolves to one outcome per channel. */
export async function escalate(config: EscalationConfig, notice: EscalationNotice, options: EscalateOptions): Promise<DeliveryOutcome[]> {
  return Promise.all(config.channels.map((channel) => deliver(channel, config.retry, notice, options)));
}

async function deliver(channel: EscalationChannel, retry: EscalationConfig['retry'], notice: EscalationNotice, o: EscalateOptions): Promise<DeliveryOutcome> {
  const base = { channel: channel.type, name: channel.name };
  const url = o.env[channel.urlEnv];
  if (url === undefined || url === '') {
    const code = 'PCQ_SECRET_MISSING';
    return { ...base, attempts: 0, delivered: false, code, message: `escalation channel ${channel.name} needs ${channel.urlEnv}, which is not set` };
  }
  registerSecret(url, `env ${channel.urlEnv}`);
  const body = JSON.stringify(channel.type === 'slack' ? slackMessage(notice) : webhookEvent(notice));
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: PcqError | undefined;
  let tried = 0;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    tried = attempt;
    try {
      await post(o.fetch ?? fetch, channel, url, body, notice.id, retry.timeoutMs);
      return { ...base, attempts: attempt, delivered: true };
    } catch (err) {
      last = err instanceof PcqError ? err : new PcqError({ code: 'PCQ_NOTIFY_FAILED', message: String(err) }, { cause: err });
      o.onAttemptFailed?.(channel, attempt, last);
      if (last.code !== 'PCQ_NOTIFY_UNAVAILABLE' || attempt === retry.attempts) break;
      await sleep(retry.backoffMs[Math.min(attempt - 1, retry.backoffMs.length - 1)] ?? 0);
    }
  }
  const issue = toIssues(last)[0]!;
  return { ...base, attempts: tried, delivered: false, code: issue.code, message: issue.message };
}

async function post(doFetch: typeof fetch, channel: EscalationChannel, url: string, body: string, id: string, timeoutMs: number): Promise<void> {
  const what = `escalation channel ${channel.name} (${channel.type})`;
  let status: number;
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': id },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    status = response.status;
  } catch (err) {
    // Mapped without the URL: transportError names `what`, and the cause stays for a debug log.
    const mapped = transportError('transport', what, err);
    throw new PcqError(
      { code: 'PCQ_NOTIFY_UNAVAILABLE', message: mapped.message, hint: 'Check the webhook receiver is up; escalation is tried again within its bounds.' },
      { cause: err },
    );
  }
  if (status === 429 || status >= 500) throw new PcqError({ code: 'PCQ_NOTIFY_UNAVAILABLE', message: `${what} answered HTTP ${status}`, details: { status } });
  if (status < 200 || status > 299)
    throw new PcqError({
      code: 'PCQ_NOTIFY_FAILED',
      message: `${what} answered HTTP ${status}`,
      hint: `Check the URL in ${channel.urlEnv} and what the receiver expects.`,
      details: { status },
    });
}
