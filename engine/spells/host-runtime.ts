// Host execution with least privilege (seed 004 §4; issue 11 Deliver 4). Each execution gets a
// fresh temp folder: `bundle/` (a copy of the bundle, made read-only) and `work/` (writable, the
// current directory, holding input.json and output.json). The entry runs as a child process in its
// own process group with the clean environment of spell-runtime.ts, killed (the whole group) at its
// timeout or when the step is aborted; stdout/stderr are bounded.
//
// Confinement, from what this platform offers (reported per run in `confinement`):
// - `bwrap` (bubblewrap, Linux, when it can create namespaces): new user/pid/ipc/uts/cgroup and
//   network namespaces (no network unless runtime.network: true or connectors are declared), an
//   empty environment plus the variables above, a filesystem that holds only /usr (read-only),
//   /proc, /dev, an empty /tmp, the bundle (read-only) and the work folder: the repository, the
//   runner key file, $HOME and the rest of the host are not there at all.
// - `node-permission` (entries run with "node"): Node's permission model, reads limited to the
//   bundle and work folders, writes to the work folder, no child processes, no workers, no addons.
// - always: clean environment, timeout, bounded output.
// NOT confined: CPU and memory use (no cgroup limits are set), and, without bwrap, a non-Node entry
// can read and write whatever the user running pcq can; without bwrap or runtime.network false the
// network is open.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { PcqError } from '../base/errors.ts';
import { redactText, registerSecret } from '../base/secrets.ts';
import {
  BoundedSink,
  MAX_LOG_BYTES,
  MAX_OUTPUT_BYTES,
  connectorTokens,
  type SpellRunRequest,
  type SpellRunResult,
  type SpellRuntimePort,
} from './spell-runtime.ts';

let bwrapUsable: boolean | undefined;

/** Whether bubblewrap is installed and may create its namespaces here (checked once). */
export function bubblewrapAvailable(): boolean {
  if (bwrapUsable === undefined) {
    const r = spawnSync(
      'bwrap',
      [
        '--unshare-all',
        '--ro-bind',
        '/usr',
        '/usr',
        '--symlink',
        'usr/bin',
        '/bin',
        '--symlink',
        'usr/lib',
        '/lib',
        '--symlink',
        'usr/lib64',
        '/lib64',
        '/usr/bin/true',
      ],
      { stdio: 'ignore', timeout: 5000 },
    );
    bwrapUsable = r.status === 0;
  }
  return bwrapUsable;
}

interface Layout {
  root: string;
  bundle: string;
  work: string;
}

async function prepare(req: SpellRunRequest): Promise<Layout> {
  const root = await mkdtemp(join(tmpdir(), 'pcq-spell-'));
  const layout = { root, bundle: join(root, 'bundle'), work: join(root, 'work') };
  await mkdir(layout.work, { mode: 0o700 });
  const dirs = new Set<string>([layout.bundle]);
  for (const f of req.files) {
    const path = join(layout.bundle, f.path);
    await mkdir(dirname(path), { recursive: true });
    for (let d = dirname(path); d.startsWith(layout.bundle); d = dirname(d)) dirs.add(d);
    await writeFile(path, f.bytes, { mode: 0o444 });
  }
  await mkdir(layout.bundle, { recursive: true });
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) await chmod(d, 0o555);
  await writeFile(join(layout.work, 'input.json'), JSON.stringify(req.input ?? null));
  return layout;
}

async function cleanUp(layout: Layout): Promise<void> {
  // The bundle copy is read-only: give write back to its folders so it can be removed.
  const walk = async (dir: string): Promise<void> => {
    await chmod(dir, 0o755).catch(() => undefined);
    const { readdir } = await import('node:fs/promises');
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  await walk(layout.bundle);
  await rm(layout.root, { recursive: true, force: true });
}

/** argv and environment for one execution, with or without bubblewrap around it. */
export function hostCommand(
  req: SpellRunRequest,
  layout: Layout,
  useBwrap: boolean,
  nodePath = process.execPath,
): { argv: string[]; env: Record<string, string>; confinement: string[]; tokens: string[] } {
  const tokens = connectorTokens(req.manifest, req.env);
  const inside = useBwrap
    ? { bundle: '/spell/bundle', work: '/spell/work', node: '/opt/pcq/node' }
    : { bundle: layout.bundle, work: layout.work, node: nodePath };
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: inside.work,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    PCQ_SPELL_INPUT: `${inside.work}/input.json`,
    PCQ_SPELL_OUTPUT: `${inside.work}/output.json`,
    PCQ_SPELL_BUNDLE: inside.bundle,
    PCQ_SPELL_WORKDIR: inside.work,
    ...tokens,
  };
  const [program, ...args] = req.manifest.runtime.entry as [string, ...string[]];
  const confinement = ['clean-env', 'timeout', 'bounded-output'];
  let argv: string[];
  const inBundle = (a: string): string =>
    /^[A-Za-z0-9_.-][A-Za-z0-9_./-]*$/.test(a) && !a.includes('..') && req.files.some((f) => f.path === a) ? `${inside.bundle}/${a}` : a;
  if (program === 'node') {
    argv = [
      inside.node,
      permissionFlag(),
      `--allow-fs-read=${inside.bundle}`,
      `--allow-fs-read=${inside.work}`,
      `--allow-fs-write=${inside.work}`,
      ...args.map(inBundle),
    ];
    confinement.push('node-permission');
  } else {
    argv = [inBundle(program), ...args.map(inBundle)];
  }
  if (!useBwrap) return { argv, env, confinement, tokens: Object.keys(tokens) };
  const network = req.manifest.runtime.network === true || req.manifest.connectors.length > 0;
  const wrap = [
    'bwrap',
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    ...(network ? ['--share-net'] : []),
    '--clearenv',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--ro-bind-try',
    '/etc/alternatives',
    '/etc/alternatives',
    '--ro-bind-try',
    '/etc/ld.so.cache',
    '/etc/ld.so.cache',
    ...(network
      ? ['--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf', '--ro-bind-try', '/etc/hosts', '/etc/hosts', '--ro-bind-try', '/etc/ssl', '/etc/ssl']
      : []),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    ...(program === 'node' ? ['--ro-bind', realpathSync(nodePath), inside.node] : []),
    '--ro-bind',
    layout.bundle,
    inside.bundle,
    '--bind',
    layout.work,
    inside.work,
    '--chdir',
    inside.work,
    ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--',
  ];
  confinement.push('bwrap', ...(network ? [] : ['no-network']));
  return { argv: [...wrap, ...argv], env, confinement, tokens: Object.keys(tokens) };
}

