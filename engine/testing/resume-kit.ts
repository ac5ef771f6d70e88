// Test helper (never shipped) for the resume e2e tests: a loopback API (127.0.0.1) whose answers a
// test changes between a pause and a decision and which counts every call, a sample repository with
// a connector to it and the RL runbook (a live call, an approval, a live call), and the paused run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { runPcq } from './pcq-cli.ts';

export const RL = 'runbooks/resume-live.yaml';
export const AS_OF = '2026-11-16T00:00:00Z';

export interface LiveApi {
  base: string;
  answers: { rate: number };
  calls: { rate: number; after: number };
  close(): Promise<void>;
}

export async function liveApi(): Promise<LiveApi> {
  const answers = { rate: 1 };
  const calls = { rate: 0, after: 0 };
  const server = createServer((req, res) => {
    const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/rate') {
      calls.rate++;
      return send({ rate: answers.rate });
    }
    if (req.url === '/after') {
      calls.after++;
      return send({ after: true, rate: answers.rate });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const RUNBOOK = `runbookId: RL
name: Resume over a live API
version: "1.0"
description: A live call, a human decision, a live call after it.
steps:
  - stepId: fetch-rate
    type: external_api
    connector: api
    path: /rate
    method: GET
    private: false
    needs: []
  - stepId: confirm
    type: approval
    description: An ombuds confirms the rate
    message: Carry on with this rate?
  - stepId: fetch-after
    type: external_api
    connector: api
    path: /after
    method: GET
    private: false
    needs: [fetch-rate, confirm]
`;

export async function setUpLiveRoot(root: string, base: string): Promise<void> {
  await appendFile(
    join(root, 'policies/connectors.yaml'),
    `  - name: api\n    baseUrl: ${base}\n    mode: live\n    timeout: 10s\n    retry: { attempts: 1 }\n`,
  );
  await writeFile(join(root, RL), RUNBOOK);
}

export interface Manifest {
  state?: string;
  merkleRoot: string;
  approvals?: unknown[];
  receipts?: { open: unknown; finalize?: { usage: number; ledger: number; spentAfter: number } };
  steps: Array<{ stepId: string; attestationHash: string; attestation: { payload: string } }>;
}

export const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

export const predicate = (m: Manifest, stepId: string): Record<string, unknown> =>
  (JSON.parse(Buffer.from(m.steps.find((s) => s.stepId === stepId)!.attestation.payload, 'base64').toString('utf8')) as { predicate: Record<string, unknown> })
    .predicate;

export async function pausedRun(root: string, runbook: string): Promise<{ executionId: string; manifestPath: string; paused: Manifest }> {
  const run = await runPcq(root, {}, 'run', runbook, '--as-of', AS_OF, '--json');
  assert.equal(run.code, 4, run.stdout + run.stderr);
  const report = JSON.parse(run.stdout) as { executionId: string; manifestPath: string; status: string };
  assert.equal(report.status, 'paused');
  return { executionId: report.executionId, manifestPath: report.manifestPath, paused: await readJson<Manifest>(resolve(root, report.manifestPath)) };
}

/** The embedded vault ledger's finalize events for one run (the double-settlement check). */
export async function finalizeEvents(root: string, runId: string): Promise<unknown[]> {
  const ledger = await readJson<{ events: Array<{ name: string; data: { runId?: string } }>; runs: Record<string, { state: string }> }>(
    join(root, '.pcq/ledger/vault.json'),
  );
  return ledger.events.filter((e) => e.name === 'run_finalized' && e.data.runId === runId);
}
