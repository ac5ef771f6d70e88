// notify (FORMATS.md): `channel: email|webhook`, `to`, `subject`, `text` with `{{ CEL }}`
// placeholders, `attach` (artifact names written earlier in the run). Delivery is the notifier's
// (runtime/notifier.ts): the step only builds the message, and returns the Effect so the run
// records what was sent and a replay can compare instead of sending.
import type { NotifyMessage } from '../base/step-ports.ts';
import type { StepKind } from './step-kind.ts';
import type { PcqIssue } from '../base/errors.ts';
import { renderCelTemplate, templateExpressions } from '../runtime/cel.ts';
import { celVars, checkExpression, isPlainObject, stepError, stepIssue, stringList } from './step-helpers.ts';

export const notifyStep: StepKind = {
  type: 'notify',

  check(step, _runbook, cel) {
    const { channel, to, attach } = step.config;
    const issues: PcqIssue[] = [];
    if (channel !== 'email' && channel !== 'webhook') issues.push(stepIssue(step, 'channel', 'PCQ_STEP_CONFIG', '`channel` must be email or webhook'));
    const recipients = stringList(to);
    if (!recipients || recipients.length === 0)
      issues.push(stepIssue(step, 'to', 'PCQ_STEP_CONFIG', '`to` must be a non-empty list of addresses (email) or webhook names'));
    else if (channel === 'email') {
      for (const address of recipients)
        if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address)) issues.push(stepIssue(step, 'to', 'PCQ_STEP_CONFIG', `"${address}" is not an email address`));
    }
    for (const field of ['subject', 'text'] as const) {
      const template = step.config[field];
      if (typeof template !== 'string')
        issues.push(stepIssue(step, field, 'PCQ_STEP_CONFIG', `\`${field}\` must be a string ({{ CEL }} placeholders allowed)`));
      else for (const expr of templateExpressions(template)) issues.push(...checkExpression(cel, step, field, expr));
    }
    if (attach !== undefined && !stringList(attach)) issues.push(stepIssue(step, 'attach', 'PCQ_STEP_CONFIG', '`attach` must be a list of artifact names'));
    if (attach !== undefined && channel === 'webhook')
      issues.push(stepIssue(step, 'attach', 'PCQ_STEP_CONFIG', 'webhooks carry no attachments', 'Link the artifact in `text` instead.'));
    return issues;
  },

  async run(ctx) {
    const { channel, to, subject, text, attach } = ctx.step.config;
    const upstream = Object.values(ctx.upstream);
    const vars = celVars(ctx, { input: upstream.length === 1 ? upstream[0] : ctx.upstream });
    const message: NotifyMessage = {
      channel: channel as 'email' | 'webhook',
      to: stringList(to) ?? [],
      subject: renderCelTemplate(ctx.ports.cel, String(subject ?? ''), vars),
      text: renderCelTemplate(ctx.ports.cel, String(text ?? ''), vars),
    };
    const names = stringList(attach) ?? [];
    if (names.length > 0) {
      message.attachments = [];
      for (const name of names) {
        const content = await ctx.ports.artifacts.read?.(name);
        if (!content) {
          throw stepError(
            ctx.step,
            'attach',
            'PCQ_ATTACHMENT_MISSING',
            `cannot attach "${name}": no export step of this run wrote it`,
            'Attach an artifact written by an export step this step needs.',
          );
        }
        message.attachments.push({ filename: name, content, contentType: mediaTypeOf(ctx.steps, name) });
      }
    }
    const effect = await ctx.ports.notifier.send(message, ctx.signal);
    return {
      output: { channel: message.channel, to: message.to, digest: effect.digest },
      inputs: { subject: message.subject, text: message.text, attach: names },
      effects: [effect],
    };
  },
};

/** The media type an export step reported for the artifact (its output's `mediaType`). */
function mediaTypeOf(steps: Record<string, unknown>, name: string): string {
  for (const output of Object.values(steps)) {
    if (isPlainObject(output) && output['artifact'] === name && typeof output['mediaType'] === 'string') return output['mediaType'];
  }
  return 'application/octet-stream';
}