/** Node's permission model flag: `--permission` from Node 22.13/23.5, `--experimental-permission` before (20.x). */
export function permissionFlag(version = process.versions.node): string {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission';
}

export function createHostRuntime(options: { useBwrap?: boolean } = {}): SpellRuntimePort {
  return {
    kind: 'host',
    async run(req: SpellRunRequest): Promise<SpellRunResult> {
      const layout = await prepare(req);
      try {
        const cmd = hostCommand(req, layout, options.useBwrap ?? bubblewrapAvailable());
        // The tokens passed in join the one secret registry (issue 10): every output redacts them.
        for (const name of cmd.tokens) registerSecret(cmd.env[name], name);
        const started = performance.now();
        const exit = await runChild(cmd.argv, cmd.env, layout.work, req.timeoutMs, req.signal);
        const durationMs = Math.round(performance.now() - started);
        const log = {
          stdout: redactText(exit.stdout.text()),
          stderr: redactText(exit.stderr.text()),
          truncated: exit.stdout.dropped + exit.stderr.dropped > 0,
        };
        const where = `spell ${req.manifest.id}@${req.manifest.version}`;
        if (exit.timedOut)
          throw new PcqError({
            code: 'PCQ_SPELL_TIMEOUT',
            message: `${where} was stopped after ${req.timeoutMs} ms`,
            hint: "Raise runtime.timeout in spell.yaml (or the step's timeout), or find out why the spell hangs.",
            details: { log },
          });
        if (exit.aborted)
          throw new PcqError({
            code: 'PCQ_ABORTED',
            message: `${where} was stopped: the step was aborted`,
            hint: 'The step timed out or the run was cancelled.',
          });
        if (exit.code !== 0)
          throw new PcqError({
            code: 'PCQ_SPELL_FAILED',
            message: `${where} exited with ${exit.code ?? exit.signal}: ${log.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`,
            hint: "Read the spell's log (private/logs/ of the execution) and fix the spell or its inputs.",
            details: { log },
          });
        const output = await readOutput(join(layout.work, 'output.json'), where);
        return { output, exitCode: 0, durationMs, log, confinement: cmd.confinement, tokens: cmd.tokens };
      } finally {
        await cleanUp(layout);
      }
    },
  };
}

export async function readOutput(path: string, where: string): Promise<unknown> {
  const bad = (why: string): PcqError =>
    new PcqError({
      code: 'PCQ_SPELL_OUTPUT_INVALID',
      message: `${where}: ${why}`,
      hint: 'The entry must write its output JSON to the file named by PCQ_SPELL_OUTPUT.',
    });
  const st = await stat(path).catch(() => undefined);
  if (!st || !st.isFile()) throw bad('wrote no output file');
  if (st.size > MAX_OUTPUT_BYTES) throw bad(`output is ${st.size} bytes, more than ${MAX_OUTPUT_BYTES}`);
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw bad('output is not JSON');
  }
}

interface ChildExit {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  stdout: BoundedSink;
  stderr: BoundedSink;
}

export function runChild(argv: string[], env: Record<string, string>, cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const stdout = new BoundedSink(MAX_LOG_BYTES);
    const stderr = new BoundedSink(MAX_LOG_BYTES);
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let aborted = false;
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (err) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(new PcqError({ code: 'PCQ_SPELL_FAILED', message: `cannot start ${argv[0]}: ${err.message}`, hint: 'Check runtime.entry in spell.yaml.' }));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal: sig, timedOut, aborted: aborted && !timedOut, stdout, stderr });
    });
  });
}
