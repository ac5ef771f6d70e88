// Builds a realistic repository tree for the site's tests and benchmark: runbooks, trust store,
// buttons, and attestations/ with runs that pass, block, get approved and get rejected, a replay
// and a review ticket, all signed and sealed by the real proof layer (engine/proof). Side files
// have the shapes `pcq run` writes (run.json = run/persist-run.ts RunRecordFile, the ticket via
// review/ticket.ts, the .intoto.jsonl export and keys.json); site.e2e.test.ts covers real runs. Keys derive
// from fixed labels so a tree is reproducible; they are test keys and never leave the temp dir.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { attestStep } from '../proof/attest.ts';
import type { StepRecord } from '../base/signed-records.ts';
import { nodeSigner, publicKeyFromSeed } from '../proof/ed25519-node.ts';
import { sealedManifestDigest, serializeManifest } from '../proof/manifest.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { Manifest } from '../base/signed-records.ts';
import { appendReview, buildReviewEnvelope } from '../proof/review-attestation.ts';
import type { ReviewDecision } from '../base/signed-records.ts';
import { sealManifest } from '../proof/seal.ts';
import type { Signer } from '../base/signer.ts';
import { authorizationRecord } from '../proof/authorization.ts';
import { encodeStrKey } from '../proof/strkey.ts';
import { toBase64 } from '../proof/bytes.ts';
import { openTicket, ticketToString } from '../review/ticket.ts';
import type { Decision } from '../review/decision.ts';
import type { RunRecordFile } from '../base/run-record.ts';

export interface FixtureKey {
  signer: Signer;
  publicKey: string; // G…
}

export function fixtureKey(label: string): FixtureKey {
  const seed = new Uint8Array(createHash('sha256').update(`pcq-site-fixture:${label}`).digest());
  const signer = nodeSigner(seed);
  return { signer, publicKey: encodeStrKey('public', publicKeyFromSeed(seed)) };
}

const R1_YAML = `runbookId: R1
name: Entity Enrichment
version: "1.0"
description: Find entities with missing fields, enrich them from an external API, write them back, and prove completeness.
inputs:
  asOf: { type: date, description: The run's clock, required: true }
  source: { type: string, default: good, enum: [good, sparse], description: Which enrichment source answers }
steps:
  - stepId: query-entities
    type: query
    description: Find entities with missing fields
    cypher: "MATCH (e:Entity) WHERE e.email IS NULL RETURN e.id AS id, e.name AS name ORDER BY id"
    preconditions: ["authority:read_entities"]
  - stepId: fetch-external-data
    type: external_api
    description: Fetch data from external API
    endpoint: https://api.example.com/enrich
    method: POST
    preconditions: ["license:api_access"]
  - stepId: update-entities
    type: mutation
    description: Update entities in the graph
    cypher: "MATCH (e:Entity {id: $id}) SET e.email = $email"
    preconditions: ["authority:write_entities"]
  - stepId: assert-completeness
    type: assertion
    description: All entities now have required fields
    postconditions: ["kpi:completeness>=0.95"]
provers:
  preconditions:
    "authority:read_entities": { type: opa, policy: intelgraph.allow, input: { action: read, resource: entity } }
    "authority:write_entities": { type: opa, policy: intelgraph.allow, input: { action: write, resource: entity } }
    "license:api_access": { type: license_registry, check: api.example.com allows enrichment }
  postconditions:
    "kpi:completeness>=0.95":
      type: metric
      query: "MATCH (e:Entity) RETURN count(e) AS total, count(e.email) AS complete"
      assertion: complete / total >= 0.95
`;

const R2_YAML = `runbookId: R2
name: Relationship Inference
version: "1.2"
steps:
  - { stepId: load-edges, type: query, cypher: "MATCH (a)-[r]->(b) RETURN a.id AS a, b.id AS b ORDER BY a, b", needs: [] }
  - { stepId: load-people, type: query, cypher: "MATCH (p:Person) RETURN p.id AS id ORDER BY id", needs: [] }
  - { stepId: score-pairs, type: transform, needs: [load-edges, load-people], map: { score: "1.0" } }
  - { stepId: summarise, type: aggregate, metrics: { pairs: { op: count } } }
`;

type Outcome = 'pass' | 'blocked' | 'approved' | 'rejected';

const R1_STEPS: Array<{ stepId: string; type: string; needs: string[]; pre?: string; post?: string }> = [
  { stepId: 'query-entities', type: 'query', needs: [], pre: 'authority:read_entities' },
  { stepId: 'fetch-external-data', type: 'external_api', needs: ['query-entities'], pre: 'license:api_access' },
  { stepId: 'update-entities', type: 'mutation', needs: ['fetch-external-data'], pre: 'authority:write_entities' },
  { stepId: 'assert-completeness', type: 'assertion', needs: ['update-entities'], post: 'kpi:completeness>=0.95' },
];

