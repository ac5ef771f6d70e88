// The notices of an opened ombuds review, sent after the run is committed (after-run.ts): the
// e-mail to the roster (through the run's notifier, tried again within the escalation bounds while
// the mail server is unavailable), then every escalation channel of policies/notify.yaml
// (runtime/escalation.ts: Slack, generic webhooks). Nothing is lost silently: each channel's
// outcome is returned for the run output and the log, and whatever stayed undelivered is written
// to a record under the outbox folder, <outboxDir>/undelivered/<executionId>.json (a dot-folder
// under .pcq/, never published), with the notice itself so an operator can send it by hand.
import { join } from 'node:path';
import { toIssues, type PcqIssue } from '../base/errors.ts';
import { redactValue } from '../base/secrets.ts';
import type { Notifier } from '../base/step-ports.ts';
import { writeJsonAtomic } from '../store/atomic-write.ts';
import { escalate, type DeliveryOutcome, type EscalationNotice } from '../runtime/escalation.ts';
import type { EscalationConfig } from '../runtime/notify-config.ts';

export interface ReviewNoticeInput {
  executionId: string;
  notice: { to: string[]; subject: string; text: string };
  facts: Record<string, string>;
  notifier: Notifier;
  escalation: EscalationConfig;
  env: Record<string, string | undefined>;
  outboxDir: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReviewNoticeResult {
  /** Addresses the e-mail went to, when it went. */
  notified?: string[];
  /** The e-mail could not be sent (the ticket exists; the run and its verdict stand). */
  notifyIssue?: PcqIssue;
  /** One outcome per channel, the e-mail first. */
  deliveries: DeliveryOutcome[];
  /** Where the undelivered notices were recorded, when any was. */
  undeliveredRecord?: string;
}

export async function sendReviewNotices(input: ReviewNoticeInput): Promise<ReviewNoticeResult> {
  const result: ReviewNoticeResult = { deliveries: [] };
  const email = await sendEmail(input);
  result.deliveries.push(email.outcome);
  if (email.issue) result.notifyIssue = email.issue;
  else result.notified = input.notice.to;
  const notice: EscalationNotice = { id: input.executionId, subject: input.notice.subject, text: input.notice.text, facts: input.facts };
  result.deliveries.push(...(await escalate(input.escalation, notice, { env: input.env, ...(input.sleep ? { sleep: input.sleep } : {}) })));
  const undelivered = result.deliveries.filter((d) => !d.delivered);
  if (undelivered.length > 0) {
    const path = join(input.outboxDir, 'undelivered', `${input.executionId}.json`);
    // The record passes the one secret registry: a channel's URL is registered before it is used.
    const record = redactValue({
      kind: 'pcq-undelivered-notice',
      executionId: input.executionId,
      undelivered,
      notice: { to: input.notice.to, subject: input.notice.subject, text: input.notice.text, facts: input.facts },
    }).value;
    await writeJsonAtomic(path, record);
    result.undeliveredRecord = path;
  }
  return result;
}

async function sendEmail(input: ReviewNoticeInput): Promise<{ outcome: DeliveryOutcome; issue?: PcqIssue }> {
  const { retry } = input.escalation;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let issue: PcqIssue | undefined;
  let attempt = 0;
  while (attempt < retry.attempts) {
    attempt++;
    try {
      await input.notifier.send({ channel: 'email', ...input.notice }, AbortSignal.timeout(30_000));
      return { outcome: { channel: 'email', name: 'ombuds roster', attempts: attempt, delivered: true } };
    } catch (err) {
      issue = toIssues(err)[0]!;
      if (issue.code !== 'PCQ_NOTIFY_UNAVAILABLE' || attempt === retry.attempts) break;
      await sleep(retry.backoffMs[Math.min(attempt - 1, retry.backoffMs.length - 1)] ?? 0);
    }
  }
  return {
    outcome: { channel: 'email', name: 'ombuds roster', attempts: attempt, delivered: false, code: issue!.code, message: issue!.message },
    issue: issue!,
  };
}
