// The site's one read at the edge: walks attestations/ (FORMATS "Execution folder"), runbooks/ and
// policies/ under a repository root and returns the decoded SiteData. Executions are found both
// through attestations/index.json and by walking the folders, so a run missing from the index is
// still published (and flagged), never silently hidden.
//
// Reads are synchronous on purpose: a build reads ~10 small files per execution, and for 1,000
// executions sequential fs/promises calls (one thread-pool round trip each) cost ~5 s where the
// same reads done synchronously cost well under one. Nothing else runs while the data loads.
import { readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { toIssues, type PcqIssue } from '../base/errors.ts';
import { isPublicPath } from '../store/public-path.ts';
import { readIndex } from '../store/execution-index.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { EMPTY_TRUST, type TrustStore } from '../proof/trust.ts';
import { parseTicket } from '../review/ticket.ts';
import { readRosterLogins } from '../review/roster.ts';
import { timeAnchorOptions } from '../runtime/time-anchor-options.ts';
import { toBase64 } from '../proof/bytes.ts';
import { countedDecisions, type ReviewCheckContext } from '../proof/verify-reviews.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import type { Loose } from './loose-json.ts';
import { buildExecutionView, type RawExecution } from './build-execution-view.ts';
import { readButtons, readTrustStore } from './read-policies.ts';
import { readRunbooks } from './read-runbooks.ts';
import { siteRepository } from './dispatch-command.ts';
import { publishingCommits } from './run-links.ts';
import type { DownloadView, ExecutionView, SiteData } from './site-model.ts';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const YIELD_EVERY = 16;

// One read per build, shared by every page AND the post-build hook. They run in the same process
// but from different module copies (Astro bundles the pages; the integration is loaded by the
// config), so a module-level cache would read everything twice; a registry symbol is shared.
const SHARED = Symbol.for('pcq.site-data.cache');
type SharedCache = Map<string, Promise<SiteData>>;

function sharedCache(): SharedCache {
  const g = globalThis as unknown as Record<symbol, SharedCache | undefined>;
  return (g[SHARED] ??= new Map());
}

/** SiteData for `root`, read at most once per process until `forgetSiteData(root)`. */
export function sharedSiteData(root: string): Promise<SiteData> {
  const key = resolve(root);
  const cache = sharedCache();
  let data = cache.get(key);
  if (data === undefined) {
    data = readSiteData(key);
    cache.set(key, data);
  }
  return data;
}

/** Drops the cached read (at the start and end of a build, so `astro dev` and reruns see new runs). */
export function forgetSiteData(root: string): void {
  sharedCache().delete(resolve(root));
}

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
  let verifyRoster: string[] | null = null;
  try {
    verifyRoster = (await readRosterLogins(root)) ?? null;
  } catch (err) {
    problems.push(...toIssues(err));
  }
  // The time-anchor settings `pcq verify` uses here (timeAnchor.trust / .required), for the browser verifier.
  let verifyTimeAnchor: SiteData['verifyTimeAnchor'] = { trust: null, required: false };
  try {
    const options = await timeAnchorOptions(root, process.env);
    verifyTimeAnchor = { trust: options.trust ? options.trust.map(toBase64) : null, required: options.required === true };
  } catch (err) {
    problems.push(...toIssues(err));
  }
  // What a decision must keep to count (and so to give a ticket its state): as `pcq verify` checks it.
  const reviewCtx: ReviewCheckContext = verifyRoster === null ? { trust: verifyTrust } : { trust: verifyTrust, roster: verifyRoster };
  const buttons = await readButtons(root, problems);
  const { runbooks, invalidFiles: invalidRunbookFiles } = await readRunbooks(root, buttons, problems);
  const attestations = join(root, 'attestations');
  const tickets = new Set(
    listEntries(join(attestations, 'reviews'))
      .filter((d) => d.isFile() && d.name.endsWith('.yaml'))
      .map((d) => d.name),
  );
  const executions: ExecutionView[] = [];
  // Links back to GitHub (run-links.ts): the repository from the build's environment, the
  // publishing commits from one `git log` over attestations/ (none outside a git checkout).
  const repo = siteRepository(process.env);
  const commits = publishingCommits(root);
  const digestCache = new Map<string, string | null>();
  let sinceYield = 0;
  for (const found of await findExecutions(attestations, problems)) {
    // The build starts this read while Vite bundles the pages (pcq-publish.ts, astro:build:start):
    // handing the event loop back every few executions lets Vite's plugin calls run in between.
    if (++sinceYield === YIELD_EVERY) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      const raw = readRawExecution(attestations, found, tickets);
      raw.datasetsNow = datasetsNow(root, raw.manifest, digestCache);
      const commit = commits.get(`${found.runbookId}/${found.executionId}`);
      if (commit !== undefined) raw.commit = commit;
      if (repo !== undefined) raw.repo = repo;
      const m = raw.manifest;
      if (m !== null && typeof m === 'object' && Array.isArray((m as { reviews?: unknown }).reviews) && (m as { reviews: unknown[] }).reviews.length > 0) {
        raw.countedReviews = (await countedDecisions(m as Record<string, unknown>, reviewCtx, nodeVerify)).indices;
      }
      executions.push(buildExecutionView(raw));
    } catch (err) {
      problems.push(...toIssues(err).map((i) => ({ ...i, message: `${found.runbookId}/${found.executionId}: ${i.message}` })));
    }
  }
  const sortKey = (e: ExecutionView) => e.startedAt ?? e.executedAt;
  executions.sort((a, b) => sortKey(b).localeCompare(sortKey(a)) || a.executionId.localeCompare(b.executionId));
  // Grouped once here so no page scans every execution per runbook (O(runbooks × executions)).
  const runsByRunbook: Record<string, ExecutionView[]> = {};
  for (const r of runbooks) runsByRunbook[r.runbookId] = [];
  for (const e of executions) (runsByRunbook[e.runbookId] ??= []).push(e);
  return {
    ...(repo ? { repository: repo } : {}),
    runbooks,
    invalidRunbookFiles,
    executions,
    runsByRunbook,
    tickets: executions.flatMap((e) => (e.ticket ? [e.ticket] : [])),
    trust,
    verifyTrust,
    verifyRoster,
    verifyTimeAnchor,
    buttons,
    problems,
  };
}

