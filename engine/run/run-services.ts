// The edge of a run: everything that touches the outside world is opened here from configuration
// and handed to executeRun as ports. A replay opens the same ports in replay mode: external calls
// answer from the recording and notifications are compared, never sent (docs/design.md §5).
import { join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { systemClock } from '../runtime/clock.ts';
import { createCelSandbox } from '../runtime/cel-sandbox.ts';
import { loadConnectors, registerConnectorSecrets } from '../runtime/connectors.ts';
import { registerSecret } from '../base/secrets.ts';
import { createHttpPort } from '../runtime/http-port.ts';
import type { TokenEvent } from '../runtime/connector-auth/token-manager.ts';
import { loadNotifyConfig } from '../runtime/notify-config.ts';
import { createNotifier } from '../runtime/notifier.ts';
import { loadPolicySet } from '../runtime/policy-set.ts';
import { loadRunnerSigner } from '../runtime/keys.ts';
import { openGraphStore } from '../graph/open-graph-store.ts';
import { loadDataset } from '../graph/load-dataset.ts';
import { readDataset } from '../graph/read-dataset.ts';
import type { GraphStore } from '../base/graph-store.ts';
import { stepKinds } from '../steps/registry.ts';
import { runProver } from '../provers/registry.ts';
import type { Runbook } from '../model/runbook.ts';
import type { Effect, Recording } from '../base/step-ports.ts';
import type { Signer } from '../base/signer.ts';
import type { ManifestDataset } from '../base/signed-records.ts';
import type { RunPorts } from './execute-run.ts';
import { PcqError } from '../base/errors.ts';
import { dirname, relative, resolve, sep } from 'node:path';

export interface ServiceOptions {
  config: PcqConfig;
  runbook: Runbook;
  params: Record<string, unknown>;
  asOf: string;
  env: Record<string, string | undefined>;
  mode: 'live' | 'replay';
  replay?: { recordings: Recording[]; effects: Effect[] };
  /** Replays write notifications into their own sandbox outbox, never the real one. */
  outboxDir?: string;
  signer?: Signer;
  /** Connector token events (authenticated, refreshed, revoked…): the run's event stream. */
  onTokenEvent?: (event: TokenEvent) => void;
  /**
   * `none`: the caller runs no step that touches the graph (a distributed job outside the graph job,
   * or the seal job, plan/jobs.ts): the dataset is read and digested for the manifest but no database
   * opens, and a graph call fails loudly instead of reading an empty graph. Default `open`.
   */
  graph?: 'open' | 'none';
  /**
   * Resuming a paused run (run/resume-run.ts): the paused run's signed recordings and effects. The
   * steps before the pause answer from them (ports.recorded), as a replay does, so a service that
   * changed since the pause can neither break nor alter the resumed run; later steps call live.
   */
  recordedPrefix?: { recordings: Recording[]; effects: Effect[] };
}

export interface RunServices {
  ports: RunPorts;
  signerOrigin: string;
  /** The dataset files loaded into the graph, repository-relative, with the digests of the bytes loaded. */
  datasets: ManifestDataset[];
  close(): Promise<void>;
}

export async function openRunServices(opts: ServiceOptions): Promise<RunServices> {
  const { config, runbook } = opts;
  const signer = opts.signer
    ? { signer: opts.signer, origin: 'given' }
    : await loadRunnerSigner({ env: opts.env, root: config.root, mode: config.mode, signer: config.signer });
  const policies = await loadPolicySet(join(config.root, 'policies'));
  const connectors = await loadConnectors(config.root);
  const notifyConfig = await loadNotifyConfig(config.root);
  // Every credential this run could send is registered before any step runs (issue 10).
  registerConnectorSecrets(connectors, opts.env);
  const smtp = notifyConfig.email.smtp;
  if (smtp?.passEnv !== undefined) registerSecret(opts.env[smtp.passEnv], `env ${smtp.passEnv} (SMTP password)`);
  const graph = opts.graph === 'none' ? noGraph() : await openGraphStore(config.graph, opts.env, { memoryLimitBytes: config.memoryLimitBytes });
  const datasets: ManifestDataset[] = [];
  try {
    if (runbook.dataset !== undefined) {
      const datasetDir = resolve(dirname(resolve(config.root, runbook.source.file)), 'data', runbook.dataset);
      const load = opts.graph === 'none' ? readDataset(datasetDir) : loadDataset(graph, datasetDir);
      const loaded = await load.catch((err: unknown) => {
        if ((err as { code?: string }).code === 'PCQ_DATASET_NOT_FOUND') {
          throw new PcqError({
            code: 'PCQ_DATASET_NOT_FOUND',
            message: `runbook ${runbook.runbookId} names dataset "${runbook.dataset}", but ${datasetDir} has no dataset.yaml`,
            hint: 'Datasets live in runbooks/data/<name>/ beside the runbook file.',
            ...(runbook.location ? { location: runbook.location } : {}),
          });
        }
        throw err;
      });
      for (const f of loaded.files) {
        const path = repoPath(config.root, resolve(datasetDir, f.name));
        if (path.startsWith('../') || path === '..') {
          throw new PcqError({
            code: 'PCQ_DATASET_INVALID',
            message: `dataset file ${resolve(datasetDir, f.name)} lies outside the repository root ${config.root}`,
            hint: "A run binds its data by repository-relative path (the manifest's `datasets`); run runbooks from inside the repository.",
          });
        }
        datasets.push({ path, digest: f.digest });
      }
    }
  } catch (err) {
    await graph.close();
    throw err;
  }
  const http = createHttpPort({
    mode: opts.mode,
    connectors,
    rootDir: config.root,
    params: opts.params,
    env: opts.env,
    signer: signer.signer,
    ...(opts.replay ? { recordings: opts.replay.recordings } : {}),
    ...(opts.onTokenEvent ? { onTokenEvent: opts.onTokenEvent } : {}),
  });
  const notifier = createNotifier(notifyConfig, {
    mode: opts.mode,
    asOf: opts.asOf,
    outboxDir: opts.outboxDir ?? config.outboxDir,
    env: opts.env,
    ...(opts.replay ? { recordedEffects: opts.replay.effects } : {}),
  });
  const recorded = opts.recordedPrefix
    ? {
        http: createHttpPort({
          mode: 'replay',
          connectors,
          rootDir: config.root,
          params: opts.params,
          env: opts.env,
          recordings: opts.recordedPrefix.recordings,
        }),
        notifier: createNotifier(notifyConfig, { mode: 'replay', asOf: opts.asOf, env: opts.env, recordedEffects: opts.recordedPrefix.effects }),
      }
    : undefined;
  // A run's CEL evaluates in a worker thread that a step's deadline or the memory ceiling can stop.
  const cel = createCelSandbox({ memoryLimitBytes: config.memoryLimitBytes });
  return {
    ports: { clock: systemClock, signer: signer.signer, graph, cel, http, notifier, policies, stepKinds, runProver, ...(recorded ? { recorded } : {}) },
    signerOrigin: signer.origin,
    datasets,
    close: async () => {
      await cel.close();
      await graph.close();
    },
  };
}

/** The graph port of a process that runs no graph step: any call is a bug in the job partition. */
function noGraph(): GraphStore {
  const refuse = (): never => {
    throw new PcqError({
      code: 'PCQ_INTERNAL',
      message: 'a step touched the graph in a distributed job that holds no graph (plan/jobs.ts touchesGraph missed it)',
      hint: 'Run the runbook with `pcq run` and report the runbook to the pcq maintainers.',
    });
  };
  return { backend: 'none', query: async () => refuse(), executeMany: async () => refuse(), close: async () => undefined };
}

/** A repository-relative path with forward slashes, as the manifest's `datasets` spells it. */
export function repoPath(root: string, file: string): string {
  return relative(resolve(root), file).split(sep).join('/');
}
