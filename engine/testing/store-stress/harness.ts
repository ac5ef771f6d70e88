// Crash and concurrency harness for the execution store (issue 9 acceptance: "50 `kill -9` at
// random points of `pcq run` and 20 of `pcq review approve`: 0 torn files, 0 duplicate decisions,
// every listed execution verifies or is reported incomplete by the next command"; "20 concurrent
// `pcq run` in one checkout: every run indexed, every manifest verifies; a lock left by a killed
// process never blocks the next command; the index never lists an incomplete run").
// It drives the REAL bundled CLI (dist/pcq.mjs) as child processes in a throw-away copy of the
// sample repository and reads the store back only through the store's checked readers.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readManifestFile, readRunRecord } from '../../store/read-records.ts';
import { readIndex } from '../../store/execution-index.ts';
import { parseTicket } from '../../review/ticket.ts';
import { STAGING_DIR } from '../../store/execution-store.ts';
import { REPO_ROOT } from '../sample-root.ts';

export const PCQ = join(REPO_ROOT, 'dist', 'pcq.mjs');
export const R2 = 'runbooks/R2-relationship-inference.yaml';
export const R1 = 'runbooks/R1-entity-enrichment.yaml';
export const REVIEWER = 'ombuds-alice';
const RUNNER_ENV = { PCQ_ACTOR: 'local:stress-runner', NO_COLOR: '1' };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  ms: number;
}

/** Runs `pcq <args>` in root; with killAfterMs, SIGKILLs it then (if it is still running). */
export function cli(root: string, args: string[], killAfterMs?: number): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PCQ, ...args], { cwd: root, env: { ...process.env, ...RUNNER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out, ms: Date.now() - started });
    });
  });
}

/** A run/approve exit that is an outcome, not a failure: 0 pass/approved, 4 blocked. */
export const ranToEnd = (r: CliResult) => r.signal === null && (r.code === 0 || r.code === 4);

export interface StoreCheck {
  torn: string[]; // files that do not parse/validate with the checked readers
  listed: string[]; // execution ids the index lists
  unlisted: string[]; // execution folders on disk that the index does not list
  listedIncomplete: string[]; // listed, but manifest or run record missing/invalid
  leftovers: string[]; // staging folders or transaction locks still present after a command ran
  staleLocks: string[]; // record locks (index.json.lock, reviews/*.yaml.lock) of a killed process:
  // harmless while the next taker breaks them (lock.ts); blocking would show as a failed command
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

const ok = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );

/** Reads every store file back through the checked readers and compares folders with the index. */
export async function checkStore(root: string): Promise<StoreCheck> {
  const att = join(root, 'attestations');
  const check: StoreCheck = { torn: [], listed: [], unlisted: [], listedIncomplete: [], leftovers: [], staleLocks: [] };
  const files = await walk(att);
  for (const file of files) {
    const rel = relative(att, file);
    if (rel.startsWith(STAGING_DIR + '/')) continue;
    if (rel.endsWith('.lock')) check.staleLocks.push(rel);
    else if (rel.endsWith('/manifest.pcq') && !(await ok(readManifestFile(file)))) check.torn.push(rel);
    else if (rel.endsWith('/run.json') && !(await ok(readRunRecord(file)))) check.torn.push(rel);
    else if (rel.startsWith('reviews/') && rel.endsWith('.yaml') && !(await ok(readFile(file, 'utf8').then((t) => parseTicket(t, file))))) check.torn.push(rel);
  }
  for (const name of await readdir(join(att, STAGING_DIR)).catch(() => [] as string[])) check.leftovers.push(`${STAGING_DIR}/${name}`);
  let index;
  try {
    index = await readIndex(att);
  } catch {
    check.torn.push('index.json');
    index = { executions: [] };
  }
  const listedPaths = new Set<string>();
  for (const e of index.executions) {
    check.listed.push(e.executionId);
    listedPaths.add(e.path);
    const dir = join(att, e.path);
    if (!(await ok(readManifestFile(join(dir, 'manifest.pcq')))) || !(await ok(readRunRecord(join(dir, 'run.json')))))
      check.listedIncomplete.push(e.executionId);
  }
  for (const runbook of await readdir(att, { withFileTypes: true })) {
    if (!runbook.isDirectory() || runbook.name === 'reviews' || runbook.name.startsWith('.')) continue;
    for (const exec of await readdir(join(att, runbook.name))) {
      if ((await stat(join(att, runbook.name, exec))).isDirectory() && !listedPaths.has(`${runbook.name}/${exec}`))
        check.unlisted.push(`${runbook.name}/${exec}`);
    }
  }
  return check;
}

export async function manifestPathOf(root: string, executionId: string): Promise<string> {
  const index = await readIndex(join(root, 'attestations'));
  const entry = index.executions.find((e) => e.executionId === executionId);
  if (!entry) throw new Error(`${executionId} is not indexed`);
  return join(root, 'attestations', entry.path, 'manifest.pcq');
}

/** `pcq verify` on the execution's manifest: true when it exits 0. */
export async function verifies(root: string, executionId: string): Promise<boolean> {
  return (await cli(root, ['verify', await manifestPathOf(root, executionId)])).code === 0;
}

/** Signed approvals in the manifest and the ticket's state/decisions, for the duplicate check. */
export async function approvalsOf(root: string, executionId: string): Promise<{ manifestApprovals: number; ticketState: string; ticketApprovals: number }> {
  const manifest = await readManifestFile(await manifestPathOf(root, executionId));
  let manifestApprovals = 0;
  for (const env of manifest.reviews) {
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicate?: { decision?: string } };
    if (statement.predicate?.decision === 'approve') manifestApprovals++;
  }
  const ticketFile = join(root, 'attestations', 'reviews', `${executionId}.yaml`);
  const ticket = parseTicket(await readFile(ticketFile, 'utf8'), ticketFile);
  return { manifestApprovals, ticketState: ticket.state, ticketApprovals: ticket.decisions.filter((d) => d.decision === 'approve').length };
}

export const executionIdIn = (out: string) => /execution (\S+) · as of/.exec(out)?.[1];
