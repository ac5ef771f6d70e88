// Docker execution, "runner-in-image" (seed 004 §4), behind the same port as the host runtime.
// The bundle is mounted read-only at /spell/bundle and copied by the in-image shell to a writable
// work folder (/tmp/spell-work, the container's own tmpfs) before the entry runs; input and output
// pass through a small mounted /spell/io folder. The container gets --network none unless
// runtime.network is true or connectors are declared, a read-only root filesystem, no capabilities,
// no new privileges, and only the declared CONNECTOR_<NAME>_TOKEN variables, passed by name
// (`--env NAME`) so their values never appear on a command line.
// Where no Docker daemon answers, the runtime refuses with PCQ_DOCKER_UNAVAILABLE: nothing pretends
// a container ran.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { redactText, registerSecret } from '../base/secrets.ts';
import { connectorTokens, type SpellRunRequest, type SpellRunResult, type SpellRuntimePort } from './spell-runtime.ts';
import { readOutput, runChild } from './host-runtime.ts';

/** The exact `docker run` argv for one execution (pure). */
export function dockerRunArgs(req: SpellRunRequest, paths: { bundle: string; io: string }, name: string): { argv: string[]; tokens: string[] } {
  const m = req.manifest;
  if (m.runtime.kind !== 'docker' || !m.runtime.image)
    throw new PcqError({
      code: 'PCQ_SPELL_INVALID',
      message: `spell ${m.id}@${m.version} is not a docker spell with an image`,
      hint: 'Set runtime.kind: docker and runtime.image.',
    });
  const tokens = Object.keys(connectorTokens(m, req.env));
  const network = m.runtime.network === true || m.connectors.length > 0;
  const argv = [
    'docker',
    'run',
    '--rm',
    '--name',
    name,
    '--network',
    network ? 'bridge' : 'none',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,exec,size=64m',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--pids-limit',
    '256',
    '--memory',
    '512m',
    '--mount',
    `type=bind,src=${paths.bundle},dst=/spell/bundle,readonly`,
    '--mount',
    `type=bind,src=${paths.io},dst=/spell/io`,
    '--workdir',
    '/tmp',
    '--env',
    'HOME=/tmp/spell-work',
    '--env',
    'LANG=C.UTF-8',
    '--env',
    'TZ=UTC',
    '--env',
    'PCQ_SPELL_INPUT=/spell/io/input.json',
    '--env',
    'PCQ_SPELL_OUTPUT=/spell/io/output.json',
    '--env',
    'PCQ_SPELL_BUNDLE=/spell/bundle',
    '--env',
    'PCQ_SPELL_WORKDIR=/tmp/spell-work',
    ...tokens.flatMap((t) => ['--env', t]),
    m.runtime.image,
    '/bin/sh',
    '-c',
    'cp -R /spell/bundle /tmp/spell-work && chmod -R u+w /tmp/spell-work && cd /tmp/spell-work && exec "$@"',
    'spell-runner',
    ...m.runtime.entry,
  ];
  return { argv, tokens };
}

/** Whether a Docker daemon answers (`docker version` reaches the server). */
export function dockerAvailable(): boolean {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

export function createDockerRuntime(options: { available?: () => boolean } = {}): SpellRuntimePort {
  return {
    kind: 'docker',
    async run(req: SpellRunRequest): Promise<SpellRunResult> {
      const where = `spell ${req.manifest.id}@${req.manifest.version}`;
      if (!(options.available ?? dockerAvailable)()) {
        throw new PcqError({
          code: 'PCQ_DOCKER_UNAVAILABLE',
          message: `${where} runs in Docker (image ${req.manifest.runtime.image}) and no Docker daemon answers here`,
          hint: 'Start a Docker daemon (or run on a machine with one); the spell was not run.',
        });
      }
      const root = await mkdtemp(join(tmpdir(), 'pcq-docker-'));
      const paths = { bundle: join(root, 'bundle'), io: join(root, 'io') };
      try {
        await mkdir(paths.io, { recursive: true });
        await chmod(paths.io, 0o777);
        for (const f of req.files) {
          await mkdir(dirname(join(paths.bundle, f.path)), { recursive: true });
          await writeFile(join(paths.bundle, f.path), f.bytes, { mode: 0o444 });
        }
        await writeFile(join(paths.io, 'input.json'), JSON.stringify(req.input ?? null), { mode: 0o644 });
        const name = `pcq-spell-${process.pid}-${Date.now()}`;
        const { argv, tokens } = dockerRunArgs(req, paths, name);
        const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
        if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
        for (const t of tokens) env[t] = req.env[t]!;
        const started = performance.now();
        const exit = await runChild(argv, env, root, req.timeoutMs, req.signal);
        if (exit.timedOut || exit.aborted) spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore', timeout: 10_000 });
        for (const t of tokens) registerSecret(req.env[t], t);
        const log = {
          stdout: redactText(exit.stdout.text()),
          stderr: redactText(exit.stderr.text()),
          truncated: exit.stdout.dropped + exit.stderr.dropped > 0,
        };
        if (exit.timedOut)
          throw new PcqError({
            code: 'PCQ_SPELL_TIMEOUT',
            message: `${where} was stopped after ${req.timeoutMs} ms (container removed)`,
            hint: 'Raise runtime.timeout in spell.yaml, or find out why the spell hangs.',
          });
        if (exit.code !== 0)
          throw new PcqError({
            code: 'PCQ_SPELL_FAILED',
            message: `${where} (docker) exited with ${exit.code ?? exit.signal}: ${log.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`,
            hint: "Read the spell's log and fix the spell or its inputs.",
          });
        const output = await readOutput(join(paths.io, 'output.json'), where);
        return {
          output,
          exitCode: 0,
          durationMs: Math.round(performance.now() - started),
          log,
          confinement: ['docker', 'clean-env', 'timeout', 'bounded-output', 'read-only-root', 'cap-drop-all', ...(argv.includes('none') ? ['no-network'] : [])],
          tokens,
        };
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}
