// policies/notify.yaml: where notify steps deliver. The embedded default delivers everything to
// the outbox folder, so a local run needs no mail server and no network.
//   email:    { transport: outbox | smtp, from, smtp?: { host, port, secure, requireTls?, auth?: { userEnv, passEnv } } }
//   webhooks: { <name>: { url, transport: outbox | live } }
//   escalation: { channels: [{ type: slack | webhook, name, urlEnv }], retry?: { attempts, backoff, timeout } }
// Credentials are named by environment variable (auth.userEnv/passEnv, escalation urlEnv: a Slack
// incoming-webhook URL is itself the credential), never written in the file. The file is checked
// against notify.schema.json first (unknown keys, wrong types), then field by field.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readYamlSource } from '../model/yaml-source.ts';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { parseDuration } from '../model/duration.ts';
import { describeValuePath, jsonSchemaProblems } from '../model/json-schema-check.ts';
import schema from './notify.schema.json' with { type: 'json' };

export interface NotifyConfig {
  email: {
    transport: 'outbox' | 'smtp';
    from: string;
    smtp?: { host: string; port: number; secure: boolean; requireTls: boolean; userEnv?: string; passEnv?: string };
  };
  webhooks: Record<string, { url: string; transport: 'outbox' | 'live' }>;
  /** Where an ombuds review is escalated besides e-mail (runtime/escalation.ts). */
  escalation: EscalationConfig;
}

export interface EscalationChannel {
  type: 'slack' | 'webhook';
  name: string;
  /** The environment variable holding the URL (a secret: Slack's URL is its own credential). */
  urlEnv: string;
}

export interface EscalationConfig {
  channels: EscalationChannel[];
  /** Bounded: at most 5 attempts, each at most `timeoutMs`, waits from `backoffMs` (last one repeated). */
  retry: { attempts: number; backoffMs: number[]; timeoutMs: number };
}

export const DEFAULT_ESCALATION_RETRY: EscalationConfig['retry'] = { attempts: 3, backoffMs: [1000, 4000], timeoutMs: 10_000 };
/** Upper bound on one wait or one attempt: an escalation never holds a run's exit for long. */
const MAX_ESCALATION_WAIT_MS = 60_000;

export const NOTIFY_FILE = 'policies/notify.yaml';

export const DEFAULT_NOTIFY_YAML = `# Where notify steps deliver (engine/runtime/notify-config.ts). transport: outbox writes one file
# per message under the run's outbox folder instead of sending; switch to smtp / live to send.
email:
  transport: outbox
  from: pcq@localhost
  smtp:
    host: smtp.example.com
    port: 587
    secure: false
    requireTls: true
    auth: { userEnv: PCQ_SMTP_USER, passEnv: PCQ_SMTP_PASS }
webhooks:
  ombuds:
    url: https://hooks.example.com/pcq/ombuds
    transport: outbox
`;

