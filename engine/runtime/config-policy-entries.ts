// The settings pcq reads from the other policy files, as `pcq config show` entries beside those of
// runtime/config.ts: notifications (policies/notify.yaml: e-mail transport, SMTP server, escalation
// channels and their retry bounds) and the secrets they and the connectors name (SMTP user and
// password, escalation webhook URLs, CONNECTOR_<NAME>_TOKEN, challenge credentials), plus the
// optional secrets other commands read (PCQ_GRANT_USER_SECRET). A secret shows as *** or
// (not set), never its value; its source is the environment, .env.runner, or unset.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigEntry, PcqConfig } from './config.ts';
import { loadNotifyConfig, NOTIFY_FILE } from './notify-config.ts';
import { loadConnectors, CONNECTORS_FILE } from './connectors.ts';
import { ENV_FILE } from './env-file.ts';
import { readYamlSource } from '../model/yaml-source.ts';
import { connectorTokenEnv } from './connector-auth/bearer.ts';

/** Secrets read outside the run's signer: by `pcq grant` (the granting user's key). */
const OPTIONAL_SECRETS = ['PCQ_GRANT_USER_SECRET'];

export async function policyEntries(config: PcqConfig, processEnv: Record<string, string | undefined>): Promise<Record<string, ConfigEntry>> {
  const entries: Record<string, ConfigEntry> = {};
  const notify = await loadNotifyConfig(config.root); // validated: the raw read below cannot fail differently
  const raw = await readFile(join(config.root, NOTIFY_FILE), 'utf8').then(
    (text) => readYamlSource(text, NOTIFY_FILE).value as Record<string, unknown> | null,
    () => null,
  );
  const inFile = (field: string): boolean => {
    let here: unknown = raw;
    for (const part of field.split('.')) here = here !== null && typeof here === 'object' ? (here as Record<string, unknown>)[part] : undefined;
    return here !== undefined;
  };
  const setting = (name: string, value: string, field: string): void => {
    entries[name] = inFile(field) ? { value, source: 'file', origin: `${NOTIFY_FILE} ${field}` } : { value, source: 'default', origin: `default ${field}` };
  };
  const secret = (name: string, what: string): void => {
    if (entries[`secret ${name}`] || config.entries[`secret ${name}`]) return;
    const value = config.env[name];
    const set = value !== undefined && value !== '';
    const fromFile = set && (processEnv[name] === undefined || processEnv[name] === '');
    entries[`secret ${name}`] = {
      value: set ? '***' : '(not set)',
      source: set ? (fromFile ? 'env-file' : 'env') : 'default',
      origin: set ? (fromFile ? `${ENV_FILE} ${name}` : name) : `unset (${what})`,
      secret: true,
    };
  };

  setting('notify.email.transport', notify.email.transport, 'email.transport');
  setting('notify.email.from', notify.email.from, 'email.from');
  if (notify.email.smtp) {
    setting('notify.email.smtp', `${notify.email.smtp.host}:${notify.email.smtp.port}`, 'email.smtp');
    // Credentials only matter when mail goes out over SMTP.
    if (notify.email.transport === 'smtp') for (const name of [notify.email.smtp.userEnv, notify.email.smtp.passEnv]) if (name) secret(name, 'SMTP login');
  }
  setting('notify.escalation.channels', notify.escalation.channels.map((c) => `${c.type}:${c.name}`).join(', ') || '(none)', 'escalation.channels');
  const r = notify.escalation.retry;
  setting('notify.escalation.retry', `${r.attempts} attempts, backoff ${r.backoffMs.join('/')} ms, timeout ${r.timeoutMs} ms`, 'escalation.retry');
  for (const c of notify.escalation.channels) secret(c.urlEnv, `escalation ${c.type} ${c.name} URL`);

  const connectors = await loadConnectors(config.root);
  for (const c of connectors) {
    if (c.mode !== 'live') continue;
    if (c.auth?.type === 'challenge') secret(c.auth.credentialEnv, `connector ${c.name} credential (${CONNECTORS_FILE})`);
    else if (c.auth?.type === 'bearer') secret(connectorTokenEnv(c.name), `connector ${c.name} token`);
  }
  for (const name of OPTIONAL_SECRETS) secret(name, 'optional: pcq grant');
  return entries;
}
