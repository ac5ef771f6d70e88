// Readiness (seed 002 "/readyz"; `pcq doctor`): everything a run needs, checked without running
// one. Each check is a plain function returning {ok, code, message}; the command and the Action
// print them and exit 0 only when every check passes. Nothing under attestations/ is written (in
// dev the local runner key is created on first use, as `pcq run` would).
import { prepareTimeStampAuthority, probeTimeStampAuthority } from './time-anchor.ts';
import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toIssues, type PcqCode } from '../base/errors.ts';
import type { PcqConfig } from './config.ts';
import { loadRunnerSigner } from './keys.ts';
import { loadTrust } from './trust-store.ts';
import { authorizeRunner } from '../proof/authorization.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { decodeStrKey } from '../proof/strkey.ts';
import { loadPolicySet } from './policy-set.ts';
import { loadConnectors, resolveHeaders } from './connectors.ts';
import { loadNotifyConfig, type NotifyConfig } from './notify-config.ts';
import { registerSecret } from '../base/secrets.ts';
import { policyDigest } from './policy-digest.ts';
import { policyPinIssues } from './policy-pin.ts';
import { openGraphStore } from '../graph/open-graph-store.ts';
import { connectorTokenEnv } from './connector-auth/bearer.ts';
import type { Signer } from '../base/signer.ts';

export interface DoctorCheck {
  check: string;
  ok: boolean;
  message: string;
  code?: PcqCode;
  hint?: string;
}

export interface DoctorReport {
  ready: boolean;
  mode: string;
  policyDigest?: string;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  now?: () => Date;
  /** How long a notifier may take to accept a TCP connection. */
  connectTimeoutMs?: number;
}

/** A check that failed with whatever was thrown: its code, message and hint (never a secret: errors carry none). */
function failed(check: string, err: unknown): DoctorCheck[] {
  return toIssues(err).map((i) => ({ check, ok: false, code: i.code, message: i.message, ...(i.hint ? { hint: i.hint } : {}) }));
}

export async function runDoctor(config: PcqConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const now = options.now ?? (() => new Date());
  const checks: DoctorCheck[] = [
    {
      check: 'config',
      ok: true,
      message: `mode ${config.mode}, signer ${config.signer.kind}${config.configFile ? `, ${config.configFile}` : ''}${config.envFile ? ` + ${config.envFile}` : ''}`,
    },
  ];
  let digest: string | undefined;
  const step = async (check: string, fn: () => Promise<DoctorCheck[] | string>): Promise<void> => {
    try {
      const out = await fn();
      checks.push(...(typeof out === 'string' ? [{ check, ok: true, message: out }] : out));
    } catch (err) {
      checks.push(...failed(check, err));
    }
  };
  let signer: Signer | undefined;
  await step('runner key', async () => {
    signer = (await loadRunnerSigner({ env: config.env, root: config.root, mode: config.mode, signer: config.signer, now })).signer;
    const { trust } = await loadTrust({ root: config.root, includeLocal: config.mode === 'dev' });
    const at = now();
    const result = authorizeRunner(trust, {
      keyid: signer.keyid,
      asOf: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      mode: config.mode,
      purpose: 'start',
      now: at.getTime(),
    });
    if (!result.ok) return [{ check: 'runner key', ok: false, code: result.code, message: `${signer.keyid}: ${result.message}`, hint: result.hint }];
    return `${signer.keyid} authorized as ${result.authorization.keyName} (${result.authorization.source})`;
  });
  await step('signer', async () => {
    if (!signer) return [{ check: 'signer', ok: false, code: 'PCQ_SIGNER_INVALID', message: 'no signer to probe (see the runner key check)' }];
    const probe = new Uint8Array(randomBytes(32));
    const ok = await nodeVerify(decodeStrKey('public', signer.keyid), probe, await signer.sign(probe));
    return ok
      ? `${config.signer.kind} signer signed a probe that verifies`
      : [
          {
            check: 'signer',
            ok: false,
            code: 'PCQ_SIGNER_INVALID',
            message: `the ${config.signer.kind} signer's probe signature does not verify under ${signer.keyid}`,
          },
        ];
  });
  await step('policies', async () => {
    await loadPolicySet(join(config.root, 'policies'));
    const d = await policyDigest(config.root);
    digest = d.digest;
    const pin = policyPinIssues(config.policyHash, d.digest);
    if (pin.length > 0) return pin.map((i) => ({ check: 'policy pin', ok: false, code: i.code, message: i.message, ...(i.hint ? { hint: i.hint } : {}) }));
    return `${d.files.length} files parse; digest ${d.digest}${config.policyHash ? ' (matches PCQ_POLICY_HASH)' : ''}`;
  });
  await step('graph store', async () => {
    const graph = await openGraphStore(config.graph, config.env);
    await graph.close();
    return `${graph.backend} opens`;
  });
  await step('connectors', async () => connectorChecks(config));
  await step('notifier', async () => notifierChecks(await loadNotifyConfig(config.root), config, options.connectTimeoutMs ?? 5000));
  // Only with a TSA configured (timeAnchor.tsaUrl): its trust loads and it stamps a probe that checks.
  if (config.timeAnchor.tsaUrl !== undefined)
    await step('time anchor', async () => {
      const tsa = (await prepareTimeStampAuthority(config.timeAnchor))!;
      await probeTimeStampAuthority(tsa, 'pcq doctor');
      return `${tsa.url} stamped a probe whose token chains to timeAnchor.trust${config.timeAnchor.required ? ' (required)' : ''}`;
    });
  await step('clock', async () => clockCheck(now()));
  return { ready: checks.every((c) => c.ok), mode: config.mode, ...(digest ? { policyDigest: digest } : {}), checks };
}