export function parseNotifyConfig(text: string, file = NOTIFY_FILE): NotifyConfig {
  const source = readYamlSource(text, file);
  if (source.issues.length > 0) throw new PcqErrors(source.issues);
  const doc = (source.value ?? {}) as Record<string, unknown>;
  const issues: PcqIssue[] = [];
  const bad = (p: Array<string | number>, message: string): void => void issues.push({ code: 'PCQ_NOTIFY_CONFIG', message, location: source.locate(p) });
  const problems = jsonSchemaProblems(schema, doc);
  // "Property x does not match" on a parent says no more than the problem found inside it.
  const inner = (p: Array<string | number>): boolean =>
    problems.some((q) => q.path.length > p.length && p.every((seg, i) => String(q.path[i]) === String(seg)));
  for (const problem of problems) if (!inner(problem.path)) bad(problem.path, `${describeValuePath(problem.path)}: ${problem.message}`);
  if (issues.length > 0) throw new PcqErrors(issues);

  const email = (doc['email'] ?? {}) as Record<string, unknown>;
  const transport = email['transport'] ?? 'outbox';
  if (transport !== 'outbox' && transport !== 'smtp') bad(['email', 'transport'], 'email.transport must be outbox or smtp');
  const from = email['from'] ?? 'pcq@localhost';
  if (typeof from !== 'string' || !from.includes('@')) bad(['email', 'from'], 'email.from must be an address');
  const config: NotifyConfig = {
    email: { transport: transport as 'outbox' | 'smtp', from: String(from) },
    webhooks: {},
    escalation: parseEscalation(doc['escalation'], bad),
  };

  const smtp = email['smtp'] as Record<string, unknown> | undefined;
  if (smtp !== undefined) {
    const auth = (smtp['auth'] ?? {}) as Record<string, unknown>;
    const port = smtp['port'] ?? 587;
    if (typeof smtp['host'] !== 'string') bad(['email', 'smtp', 'host'], 'email.smtp.host must be a host name');
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      bad(['email', 'smtp', 'port'], 'email.smtp.port must be a port number');
    config.email.smtp = { host: String(smtp['host']), port: Number(port), secure: smtp['secure'] === true, requireTls: smtp['requireTls'] === true };
    if (typeof auth['userEnv'] === 'string') config.email.smtp.userEnv = auth['userEnv'];
    if (typeof auth['passEnv'] === 'string') config.email.smtp.passEnv = auth['passEnv'];
  } else if (transport === 'smtp') bad(['email'], 'email.transport is smtp but there is no email.smtp block');

  const hooks = (doc['webhooks'] ?? {}) as Record<string, unknown>;
  for (const [name, raw] of Object.entries(hooks)) {
    const hook = (raw ?? {}) as Record<string, unknown>;
    const hookTransport = hook['transport'] ?? 'outbox';
    if (typeof hook['url'] !== 'string' || !URL.canParse(hook['url']) || !/^https?:/.test(hook['url'])) {
      bad(['webhooks', name, 'url'], `webhook ${name} needs an http(s) url`);
      continue;
    }
    if (hookTransport !== 'outbox' && hookTransport !== 'live') {
      bad(['webhooks', name, 'transport'], `webhook ${name}: transport must be outbox or live`);
      continue;
    }
    config.webhooks[name] = { url: hook['url'], transport: hookTransport };
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return config;
}

function parseEscalation(raw: unknown, bad: (p: Array<string | number>, message: string) => void): EscalationConfig {
  const doc = (raw ?? {}) as { channels?: EscalationChannel[]; retry?: Record<string, unknown> };
  const channels = doc.channels ?? [];
  const names = new Set<string>();
  channels.forEach((c, i) => {
    if (names.has(c.name)) bad(['escalation', 'channels', i, 'name'], `escalation channel ${c.name} is named twice`);
    names.add(c.name);
  });
  const r = doc.retry ?? {};
  const ms = (v: unknown, p: string[], fallback: number): number => {
    const n = v === undefined ? fallback : parseDuration(v);
    if (n === undefined || n > MAX_ESCALATION_WAIT_MS) {
      bad(['escalation', 'retry', ...p], `escalation.retry.${p.join('.')} must be a duration of at most 60s`);
      return fallback;
    }
    return n;
  };
  const backoff = Array.isArray(r['backoff']) ? r['backoff'].map((v, i) => ms(v, ['backoff', String(i)], 0)) : DEFAULT_ESCALATION_RETRY.backoffMs;
  return {
    channels: channels.map((c) => ({ type: c.type, name: c.name, urlEnv: c.urlEnv })),
    retry: {
      attempts: typeof r['attempts'] === 'number' ? r['attempts'] : DEFAULT_ESCALATION_RETRY.attempts,
      backoffMs: backoff.length > 0 ? backoff : [0],
      timeoutMs: ms(r['timeout'], ['timeout'], DEFAULT_ESCALATION_RETRY.timeoutMs),
    },
  };
}

/** Reads `<root>/policies/notify.yaml`, or the embedded default (outbox only) when absent. */
export async function loadNotifyConfig(rootDir: string): Promise<NotifyConfig> {
  try {
    return parseNotifyConfig(await readFile(path.join(rootDir, NOTIFY_FILE), 'utf8'), NOTIFY_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return parseNotifyConfig(DEFAULT_NOTIFY_YAML, '<embedded notify.yaml>');
  }
}
