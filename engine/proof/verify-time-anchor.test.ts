// The RFC 3161 time anchor, at the seam that carries it: verifyManifest (the function `pcq verify`
// and the browser share) on manifests anchored by a real CMS token from the loopback TSA, on every
// kind of wrong token, and on hostile bytes; and the seal-time client against the TSA over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import fc from 'fast-check';
import { nodeSigner, nodeVerify } from './ed25519-node.ts';
import { nobleVerify } from './ed25519-browser.ts';
import { sha256Node } from './hash-node.ts';
import { anchoredManifestText, serializeManifest } from './manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { sampleRun, RUNNER_SEED } from './sample-run.fixture.ts';
import type { TrustStore } from './trust.ts';
import { verifyManifest, type VerifyReport } from './verify-manifest.ts';
import { toBase64, utf8 } from './bytes.ts';
import { createTestTsaPki, issueToken, startLoopbackTsa, type TestTsaPki, type TsaBehaviour } from '../testing/tsa.ts';
import { buildTimeStampRequest, freshNonce, requestTimeStamp } from '../runtime/tsa-client.ts';
import { anchorManifest } from '../runtime/time-anchor.ts';
import type { TimeAnchorOptions } from './verify-time-anchor.ts';

const runner = nodeSigner(RUNNER_SEED);
const trust: TrustStore = {
  keys: [{ name: 'k', publicKey: runner.keyid, roles: ['runner'], status: 'active', validFrom: '2026-01-01T00:00:00Z', validUntil: null }],
};
const verify = (text: string, timeAnchor: TimeAnchorOptions, ed = nodeVerify): Promise<VerifyReport> =>
  verifyManifest(text, trust, ed, { sha256: sha256Node, timeAnchor });
const anchorCheck = (r: VerifyReport) => r.checks.find((c) => c.check === 'time-anchor')!;
const failedCodes = (r: VerifyReport): string[] => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.code))].sort();

// The PKI is valid from before the sample run's asOf (2026-03-01), so a backdated genTime still chains.
let pkiPromise: Promise<TestTsaPki> | undefined;
const pki = (): Promise<TestTsaPki> => (pkiPromise ??= createTestTsaPki({ notBefore: new Date('2026-01-01T00:00:00Z') }));

async function tokenFor(data: Uint8Array, issuer: TestTsaPki, behaviour: TsaBehaviour = {}): Promise<Uint8Array> {
  const imprint = new Uint8Array(createHash('sha256').update(data).digest());
  const der = buildTimeStampRequest(imprint, freshNonce());
  const request = new pkijs.TimeStampReq({ schema: asn1js.fromBER(der.slice().buffer).result });
  return issueToken(issuer, request, behaviour);
}

async function anchored(behaviour: TsaBehaviour = {}, issuer?: TestTsaPki): Promise<{ manifest: Manifest; text: string; token: Uint8Array }> {
  const { manifest } = await sampleRun({ steps: 3 });
  const token = await tokenFor(utf8(anchoredManifestText(manifest)), issuer ?? (await pki()), behaviour);
  const withAnchor: Manifest = { ...manifest, timeAnchor: { format: 'rfc3161', token: toBase64(token) } };
  return { manifest: withAnchor, text: serializeManifest(withAnchor), token };
}

test('an anchored manifest verifies on the Node and browser paths and reports the TSA and genTime', async () => {
  const { text } = await anchored();
  const ca = (await pki()).caDer;
  for (const ed of [nodeVerify, nobleVerify]) {
    const report = await verify(text, { trust: [ca] }, ed);
    assert.deepEqual(failedCodes(report), []);
    assert.match(anchorCheck(report).message, /stamped by CN=pcq loopback TSA at 20\d\d-/);
    assert.equal(anchorCheck(report).code, 'PCQ_TIME_ANCHOR_INVALID'); // the code it would fail with
  }
});

