// Test helpers for step kinds (never shipped): build a Step/Runbook/StepContext by hand, an
// in-memory ArtifactSink that keeps the bytes, and a tiny GraphStore that answers from a table of
// Cypher text → rows while logging every query it is asked.
import { digestOf } from '../proof/digest.ts';
import { DEFAULT_RETRY, type Runbook, type Step } from '../model/runbook.ts';
import type { GraphStore, Row } from '../base/graph-store.ts';
import type { ArtifactRef, ArtifactSink, HttpPort, Notifier, StepPorts } from '../base/step-ports.ts';
import type { StepContext } from '../steps/step-kind.ts';
import { createCelEngine } from '../runtime/cel.ts';

export function testStep(stepId: string, type: string, config: Record<string, unknown>, needs: string[] = []): Step {
  return {
    stepId,
    type,
    needs,
    needsExplicit: true,
    preconditions: [],
    postconditions: [],
    retry: DEFAULT_RETRY,
    timeoutMs: 60_000,
    private: false,
    config,
    location: { file: 'runbooks/test.yaml', line: 10, col: 5 },
    fieldLocations: Object.fromEntries(Object.keys(config).map((k, i) => [k, { file: 'runbooks/test.yaml', line: 11 + i, col: 7 }])),
  };
}

export function testRunbook(steps: Step[]): Runbook {
  return {
    runbookId: 'T1',
    name: 'test',
    version: '1.0',
    inputs: {},
    steps,
    provers: {},
    source: { file: 'runbooks/test.yaml', digest: 'sha256:' + '0'.repeat(64) },
  };
}

export class MemoryArtifactSink implements ArtifactSink {
  readonly files = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  async write(name: string, bytes: Uint8Array, mediaType: string): Promise<ArtifactRef> {
    this.files.set(name, { bytes, mediaType });
    return { name, mediaType, digest: digestOf(bytes), size: bytes.length };
  }
  async read(name: string): Promise<Uint8Array | undefined> {
    return this.files.get(name)?.bytes;
  }
}

export class TableGraphStore implements GraphStore {
  readonly backend = 'table';
  readonly asked: Array<{ cypher: string; params: Record<string, unknown> | undefined }> = [];
  private readonly answers: Record<string, Row[]>;
  constructor(answers: Record<string, Row[]>) {
    this.answers = answers;
  }
  async query(cypher: string, params?: Record<string, unknown>): Promise<Row[]> {
    this.asked.push({ cypher, params });
    const rows = this.answers[cypher];
    if (!rows) throw new Error(`TableGraphStore has no answer for ${cypher}`);
    return rows;
  }
  async close(): Promise<void> {}
}

const unusedHttp: HttpPort = {
  call: async () => {
    throw new Error('this test gave the step no HTTP port');
  },
};
const unusedNotifier: Notifier = {
  send: async () => {
    throw new Error('this test gave the step no notifier');
  },
};

export function testContext(
  step: Step,
  options: {
    runbook?: Runbook;
    upstream?: Record<string, unknown>;
    steps?: Record<string, unknown>;
    params?: Record<string, unknown>;
    asOf?: string;
    ports?: Partial<StepPorts>;
    signal?: AbortSignal;
  } = {},
): StepContext {
  const upstream = options.upstream ?? {};
  return {
    runbook: options.runbook ?? testRunbook([step]),
    step,
    params: options.params ?? {},
    upstream,
    steps: options.steps ?? { ...upstream },
    asOf: options.asOf ?? '2026-01-05T00:00:00Z',
    random: () => 0.5,
    signal: options.signal ?? new AbortController().signal,
    attempt: 1,
    ports: {
      graph: new TableGraphStore({}),
      cel: createCelEngine(),
      http: unusedHttp,
      notifier: unusedNotifier,
      artifacts: new MemoryArtifactSink(),
      ...options.ports,
    },
  };
}