/** Every live connector's secrets: `${env:X}` in its headers and CONNECTOR_<NAME>_TOKEN for bearer auth. */
async function connectorChecks(config: PcqConfig): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const c of await loadConnectors(config.root)) {
    try {
      resolveHeaders(c, config.env);
      if (c.auth?.type === 'bearer') {
        const name = connectorTokenEnv(c.name);
        if (!config.env[name])
          throw Object.assign(new Error(), {
            issues: [
              {
                code: 'PCQ_SECRET_MISSING',
                message: `connector ${c.name} needs the bearer token ${name}, which is not set`,
                hint: `Set ${name} from your secret store.`,
              },
            ],
          });
      }
      if (c.auth?.type === 'challenge' && !config.env[c.auth.credentialEnv]) {
        throw Object.assign(new Error(), {
          issues: [
            {
              code: 'PCQ_SECRET_MISSING',
              message: `connector ${c.name} needs its credential ${c.auth.credentialEnv}, which is not set`,
              hint: `Set ${c.auth.credentialEnv} from your secret store.`,
            },
          ],
        });
      }
      out.push({ check: `connector ${c.name}`, ok: true, message: `${c.mode}${c.auth ? `, ${c.auth.type} auth` : ''}: secrets present` });
    } catch (err) {
      const issues = (err as { issues?: DoctorCheck[] }).issues;
      out.push(...(issues ? issues.map((i) => ({ ...i, check: `connector ${c.name}`, ok: false })) : failed(`connector ${c.name}`, err)));
    }
  }
  return out;
}

/** SMTP and live webhooks must accept a TCP connection (nothing is sent); outbox needs nothing. */
async function notifierChecks(notify: NotifyConfig, config: PcqConfig, timeoutMs: number): Promise<DoctorCheck[]> {
  const targets: Array<{ what: string; host: string; port: number }> = [];
  if (notify.email.transport === 'smtp' && notify.email.smtp) {
    targets.push({ what: 'SMTP server', host: notify.email.smtp.host, port: notify.email.smtp.port });
    for (const name of [notify.email.smtp.userEnv, notify.email.smtp.passEnv]) {
      if (name !== undefined && !config.env[name])
        return [
          {
            check: 'notifier',
            ok: false,
            code: 'PCQ_SECRET_MISSING',
            message: `SMTP needs ${name}, which is not set`,
            hint: `Set ${name} from your secret store.`,
          },
        ];
    }
  }
  for (const [name, hook] of Object.entries(notify.webhooks)) {
    if (hook.transport !== 'live') continue;
    const url = new URL(hook.url);
    targets.push({ what: `webhook ${name}`, host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) });
  }
  const out: DoctorCheck[] = [];
  // Escalation channels (Slack, webhooks): the URL is a secret, so only the channel and host are named.
  for (const channel of notify.escalation.channels) {
    const raw = config.env[channel.urlEnv];
    if (!raw) {
      out.push({
        check: 'notifier',
        ok: false,
        code: 'PCQ_SECRET_MISSING',
        message: `escalation channel ${channel.name} needs ${channel.urlEnv}, which is not set`,
        hint: `Set ${channel.urlEnv} from your secret store, or remove the channel from policies/notify.yaml.`,
      });
      continue;
    }
    registerSecret(raw, `env ${channel.urlEnv}`);
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || !/^https?:$/.test(url.protocol)) {
      out.push({
        check: 'notifier',
        ok: false,
        code: 'PCQ_NOTIFY_CONFIG',
        message: `${channel.urlEnv} (escalation channel ${channel.name}) is not an http(s) URL`,
      });
      continue;
    }
    targets.push({ what: `${channel.type} ${channel.name}`, host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) });
  }
  if (targets.length === 0 && out.length === 0) return [{ check: 'notifier', ok: true, message: 'outbox only (nothing to reach)' }];
  for (const t of targets) {
    const error = await tcpProbe(t.host, t.port, timeoutMs);
    out.push(
      error === undefined
        ? { check: 'notifier', ok: true, message: `${t.what} ${t.host}:${t.port} accepts connections` }
        : {
            check: 'notifier',
            ok: false,
            code: 'PCQ_NOTIFY_UNAVAILABLE',
            message: `${t.what} ${t.host}:${t.port} is unreachable (${error})`,
            hint: 'Start the server or fix policies/notify.yaml; notifications would not be delivered.',
          },
    );
  }
  return out;
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer in ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Sane: after pcq's release floor, before 2100, and agreeing with the filesystem's clock within 5 minutes. */
async function clockCheck(now: Date): Promise<DoctorCheck[] | string> {
  const t = now.getTime();
  const bad = (message: string): DoctorCheck[] => [
    { check: 'clock', ok: false, code: 'PCQ_NOT_READY', message, hint: 'Set the system clock (NTP); asOf and trust windows depend on it.' },
  ];
  if (!(t > Date.UTC(2025, 0, 1)) || t > Date.UTC(2100, 0, 1)) return bad(`the system clock reads ${now.toISOString()}, outside 2025–2100`);
  const dir = await mkdtemp(join(tmpdir(), 'pcq-clock-'));
  try {
    await writeFile(join(dir, 'probe'), '');
    const skew = Math.abs((await stat(join(dir, 'probe'))).mtimeMs - Date.now());
    if (skew > 5 * 60_000) return bad(`the filesystem clock and the process clock differ by ${Math.round(skew / 1000)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return `${now.toISOString()} (agrees with the filesystem clock)`;
}
