// Picks the graph backend from configuration: the embedded kuzu database by default, Neo4j when
// configured `{backend: 'neo4j', uri, user, passwordEnv}`. The password is named by an
// environment variable, never written in a file. Adapters load lazily so that commands which
// never touch the graph do not pay for the native module.
import { PcqError } from '../base/errors.ts';
import type { GraphStore } from '../base/graph-store.ts';

export type GraphConfig =
  { backend?: 'kuzu' } | { backend: 'neo4j'; uri: string; user: string; passwordEnv: string; database?: string; connectionTimeoutMs?: number };

/** The run's limits the embedded store enforces (kuzu-process-store.ts). */
export interface GraphLimits {
  memoryLimitBytes: number;
}

export async function openGraphStore(
  config: GraphConfig = {},
  env: Record<string, string | undefined> = process.env,
  limits?: GraphLimits,
): Promise<GraphStore> {
  const backend = config.backend ?? 'kuzu';
  if (backend === 'kuzu') {
    // A run's database lives in a child process so that time and memory limits can stop it;
    // without limits (library callers, tests) it stays in this process.
    if (limits) {
      const { openKuzuProcessStore } = await import('./kuzu-process-store.ts');
      return openKuzuProcessStore(limits);
    }
    const { openKuzuStore } = await import('./kuzu-store.ts');
    return openKuzuStore();
  }
  if (backend === 'neo4j') {
    const neo = config as Extract<GraphConfig, { backend: 'neo4j' }>;
    for (const field of ['uri', 'user', 'passwordEnv'] as const) {
      if (typeof neo[field] !== 'string' || neo[field] === '') {
        throw new PcqError({
          code: 'PCQ_CONFIG_INVALID',
          message: `graph backend neo4j needs \`${field}\``,
          hint: 'Configure graph: {backend: neo4j, uri: neo4j://host:7687, user: neo4j, passwordEnv: NEO4J_PASSWORD}.',
        });
      }
    }
    const password = env[neo.passwordEnv];
    if (password === undefined || password === '') {
      throw new PcqError({
        code: 'PCQ_SECRET_MISSING',
        message: `the Neo4j password variable ${neo.passwordEnv} is not set`,
        hint: `Export ${neo.passwordEnv} (or set it as a repository secret) before running.`,
      });
    }
    const { openNeo4jStore } = await import('./neo4j-store.ts');
    const options: Parameters<typeof openNeo4jStore>[0] = { uri: neo.uri, user: neo.user, password };
    if (neo.database !== undefined) options.database = neo.database;
    if (neo.connectionTimeoutMs !== undefined) options.connectionTimeoutMs = neo.connectionTimeoutMs;
    return openNeo4jStore(options);
  }
  throw new PcqError({
    code: 'PCQ_CONFIG_INVALID',
    message: `unknown graph backend "${String(backend)}"`,
    hint: 'Use backend: kuzu (the embedded default) or backend: neo4j.',
  });
}
