// The site's one read at the edge: walks attestations/ (FORMATS "Execution folder"), runbooks/ and
// policies/ under a repository root and returns the decoded SiteData. Executions are found both
// through attestations/index.json and by walking the folders, so a run missing from the index is
// still published (and flagged), never silently hidden.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { toIssues, type PcqIssue } from '../runtime/errors.ts';
import { readIndex } from '../store/execution-index.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { EMPTY_TRUST, type TrustStore } from '../proof/trust.ts';
import { asArray, asObject, type Loose } from './loose-json.ts';
import { buildExecutionView, type RawExecution } from './build-execution-view.ts';
import { readButtons, readTrustStore } from './read-policies.ts';
import { readRunbooks } from './read-runbooks.ts';
import type { DownloadView, ExecutionView, SiteData } from './site-model.ts';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function readSiteData(root: string): Promise<SiteData> {
  const problems: PcqIssue[] = [];
  const trust = await readTrustStore(root, problems);
  let verifyTrust: TrustStore = EMPTY_TRUST;
  try {
    // The same loader as `pcq verify` (dev mode: with the local overlay), so both verdicts agree.
    verifyTrust = await loadTrustStore({ root, includeLocal: true });
  } catch (err) {
    problems.push(...toIssues(err));
  }
  const buttons = await readButtons(root, problems);
  const runbooks = await readRunbooks(root, buttons, problems);
  const attestations = join(root, 'attestations');
  const executions: ExecutionView[] = [];
  for (const found of await findExecutions(attestations, problems)) {
    try {
      executions.push(buildExecutionView(await readRawExecution(attestations, found)));
    } catch (err) {
      problems.push(...toIssues(err).map((i) => ({ ...i, message: `${found.runbookId}/${found.executionId}: ${i.message}` })));
    }
  }
  executions.sort((a, b) => (b.startedAt ?? b.executedAt).localeCompare(a.startedAt ?? a.executedAt) || a.executionId.localeCompare(b.executionId));
  const tickets = executions.flatMap((e) => (e.ticket ? [e.ticket] : []));
  return { runbooks, executions, tickets, trust, verifyTrust, buttons, problems };
}

interface FoundExecution {
  runbookId: string;
  executionId: string;
  entry?: Loose;
}

async function findExecutions(attestations: string, problems: PcqIssue[]): Promise<FoundExecution[]> {
  const found = new Map<string, FoundExecution>();
  try {
    for (const e of (await readIndex(attestations)).executions) {
      const entry = e as unknown as Loose;
      if (SAFE.test(e.runbookId) && SAFE.test(e.executionId)) found.set(`${e.runbookId}/${e.executionId}`, { runbookId: e.runbookId, executionId: e.executionId, entry });
      else problems.push({ code: 'PCQ_UNSAFE_ID', message: `index.json lists an unsafe id ${JSON.stringify(e.executionId)}`, hint: 'Remove the entry from attestations/index.json.' });
    }
  } catch (err) {
    problems.push(...toIssues(err));
  }
  for (const runbookId of await listDirs(attestations)) {
    if (runbookId === 'reviews') continue;
    for (const executionId of await listDirs(join(attestations, runbookId))) {
      const key = `${runbookId}/${executionId}`;
      if (found.has(key)) continue;
      found.set(key, { runbookId, executionId });
      problems.push({ code: 'PCQ_INDEX_STALE', message: `${key} is not listed in attestations/index.json`, hint: 'The run is published anyway; re-run `pcq run` or add it to the index.' });
    }
  }
  for (const f of found.values()) {
    if (!(await exists(join(attestations, f.runbookId, f.executionId)))) {
      found.delete(`${f.runbookId}/${f.executionId}`);
      problems.push({ code: 'PCQ_INDEX_STALE', message: `index.json lists ${f.runbookId}/${f.executionId} but its folder is missing`, hint: 'Restore the folder from git or drop the entry.' });
    }
  }
  return [...found.values()];
}

async function readRawExecution(attestations: string, f: FoundExecution): Promise<RawExecution> {
  const dir = join(attestations, f.runbookId, f.executionId);
  const manifestText = await readText(join(dir, 'manifest.pcq'));
  const raw: RawExecution = {
    runbookId: f.runbookId,
    executionId: f.executionId,
    run: await readJson(join(dir, 'run.json')),
    score: await readJson(join(dir, 'score.json')),
    replays: [],
    fullOutputs: {},
    downloads: [],
  };
  if (f.entry !== undefined) raw.entry = f.entry;
  if (manifestText !== undefined) raw.manifestText = manifestText;
  const ticketText = await readText(join(attestations, 'reviews', `${f.executionId}.yaml`));
  if (ticketText !== undefined) raw.ticket = parse(ticketText);
  for (const name of (await listFiles(join(dir, 'replays'))).filter((n) => n.endsWith('.json')).sort(byNumber)) {
    raw.replays.push({ id: name.replace(/\.json$/, ''), value: await readJson(join(dir, 'replays', name)) });
  }
  for (const name of (await listFiles(join(dir, 'outputs'))).filter((n) => n.endsWith('.json'))) {
    raw.fullOutputs[name.replace(/\.json$/, '')] = await readJson(join(dir, 'outputs', name));
  }
  raw.downloads = await downloadsOf(dir, f.executionId, manifestText);
  return raw;
}

/** What the execution page offers to download; the DSSE export is generated when not on disk. */
async function downloadsOf(dir: string, executionId: string, manifestText: string | undefined): Promise<DownloadView[]> {
  const out: DownloadView[] = [];
  const add = async (name: string, label: string) => {
    const size = await fileSize(join(dir, name));
    if (size !== undefined) out.push({ name, label, source: join(dir, name), size });
  };
  await add('manifest.pcq', 'Manifest (.pcq)');
  const dsse = `${executionId}.intoto.jsonl`;
  if ((await fileSize(join(dir, dsse))) !== undefined) await add(dsse, 'DSSE envelopes (.intoto.jsonl)');
  else if (manifestText !== undefined) {
    const generated = dsseLines(manifestText);
    if (generated !== undefined) out.push({ name: dsse, label: 'DSSE envelopes (.intoto.jsonl)', source: '', generated, size: Buffer.byteLength(generated) });
  }
  await add('score.json', 'Verdict score (score.json)');
  await add('evidence.tar.gz', 'Evidence bundle (evidence.tar.gz)');
  await add('verdict.sig', 'Verdict signature (verdict.sig)');
  await add('verdict.pub', 'Verdict public key (verdict.pub)');
  for (const name of (await listFiles(join(dir, 'exports'))).sort()) {
    const size = await fileSize(join(dir, 'exports', name));
    if (size !== undefined) out.push({ name: `exports/${name}`, label: `Released export: ${name}`, source: join(dir, 'exports', name), size });
  }
  return out;
}

/** One standard DSSE envelope per line, in chain order (what `pcq export --format dsse` writes). */
function dsseLines(manifestText: string): string | undefined {
  try {
    const steps = asArray(asObject(JSON.parse(manifestText))['steps']);
    return steps.map((s) => JSON.stringify(asObject(s)['attestation'] ?? null)).join('\n') + '\n';
  } catch {
    return undefined;
  }
}

function byNumber(a: string, b: string): number {
  return (parseInt(a, 10) || 0) - (parseInt(b, 10) || 0) || a.localeCompare(b);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // an unsigned side file that is not JSON is simply not shown
  }
}

async function listDirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((d) => d.isDirectory() && SAFE.test(d.name)).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

async function listFiles(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((d) => d.isFile() && SAFE.test(d.name)).map((d) => d.name);
  } catch {
    return [];
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
