// policies/notify.yaml: where notify steps deliver. The embedded default delivers everything to
// the outbox folder, so a local run needs no mail server and no network.
//   email:    { transport: outbox | smtp, from, smtp?: { host, port, secure, requireTls?, auth?: { userEnv, passEnv } } }
//   webhooks: { <name>: { url, transport: outbox | live } }
// Credentials are named by environment variable (auth.userEnv/passEnv), never written in the file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readYamlSource } from '../model/yaml-source.ts';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';

export interface NotifyConfig {
  email: {
    transport: 'outbox' | 'smtp';
    from: string;
    smtp?: { host: string; port: number; secure: boolean; requireTls: boolean; userEnv?: string; passEnv?: string };
  };
  webhooks: Record<string, { url: string; transport: 'outbox' | 'live' }>;
}

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

  const email = (doc['email'] ?? {}) as Record<string, unknown>;
  const transport = email['transport'] ?? 'outbox';
  if (transport !== 'outbox' && transport !== 'smtp') bad(['email', 'transport'], 'email.transport must be outbox or smtp');
  const from = email['from'] ?? 'pcq@localhost';
  if (typeof from !== 'string' || !from.includes('@')) bad(['email', 'from'], 'email.from must be an address');
  const config: NotifyConfig = { email: { transport: transport as 'outbox' | 'smtp', from: String(from) }, webhooks: {} };

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

/** Reads `<root>/policies/notify.yaml`, or the embedded default (outbox only) when absent. */
export async function loadNotifyConfig(rootDir: string): Promise<NotifyConfig> {
  try {
    return parseNotifyConfig(await readFile(path.join(rootDir, NOTIFY_FILE), 'utf8'), NOTIFY_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return parseNotifyConfig(DEFAULT_NOTIFY_YAML, '<embedded notify.yaml>');
  }
}
