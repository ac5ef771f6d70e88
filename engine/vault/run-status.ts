// What `pcq status`, the site's grants page and the Action's status report show (the runner
// playbook's GET /summary): queue depth (runs open on the vault, holding their reservation), recent
// runs with their vault state, the grants' spend, and health. Read-only: nothing is written.
import { join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import type { VaultRunState } from '../base/prepaid-vault.ts';
import type { RunStatus } from '../base/run-record.ts';
import { readPauseSwitch } from '../runtime/pause-switch.ts';
import { readIndex } from '../store/execution-index.ts';
import { readRunRecord } from '../store/read-records.ts';
import { listGrants, type GrantListing } from './grant-actions.ts';
import { EmbeddedLedger, LEDGER_FILE } from './embedded-ledger.ts';
import { listRunners } from './agent-registry.ts';
import { SorobanVault } from './soroban-vault.ts';

export interface OpenRun {
  runId: string;
  runner: string;
  grantId: string;
  runbookId?: string;
  reserved: number;
  openedAtLedger: number;
}

export interface RecentRun {
  executionId: string;
  runbookId: string;
  status: RunStatus;
  /** The vault run's final state (run.json); absent for runs sealed before the vault. */
  vaultState?: VaultRunState;
  usage?: number;
  startedAt: string;
  retryOf?: string;
}

export interface RunnerStatus {
  /** schemas/cli/status.schema.json */
  schemaVersion: 1;
  backend: 'embedded' | 'soroban';
  queue: {
    depth: number; // open + pending
    open: OpenRun[];
    /** Workflow dispatches queued or in progress (the Action, through the GitHub port); null in the CLI. */
    pending: number | null;
  };
  recent: RecentRun[];
  grants: GrantListing[];
  runners: Array<{ publicKey: string; name: string; status: string }>;
  health: { ok: boolean; paused: boolean; pauseReason?: string; vault: { ok: boolean; detail: string } };
}

/** What the status reads of the configuration (the site passes its repository's, embedded ledger). */
export type StatusConfig = Pick<PcqConfig, 'root' | 'attestationsDir' | 'mode' | 'vault'>;

export async function collectStatus(config: StatusConfig, opts: { recent: number; now: Date; pending?: number | null }): Promise<RunnerStatus> {
  const pause = await readPauseSwitch(config.root).catch((err: Error) => ({ paused: true, reason: `policies/pause.yaml unreadable: ${err.message}` }));
  const vault = await openRuns(config);
  const ledger = config.vault.backend === 'embedded' ? new EmbeddedLedger({ root: config.root, isRegisteredRunner: () => false }) : undefined;
  const grants = await listGrants({
    root: config.root,
    includeLocal: config.mode === 'dev',
    now: opts.now,
    ...(ledger ? { ledger: (id: string) => ledger.grantState(id).catch(() => undefined) } : {}),
  }).catch(() => []);
  const pending = opts.pending ?? null;
  return {
    schemaVersion: 1,
    backend: config.vault.backend,
    queue: { depth: vault.open.length + (pending ?? 0), open: vault.open, pending },
    recent: await recentRuns(config.attestationsDir, opts.recent),
    grants,
    runners: (await listRunners(config.root).catch(() => [])).map((r) => ({ publicKey: r.publicKey, name: r.name, status: r.status })),
    health: {
      ok: !pause.paused && vault.ok,
      paused: pause.paused,
      ...(pause.reason ? { pauseReason: pause.reason } : {}),
      vault: { ok: vault.ok, detail: vault.detail },
    },
  };
}

async function openRuns(config: StatusConfig): Promise<{ ok: boolean; detail: string; open: OpenRun[] }> {
  try {
    if (config.vault.backend === 'soroban') {
      const v = new SorobanVault({
        rpcUrl: config.vault.rpcUrl,
        networkPassphrase: config.vault.networkPassphrase,
        contractId: config.vault.contractId!,
        source: { keyid: '', sign: () => Promise.reject(new Error('status signs nothing')) },
      });
      const open = await v.openRuns();
      return { ok: true, detail: `Soroban RPC ${config.vault.rpcUrl} healthy; contract ${config.vault.contractId}`, open };
    }
    const ledger = new EmbeddedLedger({ root: config.root, isRegisteredRunner: () => false });
    const open = (await ledger.runs())
      .filter((r) => r.state === 'open')
      .map((r) => ({ runId: r.runId, runner: r.runner, grantId: r.grantId, runbookId: r.runbookId, reserved: r.reserved, openedAtLedger: r.openedAtLedger }));
    return { ok: true, detail: `embedded ledger ${LEDGER_FILE} readable`, open };
  } catch (err) {
    return { ok: false, detail: (err as Error).message, open: [] };
  }
}

async function recentRuns(attestationsDir: string, n: number): Promise<RecentRun[]> {
  const index = await readIndex(attestationsDir).catch(() => ({ executions: [] }));
  const latest = [...index.executions].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0)).slice(0, n);
  const out: RecentRun[] = [];
  for (const e of latest) {
    const record = await readRunRecord(join(attestationsDir, e.path, 'run.json')).catch(() => undefined);
    out.push({
      executionId: e.executionId,
      runbookId: e.runbookId,
      status: e.status,
      startedAt: e.startedAt,
      ...(record?.vault ? { vaultState: record.vault.state, usage: record.vault.usage } : {}),
      ...(record?.retryOf ? { retryOf: record.retryOf } : {}),
    });
  }
  return out;
}

export function formatStatus(s: RunnerStatus): string {
  const lines: string[] = [];
  lines.push(
    `queue depth ${s.queue.depth}: ${s.queue.open.length} open on the ${s.backend} vault${s.queue.pending === null ? '' : `, ${s.queue.pending} pending dispatch(es)`}`,
  );
  for (const r of s.queue.open)
    lines.push(`  open  ${r.runId}  runner ${r.runner}  grant ${r.grantId}  reserved ${r.reserved}  since ledger ${r.openedAtLedger}`);
  lines.push(`recent runs (${s.recent.length}):`);
  for (const r of s.recent)
    lines.push(
      `  ${r.executionId}  ${r.runbookId}  ${r.status.padEnd(9)}  vault ${r.vaultState ?? '—'}${r.usage !== undefined ? ` (cost ${r.usage})` : ''}${r.retryOf ? `  retry of ${r.retryOf}` : ''}`,
    );
  lines.push(`grants (${s.grants.length}):`);
  for (const g of s.grants)
    lines.push(`  ${g.grantId}  ${g.status.padEnd(7)}  runner ${g.runner}  spent ${g.spent ?? '—'}/${g.budget}  reserved ${g.reserved ?? '—'}`);
  lines.push(`runners: ${s.runners.filter((r) => r.status === 'active').length} active in the agent registry`);
  lines.push(
    `health: ${s.health.ok ? 'ok' : 'NOT OK'} · ${s.health.paused ? `PAUSED (${s.health.pauseReason ?? 'policies/pause.yaml'})` : 'runs not paused'} · vault ${s.health.vault.ok ? 'ok' : 'unavailable'}: ${s.health.vault.detail}`,
  );
  return lines.join('\n') + '\n';
}