export interface FixtureRun {
  runbookId: string;
  executionId: string;
  outcome: Outcome;
  dir: string;
  manifest: Manifest;
}

export interface FixtureTree {
  root: string;
  runs: FixtureRun[];
  runner: FixtureKey;
}

export interface FixtureOptions {
  /** Extra generated passing runs of a wide runbook (benchmark load). */
  extraRuns?: number;
  /** Steps per generated run (a chain with a fan-in every 4 steps). */
  extraSteps?: number;
}

const DIGEST_R1 = 'sha256:' + createHash('sha256').update(R1_YAML).digest('hex');

export async function writeFixtureTree(root: string, options: FixtureOptions = {}): Promise<FixtureTree> {
  const runner = fixtureKey('runner');
  const reviewer = fixtureKey('reviewer');
  const verdictKey = fixtureKey('verdict');
  const devKey = fixtureKey('local-dev');
  await mkdir(join(root, 'runbooks'), { recursive: true });
  await mkdir(join(root, 'policies'), { recursive: true });
  await mkdir(join(root, '.pcq'), { recursive: true });
  await writeFile(join(root, 'runbooks/R1-entity-enrichment.yaml'), R1_YAML);
  await writeFile(join(root, 'runbooks/R2-relationship-inference.yaml'), R2_YAML);
  await writeFile(
    join(root, 'policies/trust.yaml'),
    `keys:\n` +
      `  - { name: ci-runner-2026, publicKey: ${runner.publicKey}, roles: [runner], status: active, validFrom: 2026-01-01T00:00:00Z, validUntil: null }\n` +
      `  - { name: ombuds-alice, publicKey: ${reviewer.publicKey}, roles: [reviewer], login: alice, status: active, validFrom: 2026-01-01T00:00:00Z, validUntil: null }\n` +
      `  - { name: verdict-2026, publicKey: ${verdictKey.publicKey}, roles: [verdict], status: active, validFrom: 2026-01-01T00:00:00Z, validUntil: 2027-01-01T00:00:00Z }\n` +
      `  - { name: ci-runner-2025, publicKey: ${fixtureKey('old-runner').publicKey}, roles: [runner], status: retired, validFrom: 2025-01-01T00:00:00Z, validUntil: 2026-01-01T00:00:00Z }\n`,
  );
  await writeFile(
    join(root, '.pcq/trust.local.yaml'),
    `keys:\n  - { name: dev-laptop, publicKey: ${devKey.publicKey}, roles: [runner], status: active, validFrom: 2026-01-01T00:00:00Z }\n`,
  );
  await writeFile(
    join(root, 'policies/ombuds.yaml'),
    'roster:\n  - { login: alice, name: Alice A, email: alice@ombuds.example.org }\n  - { login: bob, name: Bob B, email: bob@ombuds.example.org }\n',
  );
  await writeFile(
    join(root, 'policies/buttons.yaml'),
    `buttons:\n  - { id: enrich-entities, runbook: R1@1.0, roles: [analyst] }\n  - { id: infer-relationships, runbook: R2@1.2, roles: [analyst] }\n`,
  );

  const runs: FixtureRun[] = [];
  const outcomes: Outcome[] = ['pass', 'blocked', 'approved', 'rejected'];
  for (const [i, outcome] of outcomes.entries()) {
    const executionId = `2026-03-0${i + 1}T10-00-00Z-r1-${outcome}`;
    runs.push(
      await writeRun(root, {
        runbookId: 'R1',
        executionId,
        outcome,
        asOf: `2026-03-0${i + 1}T10:00:00Z`,
        steps: R1_STEPS,
        runner,
        reviewer,
        verdictKey,
        digest: DIGEST_R1,
      }),
    );
  }
  const extra = options.extraRuns ?? 0;
  const wide = wideSteps(options.extraSteps ?? 8);
  for (let i = 0; i < extra; i++) {
    const executionId = `gen-${String(i).padStart(5, '0')}`;
    runs.push(
      await writeRun(root, {
        runbookId: 'GEN',
        executionId,
        outcome: 'pass',
        asOf: `2026-02-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
        steps: wide,
        runner,
        reviewer,
        verdictKey,
        digest: DIGEST_R1,
      }),
    );
  }
  const first = runs[0]!;
  await writeReplay(first);
  await writeFile(
    join(root, 'attestations/index.json'),
    JSON.stringify(
      {
        executions: runs.map((r) => ({
          executionId: r.executionId,
          runbookId: r.runbookId,
          version: r.manifest.version,
          executedAt: r.manifest.executedAt,
          startedAt: r.manifest.executedAt.replace('10:00:00', '10:00:01'),
          status: r.outcome === 'pass' ? 'succeeded' : 'blocked',
          verdict: r.outcome,
          merkleRoot: r.manifest.merkleRoot,
          path: `${r.runbookId}/${r.executionId}`,
          actor: r.manifest.actor,
        })),
      },
      null,
      2,
    ) + '\n',
  );
  return { root, runs, runner };
}

function wideSteps(n: number): typeof R1_STEPS {
  const steps: typeof R1_STEPS = [];
  for (let i = 0; i < n; i++) {
    const id = `s${String(i).padStart(4, '0')}`;
    const needs = i === 0 ? [] : i % 4 === 0 && i >= 2 ? [steps[i - 1]!.stepId, steps[i - 2]!.stepId] : [steps[i - 1]!.stepId];
    steps.push({ stepId: id, type: i % 2 ? 'transform' : 'query', needs, pre: 'authority:read_entities' });
  }
  return steps;
}

interface RunSpec {
  runbookId: string;
  executionId: string;
  outcome: Outcome;
  asOf: string;
  steps: typeof R1_STEPS;
  runner: FixtureKey;
  reviewer: FixtureKey;
  verdictKey: FixtureKey;
  digest: string;
}

async function writeRun(root: string, spec: RunSpec): Promise<FixtureRun> {
  const dir = join(root, 'attestations', spec.runbookId, spec.executionId);
  await mkdir(join(dir, 'outputs'), { recursive: true });
  const hashes = new Map<string, string>();
  const sealed: Parameters<typeof sealManifest>[0]['steps'] = [];
  let previous: string | null = null;
  const completeness = spec.outcome === 'pass' ? 0.97 : 0.6;
  for (const [i, step] of spec.steps.entries()) {
    const proofs = {
      preconditions: step.pre ? [{ prover: step.pre, type: 'authority', result: 'pass' as const, evidence: 'policy intelgraph.allow allowed the action' }] : [],
      postconditions: step.post
        ? [
            {
              prover: step.post,
              type: 'metric',
              result: completeness >= 0.95 ? ('pass' as const) : ('fail' as const),
              evidence: `completeness ${completeness} (needs ≥ 0.95)`,
            },
          ]
        : [],
    };
    const outputs = step.type === 'assertion' ? { completeness } : step.type === 'mutation' ? { updated: 2 } : [{ id: `e${i}`, name: i % 2 ? 'Alice' : 'Bob' }];
    const record: StepRecord = {
      stepId: step.stepId,
      type: step.type,
      status: 'succeeded',
      inputs: i === 0 ? {} : { from: step.needs },
      outputs,
      proofs,
      artifacts: [],
      recordings: [],
    };
    const att = await attestStep(
      record,
      { previousAttestationHash: previous, needs: step.needs, parents: step.needs.map((n) => hashes.get(n)!) },
      { runbookId: spec.runbookId, runbookVersion: '1.0', runbookDigest: spec.digest, asOf: spec.asOf },
      spec.runner.signer,
    );
    hashes.set(step.stepId, att.hash);
    previous = att.hash;
    sealed.push({ stepId: step.stepId, envelope: att.envelope, hash: att.hash, proofs });
    if (spec.steps.length <= 16) await writeFile(join(dir, 'outputs', `${step.stepId}.json`), JSON.stringify(outputs));
  }
  let manifest = await sealManifest({
    executionId: spec.executionId,
    runbookId: spec.runbookId,
    version: '1.0',
    runbookDigest: spec.digest,
    asOf: spec.asOf,
    actor: 'octocat',
    inputs: { asOf: spec.asOf, source: spec.outcome === 'pass' ? 'good' : 'sparse' },
    steps: sealed,
    signer: spec.runner.signer,
    authorization: authorizationRecord(
      {
        name: 'ci-runner',
        publicKey: spec.runner.signer.keyid,
        roles: ['runner'],
        status: 'active',
        validFrom: null,
        validUntil: null,
        source: 'policies/trust.yaml',
      },
      spec.asOf,
      'prod',
    ),
  });
  const decision: Record<Outcome, ReviewDecision | undefined> = { pass: undefined, blocked: undefined, approved: 'approve', rejected: 'reject' };
  const d = decision[spec.outcome];
  if (d !== undefined) {
    const envelope = await buildReviewEnvelope(
      {
        merkleRoot: manifest.merkleRoot,
        manifestDigest: sealedManifestDigest(manifest, sha256Node),
        manifestId: manifest.manifestId,
        executionId: spec.executionId,
        decision: d,
        reviewer: 'alice',
        comment: d === 'approve' ? 'Source outage explained; data checked by hand.' : 'Completeness too low to publish.',
        source: { kind: 'local' },
        at: spec.asOf.replace('10:00', '12:00'),
      },
      spec.reviewer.signer,
    );
    manifest = appendReview(manifest, envelope);
  }
  const manifestText = serializeManifest(manifest);
  await writeFile(join(dir, 'manifest.pcq'), manifestText);
  await writeFile(join(dir, `${spec.executionId}.intoto.jsonl`), manifest.steps.map((s) => JSON.stringify(s.attestation)).join('\n') + '\n');
  await writeFile(join(dir, 'keys.json'), JSON.stringify({ [spec.runner.publicKey]: { strkey: spec.runner.publicKey } }, null, 2) + '\n');
  const blocked = spec.outcome !== 'pass';
  const postStep = spec.steps.find((s) => s.post !== undefined);
  const failedProofs: RunRecordFile['failedProofs'] =
    blocked && postStep
      ? [
          {
            stepId: postStep.stepId,
            phase: 'postcondition',
            proof: { prover: postStep.post!, type: 'metric', result: 'fail', evidence: `completeness ${completeness} (needs ≥ 0.95)` },
          },
        ]
      : [];
  const record: RunRecordFile = {
    executionId: spec.executionId,
    runbookId: spec.runbookId,
    version: '1.0',
    runbookFile: 'runbooks/R1-entity-enrichment.yaml',
    runbookDigest: spec.digest,
    asOf: spec.asOf,
    actor: 'octocat',
    executedBy: spec.runner.publicKey,
    params: manifest.inputs,
    startedAt: spec.asOf.replace(':00Z', ':01Z'),
    durationMs: 40 * spec.steps.length,
    status: blocked ? 'blocked' : 'succeeded',
    verdict: blocked ? 'blocked' : 'pass',
    merkleRoot: manifest.merkleRoot,
    failedProofs,
    steps: spec.steps.map((s, i) => ({
      stepId: s.stepId,
      type: s.type,
      status: 'succeeded' as const,
      attempts: i === 1 ? 2 : 1,
      durationMs: 40 + i * 7,
      proofs: sealed[i]!.proofs,
    })),
    artifacts: [],
  };
  await writeFile(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
  if (blocked && postStep) {
    await mkdir(join(root, 'attestations/reviews'), { recursive: true });
    let ticket = openTicket({
      runbookId: spec.runbookId,
      executionId: spec.executionId,
      manifestId: manifest.manifestId,
      merkleRoot: manifest.merkleRoot,
      failedStep: postStep.stepId,
      failedProver: postStep.post!,
      reason: `completeness ${completeness} (needs ≥ 0.95)`,
      evidence: { measured: { total: 10, complete: 6 }, value: completeness, threshold: 0.95 },
      assignedTo: 'alice',
      roster: ['alice', 'bob'],
      createdAt: spec.asOf,
    });
    if (d !== undefined) {
      const decision: Decision = {
        executionId: spec.executionId,
        reviewer: 'alice',
        decision: d,
        comment: d === 'approve' ? 'Source outage explained.' : 'Too low to publish.',
        at: spec.asOf.replace('10:00', '12:00'),
        source: 'local',
      };
      ticket = { ...ticket, state: d === 'approve' ? 'approved' : 'rejected', decisions: [decision] };
    }
    await writeFile(join(root, 'attestations/reviews', `${spec.executionId}.yaml`), ticketToString(ticket));
  }
  const score =
    JSON.stringify(
      { executionId: spec.executionId, verdict: spec.outcome, manifestDigest: 'sha256:' + createHash('sha256').update(manifestText).digest('hex') },
      null,
      2,
    ) + '\n';
  await writeFile(join(dir, 'score.json'), score);
  await writeFile(join(dir, 'evidence.tar.gz'), gzipSync(Buffer.from(manifestText)));
  await writeFile(join(dir, 'verdict.sig'), toBase64(await spec.verdictKey.signer.sign(new TextEncoder().encode(score))) + '\n');
  await writeFile(join(dir, 'verdict.pub'), spec.verdictKey.publicKey + '\n');
  return { runbookId: spec.runbookId, executionId: spec.executionId, outcome: spec.outcome, dir, manifest };
}

async function writeReplay(run: FixtureRun): Promise<void> {
  await mkdir(join(run.dir, 'replays'), { recursive: true });
  const steps = run.manifest.steps.map((s) => ({ stepId: s.stepId, identical: true }));
  await writeFile(
    join(run.dir, 'replays', '1.json'),
    JSON.stringify(
      { identical: true, originalMerkleRoot: run.manifest.merkleRoot, replayedMerkleRoot: run.manifest.merkleRoot, replayedAt: '2026-03-05T09:00:00Z', steps },
      null,
      2,
    ),
  );
}