/**
 * The digest each dataset file the manifest signs has in the repository now (null: missing), so a
 * page can name a data change (replay-view.ts). Paths are the manifest's repository-relative ones;
 * one that would leave the repository is not read.
 */
function datasetsNow(root: string, manifest: unknown, cache: Map<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const list = (manifest as { datasets?: unknown } | null)?.datasets;
  if (!Array.isArray(list)) return out;
  for (const d of list) {
    const path = (d as { path?: unknown } | null)?.path;
    if (typeof path !== 'string' || isAbsolute(path) || path.split(/[\\/]/).includes('..')) continue;
    if (!cache.has(path)) {
      cache.set(path, fileDigest(join(root, path)));
    }
    out[path] = cache.get(path)!;
  }
  return out;
}

function fileDigest(file: string): string | null {
  try {
    return 'sha256:' + createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null; // missing or unreadable: the page says the signed file is gone
  }
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
      if (SAFE.test(e.runbookId) && SAFE.test(e.executionId))
        found.set(`${e.runbookId}/${e.executionId}`, { runbookId: e.runbookId, executionId: e.executionId, entry });
      else
        problems.push({
          code: 'PCQ_UNSAFE_ID',
          message: `index.json lists an unsafe id ${JSON.stringify(e.executionId)}`,
          hint: 'Remove the entry from attestations/index.json.',
        });
    }
  } catch (err) {
    problems.push(...toIssues(err));
  }
  const onDisk = new Set<string>();
  for (const runbookId of listDirs(attestations)) {
    if (runbookId === 'reviews') continue;
    for (const executionId of listDirs(join(attestations, runbookId))) {
      const key = `${runbookId}/${executionId}`;
      onDisk.add(key);
      if (found.has(key)) continue;
      found.set(key, { runbookId, executionId });
      problems.push({
        code: 'PCQ_INDEX_STALE',
        message: `${key} is not listed in attestations/index.json`,
        hint: 'The run is published anyway; re-run `pcq run` or add it to the index.',
      });
    }
  }
  for (const [key, f] of found) {
    if (onDisk.has(key)) continue;
    found.delete(key);
    problems.push({
      code: 'PCQ_INDEX_STALE',
      message: `index.json lists ${f.runbookId}/${f.executionId} but its folder is missing`,
      hint: 'Restore the folder from git or drop the entry.',
    });
  }
  return [...found.values()];
}