test('no anchor: a passing "not anchored" check (a warning), a failure where an anchor is required', async () => {
  const text = serializeManifest((await sampleRun({ steps: 2 })).manifest);
  const free = await verify(text, {});
  assert.equal(free.ok, true);
  assert.equal(anchorCheck(free).code, 'PCQ_TIME_ANCHOR_MISSING');
  assert.match(anchorCheck(free).message, /^not anchored/);
  assert.deepEqual(failedCodes(await verify(text, { required: true })), ['PCQ_TIME_ANCHOR_MISSING']);
});

test('no TSA trust configured: checked as far as it goes, a warning; required makes it a failure', async () => {
  const { text } = await anchored();
  const report = await verify(text, {});
  assert.equal(report.ok, true);
  assert.equal(anchorCheck(report).code, 'PCQ_TIME_ANCHOR_UNCHECKED');
  assert.deepEqual(failedCodes(await verify(text, { required: true })), ['PCQ_TIME_ANCHOR_UNTRUSTED']);
});

test('a TSA outside the configured trust is PCQ_TIME_ANCHOR_UNTRUSTED', async () => {
  const { text } = await anchored();
  const stranger = await createTestTsaPki();
  assert.deepEqual(failedCodes(await verify(text, { trust: [stranger.caDer] })), ['PCQ_TIME_ANCHOR_UNTRUSTED']);
});

test('asOf later than genTime fails PCQ_AS_OF_AFTER_ANCHOR (a backdated seal cannot hide behind asOf)', async () => {
  const { text } = await anchored({ genTime: new Date('2026-02-15T00:00:00Z') }); // asOf is 2026-03-01
  const report = await verify(text, { trust: [(await pki()).caDer] });
  assert.deepEqual(failedCodes(report), ['PCQ_AS_OF_AFTER_ANCHOR']);
  assert.match(anchorCheck(report).message, /later than the time anchor's genTime 2026-02-15/);
});

test('a token over other bytes, a changed manifest, a wrong EKU, no certificate: PCQ_TIME_ANCHOR_INVALID', async () => {
  const ca = [(await pki()).caDer];
  const other = await anchored({ imprint: new Uint8Array(32).fill(7) });
  assert.deepEqual(failedCodes(await verify(other.text, { trust: ca })), ['PCQ_TIME_ANCHOR_INVALID']);
  // Another run's genuine token on this manifest: stamps other bytes.
  const a = await anchored();
  const { manifest: b } = await sampleRun({ steps: 3, executionId: 'other-run' });
  const moved = serializeManifest({ ...b, timeAnchor: a.manifest.timeAnchor });
  assert.deepEqual(failedCodes(await verify(moved, { trust: ca })), ['PCQ_TIME_ANCHOR_INVALID']);
  const noEku = await createTestTsaPki({ eku: false, notBefore: new Date('2026-01-01T00:00:00Z') });
  const wrong = await anchored({}, noEku);
  const report = await verify(wrong.text, { trust: [noEku.caDer] });
  assert.deepEqual(failedCodes(report), ['PCQ_TIME_ANCHOR_INVALID']);
  assert.match(anchorCheck(report).message, /extended key usage/);
  const bare = await anchored({ omitCertificate: true });
  assert.deepEqual(failedCodes(await verify(bare.text, { trust: ca })), ['PCQ_TIME_ANCHOR_INVALID']);
});

test('one flipped byte anywhere in the token never verifies', async () => {
  const { manifest, token } = await anchored();
  const ca = [(await pki()).caDer];
  for (const at of [10, Math.floor(token.length / 2), token.length - 5]) {
    const bad = token.slice();
    bad[at] = bad[at]! ^ 0x01;
    const text = serializeManifest({ ...manifest, timeAnchor: { format: 'rfc3161', token: toBase64(bad) } });
    const report = await verify(text, { trust: ca });
    assert.equal(report.ok, false, `byte ${at}`);
    assert.ok(['PCQ_TIME_ANCHOR_INVALID', 'PCQ_TIME_ANCHOR_UNTRUSTED'].includes(anchorCheck(report).code), anchorCheck(report).code);
  }
});

test('hostile tokens: random, truncated, deeply nested, oversized — a coded failure, never a crash', async () => {
  const { manifest } = await sampleRun({ steps: 1 });
  const nested = new Uint8Array(30_000);
  for (let i = 0; i < nested.length; i += 2) [nested[i], nested[i + 1]] = [0x30, 0x80]; // indefinite-length SEQUENCEs
  const cases = [nested, new Uint8Array(32 * 1024 + 3).fill(0x30), (await anchored()).token.slice(0, 200)];
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 3, maxLength: 600 }), async (bytes) => {
      const text = serializeManifest({ ...manifest, timeAnchor: { format: 'rfc3161', token: toBase64(bytes) } });
      const report = await verify(text, {});
      return report.ok === false && anchorCheck(report).code === 'PCQ_TIME_ANCHOR_INVALID';
    }),
    { numRuns: 60 },
  );
  for (const bytes of cases) {
    const text = serializeManifest({ ...manifest, timeAnchor: { format: 'rfc3161', token: toBase64(bytes) } });
    const report = await verify(text, {});
    assert.equal(report.ok, false);
    assert.ok(
      failedCodes(report).every((c) => c === 'PCQ_TIME_ANCHOR_INVALID' || c === 'PCQ_SCHEMA_INVALID'),
      failedCodes(report).join(),
    );
  }
});

