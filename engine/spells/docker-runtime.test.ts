// Docker runtime up to the daemon boundary (seed 004 §4): the exact `docker run` command — bundle
// mounted read-only and copied inside to a writable folder, no network unless declared, only the
// declared tokens passed by name — and a coded refusal where no daemon answers (nothing pretends a
// container ran).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDockerRuntime, dockerRunArgs } from './docker-runtime.ts';
import type { SpellManifest } from '../model/spell-manifest.ts';
import type { PcqError } from '../base/errors.ts';

const m = (extra: Partial<SpellManifest> = {}): SpellManifest => ({
  id: 'd',
  version: '1',
  name: 'd',
  inputs: {},
  outputs: {},
  effects: [],
  connectors: [],
  runtime: { kind: 'docker', image: 'pcq/busybox:1', entry: ['/bin/sh', 'run.sh'] },
  ...extra,
});

test('the exact docker run command: read-only bundle mount, copy to a writable work folder, --network none, no secrets', () => {
  const { argv, tokens } = dockerRunArgs(
    { manifest: m(), files: [], input: {}, env: { RUNNER_SECRET: 'S', CONNECTOR_X_TOKEN: 't' }, timeoutMs: 1000 },
    { bundle: '/b', io: '/io' },
    'n1',
  );
  assert.deepEqual(tokens, []);
  assert.deepEqual(argv, [
    'docker',
    'run',
    '--rm',
    '--name',
    'n1',
    '--network',
    'none',
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
    'type=bind,src=/b,dst=/spell/bundle,readonly',
    '--mount',
    'type=bind,src=/io,dst=/spell/io',
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
    'pcq/busybox:1',
    '/bin/sh',
    '-c',
    'cp -R /spell/bundle /tmp/spell-work && chmod -R u+w /tmp/spell-work && cd /tmp/spell-work && exec "$@"',
    'spell-runner',
    '/bin/sh',
    'run.sh',
  ]);
  assert.ok(!argv.join(' ').includes('RUNNER_SECRET') && !argv.join(' ').includes(' t '));
});

test('declared connectors: their token variables go by name only (never a value on the command line) and the network opens', () => {
  const { argv, tokens } = dockerRunArgs(
    {
      manifest: m({ connectors: ['registry'] }),
      files: [],
      input: {},
      env: { CONNECTOR_REGISTRY_TOKEN: 'tok-value', CONNECTOR_OTHER_TOKEN: 'o' },
      timeoutMs: 1000,
    },
    { bundle: '/b', io: '/io' },
    'n2',
  );
  assert.deepEqual(tokens, ['CONNECTOR_REGISTRY_TOKEN']);
  assert.ok(argv.includes('CONNECTOR_REGISTRY_TOKEN'));
  assert.ok(!argv.some((a) => a.includes('tok-value') || a.includes('OTHER')));
  assert.equal(argv[argv.indexOf('--network') + 1], 'bridge');
});

test('no Docker daemon: PCQ_DOCKER_UNAVAILABLE, and nothing ran', async () => {
  await assert.rejects(
    createDockerRuntime({ available: () => false }).run({ manifest: m(), files: [], input: {}, env: {}, timeoutMs: 1000 }),
    (e: PcqError) => e.code === 'PCQ_DOCKER_UNAVAILABLE' && /no Docker daemon/.test(e.message),
  );
});