function readRawExecution(attestations: string, f: FoundExecution, tickets: Set<string>): RawExecution {
  const dir = join(attestations, f.runbookId, f.executionId);
  // One stat per known name (existence and size at once): a directory listing per execution cost
  // ~35x a stat here and was the largest part of reading 1,000 executions.
  const stats = new Map<string, Stats | undefined>();
  const statOf = (name: string): Stats | undefined => {
    if (!stats.has(name)) stats.set(name, statSync(join(dir, name), { throwIfNoEntry: false }));
    return stats.get(name);
  };
  const isDir = (name: string) => statOf(name)?.isDirectory() === true;
  const manifestText = readText(join(dir, 'manifest.pcq'));
  const raw: RawExecution = {
    runbookId: f.runbookId,
    executionId: f.executionId,
    run: readJson(join(dir, 'run.json')),
    score: readJson(join(dir, 'score.json')),
    replays: [],
    fullOutputs: {},
    downloads: [],
  };
  if (f.entry !== undefined) raw.entry = f.entry;
  let manifest: unknown;
  if (manifestText !== undefined) {
    raw.manifestText = manifestText;
    try {
      manifest = JSON.parse(manifestText);
      raw.manifest = manifest;
    } catch {
      // buildExecutionView reports the malformed manifest on the page
    }
  }
  const ticketName = `${f.executionId}.yaml`;
  if (tickets.has(ticketName)) {
    const file = `attestations/reviews/${ticketName}`;
    const text = readText(join(attestations, 'reviews', ticketName));
    if (text !== undefined) raw.ticket = readTicket(text, file);
  }
  if (isDir('replays')) {
    const names = listEntries(join(dir, 'replays'))
      .filter((d) => d.isFile() && d.name.endsWith('.json'))
      .map((d) => d.name)
      .sort(byNumber);
    for (const name of names) raw.replays.push({ id: name.replace(/\.json$/, ''), value: readJson(join(dir, 'replays', name)) });
  }
  // Full outputs are read only for steps whose attestation carries a {digest,size} stand-in
  // (> 64 KiB); otherwise the signed payload already holds the same value.
  raw.readOutput = (stepId) => (SAFE.test(stepId) ? readJson(join(dir, 'outputs', `${stepId}.json`)) : undefined);
  raw.downloads = downloadsOf(dir, f.executionId, manifest, statOf, isDir('exports'));
  return raw;
}

/** The ticket through the review engine's own parser; a ticket it refuses is still shown, flagged. */
function readTicket(text: string, file: string): RawExecution['ticket'] {
  try {
    return { value: parseTicket(text, file), problems: [] };
  } catch (err) {
    let value: unknown;
    try {
      value = parse(text);
    } catch {
      value = {};
    }
    return { value, problems: toIssues(err) };
  }
}

/** What the execution page offers to download; the DSSE export is generated when not on disk. */
function downloadsOf(dir: string, executionId: string, manifest: unknown, statOf: (name: string) => Stats | undefined, hasExports: boolean): DownloadView[] {
  const out: DownloadView[] = [];
  const add = (name: string, label: string): boolean => {
    const s = statOf(name);
    if (!s?.isFile()) return false;
    out.push({ name, label, source: join(dir, name), size: s.size });
    return true;
  };
  add('manifest.pcq', 'Manifest (.pcq)');
  const dsse = `${executionId}.intoto.jsonl`;
  if (!add(dsse, 'DSSE envelopes (.intoto.jsonl)') && manifest !== undefined) {
    const generated = dsseLines(manifest);
    if (generated !== undefined) out.push({ name: dsse, label: 'DSSE envelopes (.intoto.jsonl)', source: '', generated, size: Buffer.byteLength(generated) });
  }
  add('keys.json', 'Public keys for the DSSE export (keys.json)');
  add('score.json', 'Verdict score (score.json)');
  add('evidence.tar.gz', 'Evidence bundle (evidence.tar.gz)');
  add('verdict.sig', 'Verdict signature (verdict.sig)');
  add('verdict.pub', 'Verdict public key (verdict.pub)');
  // Released exports only: private/withheld/ is never published (a blocked run lets zero exports out).
  if (hasExports) {
    for (const d of listEntries(join(dir, 'exports'))
      .filter((e) => e.isFile())
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const size = fileSize(join(dir, 'exports', d.name));
      if (size !== undefined) out.push({ name: `exports/${d.name}`, label: `Released export: ${d.name}`, source: join(dir, 'exports', d.name), size });
    }
  }
  return out.filter((d) => isPublicPath(d.name)); // the store's one rule (store/public-path.ts)
}

/** One standard DSSE envelope per line, in chain order (what `pcq export --format dsse` writes). */
function dsseLines(manifest: unknown): string | undefined {
  const steps = (manifest as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return undefined;
  return steps.map((s) => JSON.stringify((s as Loose | null)?.['attestation'] ?? null)).join('\n') + '\n';
}

function byNumber(a: string, b: string): number {
  return (parseInt(a, 10) || 0) - (parseInt(b, 10) || 0) || a.localeCompare(b);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw err;
  }
}

function readJson(path: string): unknown {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // an unsigned side file that is not JSON is simply not shown
  }
}

/** Entries with safe names only: a hostile file name never becomes a path or a URL. */
function listEntries(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true }).filter((d) => SAFE.test(d.name));
  } catch {
    return [];
  }
}

function listDirs(path: string): string[] {
  return listEntries(path)
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function fileSize(path: string): number | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}
