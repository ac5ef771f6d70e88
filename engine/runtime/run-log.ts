// The structured run logger (seed 001 "Logger & Events": pino-compatible, redacted): pino writes
// JSON lines whose every field and message has passed the one secret registry (base/secrets.ts via
// runtime/redact.ts Redactor) before serialisation, and the finished line passes the registry's
// value matcher once more. Typed run events (step started/retried/finished/failed/skipped, review
// opened/decided, connector token events) become log lines: lifecycle at debug, outcomes at info,
// failures at warn/error, so `--log-level` and PCQ_DEBUG=1 change what is printed.
import pino, { type Logger as PinoLogger } from 'pino';
import { Redactor } from './redact.ts';
import { redactText, secretRegistry } from '../base/secrets.ts';
import type { LogLevel } from './logger.ts';
import type { TokenEvent } from './connector-auth/token-manager.ts';
import type { DeliveryOutcome } from './escalation.ts';

export type RunEvent =
  | { type: 'step-started'; id: string; attempt: number }
  | { type: 'step-retried'; id: string; attempt: number; delayMs: number; error: { code: string; message: string } }
  | { type: 'step-finished'; id: string; durationMs: number; attempts: number }
  | { type: 'step-failed'; id: string; error: { code: string; message: string }; attempts: number }
  | { type: 'step-skipped'; id: string }
  | { type: 'review-opened'; executionId: string; ticket: string; assignedTo?: string }
  | { type: 'review-decided'; executionId: string; decision: string; by: string }
  | ({ type: 'notice-delivered' | 'notice-undelivered'; executionId: string } & DeliveryOutcome)
  | TokenEvent;

export function createRunLogger(options: { level: LogLevel; write: (line: string) => void; redactor?: Redactor }): PinoLogger {
  const redactor = options.redactor ?? new Redactor();
  return pino(
    {
      level: options.level,
      base: undefined,
      formatters: { level: (label) => ({ level: label }), log: (obj) => redactor.redactValue(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactor.redact(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    { write: (line: string) => options.write(redactText(line)) },
  );
}

/** One log line per event, at the level its meaning calls for; the event carries no secret by type. */
export function logRunEvent(log: PinoLogger, event: RunEvent): void {
  switch (event.type) {
    case 'step-started':
      return log.debug({ event: event.type, step: event.id, attempt: event.attempt }, `step ${event.id} started`);
    case 'step-retried':
      return log.warn(
        { event: event.type, step: event.id, attempt: event.attempt, delayMs: event.delayMs, code: event.error.code },
        `step ${event.id} retried: ${event.error.message}`,
      );
    case 'step-finished':
      return log.debug({ event: event.type, step: event.id, durationMs: event.durationMs, attempts: event.attempts }, `step ${event.id} finished`);
    case 'step-failed':
      return log.error(
        { event: event.type, step: event.id, code: event.error.code, attempts: event.attempts },
        `step ${event.id} failed: ${event.error.message}`,
      );
    case 'step-skipped':
      return log.debug({ event: event.type, step: event.id }, `step ${event.id} skipped`);
    case 'review-opened':
      return log.info(
        { event: event.type, executionId: event.executionId, ticket: event.ticket, assignedTo: event.assignedTo },
        `ombuds review opened for ${event.executionId}`,
      );
    case 'review-decided':
      return log.info(
        { event: event.type, executionId: event.executionId, decision: event.decision, by: event.by },
        `review of ${event.executionId}: ${event.decision} by ${event.by}`,
      );
    case 'notice-delivered':
      return log.info(
        { event: event.type, executionId: event.executionId, channel: event.channel, name: event.name, attempts: event.attempts },
        `review notice delivered by ${event.channel} ${event.name}`,
      );
    case 'notice-undelivered':
      return log.error(
        { event: event.type, executionId: event.executionId, channel: event.channel, name: event.name, attempts: event.attempts, code: event.code },
        `review notice NOT delivered by ${event.channel} ${event.name}: ${event.message ?? ''}`,
      );
    default: {
      // Logged as `token-refreshed` etc.: "token refreshed" would read as a credential after the
      // word "token" to the redactor (runtime/redact.ts) and be masked.
      const name = event.type.replace(/ /g, '-');
      const fields = {
        event: name,
        connector: event.connector,
        ...('expiresAt' in event ? { expiresAt: event.expiresAt } : {}),
        ...('code' in event ? { code: event.code } : {}),
      };
      const level = event.type === 'credential revoked' || event.type === 'refresh failed' ? 'warn' : 'info';
      return log[level](fields, `connector ${event.connector}: ${name}${'code' in event ? ` (${event.code})` : ''}`);
    }
  }
}

/**
 * Registers every secret the configuration names (and every connector token), and every value the
 * environment holds under a secret-shaped name by the registry's one rule for those: at least 8
 * characters, so a flag such as `SKIP_AUTH=true` is not a credential (registering "true" made the
 * store refuse every run, whose files all hold that word). `heldByDevice` names the variables that
 * hold a PKCS#11 PIN (base/secrets.ts RegisterOptions).
 */
export function registerConfiguredSecrets(env: Record<string, string | undefined>, required: readonly string[], heldByDevice: readonly string[] = []): void {
  const connectorTokens = Object.keys(env).filter((name) => /^CONNECTOR_.*_TOKEN$/.test(name));
  secretRegistry.registerFromEnv(env, [...required, ...connectorTokens], heldByDevice);
}
