// Host runtime confinement (issue 11 acceptance): a spell cannot read RUNNER_SECRET or an undeclared
// connector's token, cannot write outside its work folder (Node permission model; with bubblewrap
// also for a shell entry, which then does not even see the host's files), is stopped at its
// timeout, and its log is redacted. Run with and without bubblewrap where it is available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bubblewrapAvailable, createHostRuntime, permissionFlag } from './host-runtime.ts';
import type { SpellManifest } from '../model/spell-manifest.ts';
import type { PcqError } from '../base/errors.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const manifest = (entry: string[], extra: Partial<SpellManifest> = {}): SpellManifest => ({
  id: 't-probe',
  version: '1',
  name: 'probe',
  inputs: {},
  outputs: {},
  effects: [],
  connectors: ['mine'],
  runtime: { kind: 'host', entry, timeout: '10s' },
  ...extra,
});

const PROBE = `import { readFileSync, writeFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(process.env.PCQ_SPELL_INPUT, 'utf8'));
const attempt = (f) => { try { f(); return 'allowed'; } catch (e) { return e.code ?? String(e); } };
const out = {
  runnerSecret: process.env.RUNNER_SECRET ?? null,
  otherToken: process.env.CONNECTOR_OTHER_TOKEN ?? null,
  mineToken: process.env.CONNECTOR_MINE_TOKEN ? 'present' : null,
  envNames: Object.keys(process.env).sort(),
  writeOutside: attempt(() => writeFileSync(input.with.outside, 'escaped')),
  readSecretFile: attempt(() => readFileSync(input.with.secretFile)),
  writeBundle: attempt(() => writeFileSync(process.env.PCQ_SPELL_BUNDLE + '/probe.mjs', 'changed')),
  writeWork: attempt(() => writeFileSync(process.env.PCQ_SPELL_WORKDIR + '/scratch', 'ok')),
};
console.log('token is ' + process.env.CONNECTOR_MINE_TOKEN);
writeFileSync(process.env.PCQ_SPELL_OUTPUT, JSON.stringify(out));
`;

const modes = bubblewrapAvailable() ? [true, false] : [false];
for (const useBwrap of modes) {
  test(
    `node entry${useBwrap ? ' in bubblewrap' : ' (Node permission model only)'}: clean env, no write outside the work folder, no read of host secrets, redacted log`,
    { timeout: 60_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pcq-probe-'));
      const secretFile = join(dir, 'runner.secret');
      await writeFile(secretFile, 'SECRET-ON-DISK');
      const outside = join(dir, 'escaped.txt');
      const env = {
        RUNNER_SECRET: 'SABCDEFSECRET',
        CONNECTOR_OTHER_TOKEN: 'other-token-value',
        CONNECTOR_MINE_TOKEN: 'mine-token-value-123',
        PATH: process.env.PATH,
        HOME: dir,
      };
      const r = await createHostRuntime({ useBwrap }).run({
        manifest: manifest(['node', 'probe.mjs']),
        files: [{ path: 'probe.mjs', bytes: enc(PROBE) }],
        input: { with: { outside, secretFile } },
        env,
        timeoutMs: 20_000,
      });
      const out = r.output as Record<string, unknown>;
      assert.equal(out.runnerSecret, null);
      assert.equal(out.otherToken, null);
      assert.equal(out.mineToken, 'present');
      // bubblewrap sets PWD (the work folder) itself; nothing else beyond the documented variables.
      assert.deepEqual(
        (out.envNames as string[]).filter((n) => n !== 'PWD'),
        ['CONNECTOR_MINE_TOKEN', 'HOME', 'LANG', 'PATH', 'PCQ_SPELL_BUNDLE', 'PCQ_SPELL_INPUT', 'PCQ_SPELL_OUTPUT', 'PCQ_SPELL_WORKDIR', 'TZ'],
      );
      assert.notEqual(out.writeOutside, 'allowed');
      assert.notEqual(out.readSecretFile, 'allowed');
      assert.notEqual(out.writeBundle, 'allowed');
      assert.equal(out.writeWork, 'allowed');
      await assert.rejects(stat(outside));
      assert.match(r.log.stdout, /token is \[REDACTED\]/);
      assert.doesNotMatch(r.log.stdout, /mine-token-value-123/);
      assert.ok(r.confinement.includes('node-permission'));
      assert.equal(r.confinement.includes('bwrap'), useBwrap);
      assert.deepEqual(r.tokens, ['CONNECTOR_MINE_TOKEN']);
    },
  );
}

test('a spell that never ends is stopped at its timeout (its whole process group)', { timeout: 60_000 }, async () => {
  const started = Date.now();
  await assert.rejects(
    createHostRuntime().run({
      manifest: manifest(['node', 'spin.mjs'], { connectors: [] }),
      files: [{ path: 'spin.mjs', bytes: enc('setInterval(() => {}, 1000);') }],
      input: {},
      env: {},
      timeoutMs: 1500,
    }),
    (e: PcqError) => e.code === 'PCQ_SPELL_TIMEOUT',
  );
  assert.ok(Date.now() - started < 15_000);
});

test('a declared connector without its token refuses before the entry starts; a failing entry is PCQ_SPELL_FAILED', { timeout: 60_000 }, async () => {
  await assert.rejects(
    createHostRuntime().run({ manifest: manifest(['node', 'x.mjs']), files: [{ path: 'x.mjs', bytes: enc('') }], input: {}, env: {}, timeoutMs: 5000 }),
    (e: PcqError) => e.code === 'PCQ_SPELL_CONNECTOR_TOKEN_MISSING' && e.message.includes('CONNECTOR_MINE_TOKEN'),
  );
  await assert.rejects(
    createHostRuntime().run({
      manifest: manifest(['node', 'x.mjs'], { connectors: [] }),
      files: [{ path: 'x.mjs', bytes: enc('process.exit(3)') }],
      input: {},
      env: {},
      timeoutMs: 20_000,
    }),
    (e: PcqError) => e.code === 'PCQ_SPELL_FAILED',
  );
});

test(
  'bubblewrap: a shell entry does not see the host filesystem at all',
  { timeout: 60_000, skip: bubblewrapAvailable() ? false : 'bubblewrap cannot create namespaces here' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pcq-probe-'));
    await writeFile(join(dir, 'secret'), 'x');
    const script = `if [ -e "${dir}/secret" ]; then r=visible; else r=absent; fi; echo "{\\"host\\":\\"$r\\"}" > "$PCQ_SPELL_OUTPUT"`;
    const r = await createHostRuntime({ useBwrap: true }).run({
      manifest: manifest(['/bin/sh', '-c', script], { connectors: [] }),
      files: [],
      input: {},
      env: {},
      timeoutMs: 20_000,
    });
    assert.deepEqual(r.output, { host: 'absent' });
    assert.equal(await readFile(join(dir, 'secret'), 'utf8'), 'x');
  },
);

test('the permission flag follows the Node version', () => {
  assert.equal(permissionFlag('24.1.0'), '--permission');
  assert.equal(permissionFlag('22.13.0'), '--permission');
  assert.equal(permissionFlag('20.20.2'), '--experimental-permission');
});
