// `pcq verify` and `pcq export` as a user runs them: a real process, real files, exit codes and
// output; and the exported DSSE bundle checked by an independent verifier (python3-securesystemslib).
import { sha256Node } from '../../proof/hash-node.ts';
import { sealedManifestDigest } from '../../proof/manifest.ts';
import { test } from 'node:test';
import { createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serializeManifest } from '../../proof/manifest.ts';
import { sampleRun } from '../../proof/sample-run.fixture.ts';
import { appendReview, buildReviewEnvelope } from '../../proof/review-attestation.ts';
import { nodeSigner } from '../../proof/ed25519-node.ts';

const run = promisify(execFile);
const NODE = 'node_modules/.bin/node';

async function pcq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(NODE, ['--import', 'tsx', 'engine/cli/main.ts', ...args], { env: { ...process.env, PCQ_MODE: 'dev' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const reviewer = nodeSigner(new Uint8Array(32).fill(50)); // ombuds-alice's own key

async function setup(): Promise<{ dir: string; manifest: string; trust: string; executionId: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-verify-'));
  const { manifest, signer } = await sampleRun({ steps: 4, executionId: 'exec-cli-1' });
  const reviewed = appendReview(
    manifest,
    await buildReviewEnvelope(
      {
        merkleRoot: manifest.merkleRoot,
        manifestDigest: sealedManifestDigest(manifest, sha256Node),
        manifestId: manifest.manifestId,
        executionId: manifest.executionId,
        decision: 'approve',
        reviewer: 'ombuds-alice',
        source: { kind: 'local' },
        at: '2026-03-02T00:00:00Z',
      },
      reviewer,
    ),
  );
  await writeFile(join(dir, 'manifest.pcq'), serializeManifest(reviewed));
  await writeFile(
    join(dir, 'trust.yaml'),
    `keys:\n  - name: test-runner\n    publicKey: ${signer.keyid}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n` +
      ['ombuds-alice', 'octocat', 'mallory', 'dependabot']
        .map(
          (login, i) =>
            `  - { name: ${login}, publicKey: ${(login === 'ombuds-alice' ? reviewer : nodeSigner(new Uint8Array(32).fill(60 + i))).keyid}, roles: [reviewer], login: ${login}, status: active, validFrom: 2026-01-01T00:00:00Z, validUntil: null }\n`,
        )
        .join(''),
  );
  return { dir, manifest: join(dir, 'manifest.pcq'), trust: join(dir, 'trust.yaml'), executionId: manifest.executionId };
}

test('pcq verify: ✅ and exit 0 on a genuine manifest; ❌, coded lines and exit 1 after a one-byte edit', async () => {
  const s = await setup();
  try {
    const good = await pcq('verify', s.manifest, '--trust', s.trust);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^✅ Proofs verified\n/);

    const viaFlag = await pcq('verify', '--manifest', s.manifest, '--trust', s.trust, '--json');
    assert.equal(viaFlag.code, 0);
    const report = JSON.parse(viaFlag.stdout);
    assert.equal(report.ok, true);
    assert.ok(report.checks.every((c: { ok: boolean }) => c.ok));

    const text = await readFile(s.manifest, 'utf8');
    const at = text.indexOf('"stepId": "step-002"') + 15;
    await writeFile(s.manifest, text.slice(0, at) + 'X' + text.slice(at + 1));
    const bad = await pcq('verify', s.manifest, '--trust', s.trust);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^❌ Verification failed\n/);
    assert.match(bad.stdout, /PCQ_PAYLOAD_INVALID step stepX002 step-payload:/);
    assert.match(bad.stdout, /PCQ_PARENTS_MISMATCH step step-003 parents:/);
    assert.doesNotMatch(bad.stdout + bad.stderr, /\n\s+at /); // no stack trace

    const untrusted = await pcq('verify', s.manifest, '--trust', join(s.dir, 'missing.yaml'));
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /PCQ_TRUST_MISSING/);
    const missing = await pcq('verify', join(s.dir, 'nope.pcq'), '--trust', s.trust);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /PCQ_FILE_NOT_FOUND/);
    assert.equal((await pcq('verify')).code, 2);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('pcq verify fails an approval signed with a reviewer-role key for the actor, an off-roster login, a bot, or before the run, each with its code', async () => {
  const s = await setup();
  try {
    const { manifest } = await sampleRun({ steps: 4, executionId: 'exec-cli-1' });
    const roster = join(s.dir, 'ombuds.yaml');
    await writeFile(
      roster,
      'roster:\n' + ['ombuds-alice', 'octocat', 'dependabot'].map((l) => `  - { login: ${l}, name: ${l}, email: ${l}@example.org }\n`).join(''),
    );
    const cases: Array<[string, string, number, string, string]> = [
      ['octocat', 'octocat', 61, '2026-03-02T00:00:00Z', 'PCQ_REVIEW_SELF_APPROVAL'],
      ['mallory', 'mallory', 62, '2026-03-02T00:00:00Z', 'PCQ_REVIEW_NOT_ON_ROSTER'],
      ['dependabot[bot]', 'dependabot', 63, '2026-03-02T00:00:00Z', 'PCQ_REVIEW_BOT'],
      ['ombuds-alice', 'ombuds-alice', 50, '2026-02-01T00:00:00Z', 'PCQ_REVIEW_BEFORE_RUN'],
    ];
    for (const [who, login, seed, at, code] of cases) {
      const file = join(s.dir, `${login}.pcq`);
      const key = nodeSigner(new Uint8Array(32).fill(seed));
      await writeFile(
        file,
        serializeManifest(
          appendReview(
            manifest,
            await buildReviewEnvelope(
              {
                merkleRoot: manifest.merkleRoot,
                manifestDigest: sealedManifestDigest(manifest, sha256Node),
                manifestId: manifest.manifestId,
                executionId: manifest.executionId,
                decision: 'approve',
                reviewer: who,
                source: { kind: 'local' },
                at,
              },
              key,
            ),
          ),
        ),
      );
      const r = await pcq('verify', file, '--trust', s.trust, '--roster', roster, '--json');
      assert.equal(r.code, 1, `${who}: ${r.stdout}`);
      const failed = JSON.parse(r.stdout)
        .checks.filter((c: { ok: boolean }) => !c.ok)
        .map((c: { code: string }) => c.code);
      // A "[bot]" login can be neither on a roster nor bound to a key in YAML, so those rules fail
      // too, each with its own code (proof/verify-reviews.test.ts isolates PCQ_REVIEW_BOT).
      assert.deepEqual(failed, who === 'dependabot[bot]' ? ['PCQ_REVIEW_KEY_NOT_BOUND', 'PCQ_REVIEW_NOT_ON_ROSTER', code] : [code], who);
    }
    const genuine = await pcq('verify', s.manifest, '--trust', s.trust, '--roster', roster);
    assert.equal(genuine.code, 0, genuine.stdout);
    assert.match(genuine.stdout, /review 0: approve by ombuds-alice at 2026-03-02T00:00:00Z, reviewer-signed/);
    const noRoster = await pcq('verify', s.manifest, '--trust', s.trust, '--roster', join(s.dir, 'absent.yaml'));
    assert.equal(noRoster.code, 3);
    assert.match(noRoster.stderr, /PCQ_ROSTER_UNREADABLE/);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('pcq export writes standard DSSE JSONL that python3-securesystemslib verifies independently', async () => {
  const s = await setup();
  try {
    const out = join(s.dir, 'exports');
    const res = await pcq('export', s.manifest, '--format', 'dsse', '--out', out);
    assert.equal(res.code, 0, res.stderr);
    const bundle = join(out, `${s.executionId}.intoto.jsonl`);
    const lines = (await readFile(bundle, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 4 + 1 + 1); // steps, the review, the manifest
    for (const env of lines) assert.deepEqual(Object.keys(env).sort(), ['payload', 'payloadType', 'signatures']);
    const keys = JSON.parse(await readFile(join(out, 'keys.json'), 'utf8'));
    const keyid = lines[0].signatures[0].keyid;
    assert.match(keys[keyid].pem, /^-----BEGIN PUBLIC KEY-----\n/);

    const py = await run('/usr/bin/python3', ['engine/testing/verify_dsse.py', bundle, join(out, 'keys.json')]);
    assert.match(py.stdout, /verified 6 of 6 envelopes/);

    // The independent verifier must also say no: swap in a payload the signature does not cover.
    const tampered = lines.map((env, i) => (i === 2 ? { ...env, payload: Buffer.from('{"forged":true}').toString('base64') } : env));
    await writeFile(bundle, tampered.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await assert.rejects(
      run('/usr/bin/python3', ['engine/testing/verify_dsse.py', bundle, join(out, 'keys.json')]),
      (e: { code: number; stdout: string }) => e.code === 1 && /FAIL line 3/.test(e.stdout),
    );
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('pcq export --format sigstore writes one v0.3 bundle per envelope that @sigstore/verify accepts with the exported public key', async () => {
  const s = await setup();
  try {
    const out = join(s.dir, 'sigstore');
    const res = await pcq('export', s.manifest, '--format', 'sigstore', '--out', out, '--json');
    assert.equal(res.code, 0, res.stderr);
    const { files } = JSON.parse(res.stdout) as { files: string[] };
    const bundles = files.filter((f) => f.endsWith('.sigstore.json'));
    assert.equal(bundles.length, 4 + 1 + 1);
    const keys = JSON.parse(await readFile(join(out, 'keys.json'), 'utf8')) as Record<string, { pem: string }>;
    const root = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
    const verifier = new Verifier(
      toTrustMaterial(root as never, (hint: string) => ({ publicKey: createPublicKey(keys[hint]!.pem), validFor: () => true })),
      { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
    );
    for (const file of bundles) verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(await readFile(file, 'utf8')))));
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('pcq keys generate prints a usable pair; inspect shows hex and PEM; bad input is coded', async () => {
  const gen = await pcq('keys', 'generate', '--json');
  assert.equal(gen.code, 0);
  const pair = JSON.parse(gen.stdout);
  assert.match(pair.secret, /^S[A-Z2-7]{55}$/);
  assert.match(pair.publicKey, /^G[A-Z2-7]{55}$/);
  const inspect = await pcq('keys', 'inspect', pair.publicKey);
  assert.equal(inspect.code, 0);
  assert.match(inspect.stdout, /hex: {4}[0-9a-f]{64}\n-----BEGIN PUBLIC KEY-----/);
  assert.doesNotMatch(inspect.stdout, new RegExp(pair.secret));
  const bad = await pcq('keys', 'inspect', pair.secret);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /PCQ_KEY_INVALID/);
  assert.doesNotMatch(bad.stderr, new RegExp(pair.secret.slice(1)));
});