test('the seal-time client over HTTP: nonce and certReq sent, reply checked; a bad reply is refused with a code', async () => {
  const tsa = await startLoopbackTsa({ pki: await pki() });
  try {
    const data = utf8('sealed manifest bytes\n');
    const ok = await requestTimeStamp(data, { url: tsa.url, trust: [tsa.pki.caDer], timeoutMs: 5000 });
    assert.equal(ok.facts.tsaName, 'CN=pcq loopback TSA');
    const sent = new pkijs.TimeStampReq({ schema: asn1js.fromBER(tsa.requests[0]!.slice().buffer).result });
    assert.equal(sent.certReq, true);
    assert.ok(sent.nonce);
    const refuse = async (behaviour: TsaBehaviour, code: string): Promise<void> => {
      Object.assign(tsa.behaviour, behaviour);
      await assert.rejects(requestTimeStamp(data, { url: tsa.url, trust: [tsa.pki.caDer], timeoutMs: 5000 }), (e: { code: string }) => e.code === code);
      for (const k of Object.keys(behaviour)) delete (tsa.behaviour as Record<string, unknown>)[k];
    };
    await refuse({ nonce: 12345n }, 'PCQ_TIME_ANCHOR_INVALID');
    await refuse({ imprint: new Uint8Array(32) }, 'PCQ_TIME_ANCHOR_INVALID');
    await refuse({ status: 2 }, 'PCQ_TSA_UNAVAILABLE');
    await refuse({ unavailable: true }, 'PCQ_TSA_UNAVAILABLE');
    await refuse({ withoutEku: true }, 'PCQ_TIME_ANCHOR_INVALID');
    const stranger = await createTestTsaPki();
    await assert.rejects(
      requestTimeStamp(data, { url: tsa.url, trust: [stranger.caDer], timeoutMs: 5000 }),
      (e: { code: string }) => e.code === 'PCQ_TIME_ANCHOR_UNTRUSTED',
    );
  } finally {
    await tsa.stop();
  }
  // Nobody listening: sealed without an anchor, with the reason; the manifest is unchanged.
  const { manifest } = await sampleRun({ steps: 1 });
  const down = await anchorManifest(manifest, { url: tsa.url, trust: [(await pki()).caDer], settings: { required: false, timeoutMs: 2000 } });
  assert.equal(down.manifest, manifest);
  assert.equal(down.report.issue?.code, 'PCQ_TSA_UNAVAILABLE');
  assert.match(down.report.issue!.message, /sealed WITHOUT a time anchor/);
});
