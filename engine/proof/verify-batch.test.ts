// The Node batch port (nodeVerifyBatch: worker threads joined by the calling thread) gives, item for
// item, nodeVerify's verdict; and pcq verify's path (verifyManifestNode, which uses it) and the
// browser's ports (WebCrypto Ed25519 and bulk SHA-256) report exactly what verifyManifest with the
// per-signature port and synchronous SHA-256 reports, on manifests large enough for the batch to
// start workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WORKER_MESSAGE_MIN, spareBuffer, webCryptoVerify, webWorkerVerifyBatch, webWorkerVerifyPorts } from './ed25519-browser.ts';
import { verifyWorkerHandler, type StepWorkerSubtle } from './ed25519-step-share.ts';
import { nodeSigner, nodeVerify, nodeVerifyBatch, publicKeyFromSeed } from './ed25519-node.ts';
import { webCryptoSha256Batch } from './hash-webcrypto.ts';
import { sha256Node } from './hash-node.ts';
import { sha256Sync } from './hash-sync.ts';
import { serializeManifest } from './manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { sampleRun, RUNNER_SEED, OTHER_SEED } from './sample-run.fixture.ts';
import type { SignatureItem } from '../base/signer.ts';
import type { TrustStore } from './trust.ts';
import { verifyManifest } from './verify-manifest.ts';
import { verifyManifestNode } from './verify-node.ts';

const SMALL_ORDER_R = Uint8Array.from(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'));

/** 1,100 items (above BATCH_MIN, so worker threads take part), every kind of bad signature among the good ones. */
async function mixedItems(): Promise<SignatureItem[]> {
  const runner = nodeSigner(RUNNER_SEED);
  const other = nodeSigner(OTHER_SEED);
  const items: SignatureItem[] = [];
  for (let i = 0; i < 1100; i++) {
    const message = new TextEncoder().encode(`message ${i} `.repeat(i % 7));
    const signature = await (i % 11 === 5 ? other : runner).sign(message);
    switch (i % 9) {
      case 1:
        signature[i % 64]! ^= 1;
        break; // flipped signature bit
      case 3:
        if (message.length > 0) message[0]! ^= 1;
        else signature[0]! ^= 1;
        break; // flipped message bit
      case 4:
        items.push({ message, signature: signature.subarray(0, 63) });
        continue; // short
      case 6:
        signature[63] = 0xff;
        break; // S ≥ L
      case 8:
        signature.set(SMALL_ORDER_R, 0);
        break; // small-order R
    }
    items.push({ message, signature });
  }
  return items;
}

test('nodeVerifyBatch agrees with nodeVerify item by item, with and without help, small and large', async () => {
  const items = await mixedItems();
  const publicKey = publicKeyFromSeed(RUNNER_SEED);
  const expected = await Promise.all(items.map((it) => nodeVerify(publicKey, it.message, it.signature)));
  assert.ok(expected.includes(true) && expected.includes(false));
  for (const subset of [items, items.slice(0, 10)]) {
    const want = expected.slice(0, subset.length);
    assert.deepEqual(await nodeVerifyBatch(publicKey, subset).results, want); // the workers alone
    const helped = nodeVerifyBatch(publicKey, subset);
    helped.help(); // the calling thread takes part (or, here, does it all before a worker starts)
    helped.help(); // a second call is harmless
    assert.deepEqual(await helped.results, want);
  }
  // A key the strictness gate refuses (small order) or of the wrong length: everything is false.
  assert.deepEqual(
    await nodeVerifyBatch(SMALL_ORDER_R, items).results,
    items.map(() => false),
  );
  assert.deepEqual(
    await nodeVerifyBatch(publicKey.subarray(0, 31), items).results,
    items.map(() => false),
  );
  assert.deepEqual(await nodeVerifyBatch(publicKey, []).results, []);
});

/** A Web Worker stand-in running the worker's handler (shareVerifier) in this thread (messages cloned, as postMessage does). */
function fakeWorker(broken = false) {
  const listeners = new Map<string, Array<(event: { data?: unknown }) => void>>();
  const emit = (type: string, data?: unknown) => setImmediate(() => listeners.get(type)?.forEach((l) => l({ data })));
  const handle = verifyWorkerHandler(globalThis.crypto.subtle as unknown as StepWorkerSubtle, (data) => emit('message', structuredClone(data)));
  return {
    postMessage(data: unknown) {
      if (broken) return emit('error');
      setImmediate(() => handle(structuredClone(data)));
    },
    addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: { data?: unknown }) => void) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener]);
    },
  };
}

test("webWorkerVerifyBatch (the browser page's port) agrees with webCryptoVerify item by item, also when a worker fails", async () => {
  const items = await mixedItems();
  const publicKey = publicKeyFromSeed(RUNNER_SEED);
  const subtle = globalThis.crypto.subtle as unknown as Parameters<typeof webCryptoVerify>[0];
  const expected = await Promise.all(items.map((it) => webCryptoVerify(subtle)(publicKey, it.message, it.signature)));
  assert.deepEqual(expected, await Promise.all(items.map((it) => nodeVerify(publicKey, it.message, it.signature))));
  for (const [workers, create] of [
    [1, () => fakeWorker()],
    [2, () => fakeWorker()],
    [
      2,
      (() => {
        let k = 0;
        return () => fakeWorker(k++ === 1);
      })(),
    ],
  ] as const) {
    const batch = webWorkerVerifyBatch(subtle, { workers, create })!;
    assert.deepEqual(await batch(publicKey, items).results, expected);
    assert.deepEqual(await batch(publicKey, items.slice(0, 10)).results, expected.slice(0, 10)); // below the worker threshold
    assert.deepEqual(
      await batch(SMALL_ORDER_R, items).results,
      items.map(() => false),
    );
  }
  assert.equal(webWorkerVerifyBatch(subtle), undefined); // Node has no Web Worker global
  // eager (the verify page): the workers exist before the first batch, and give the same verdicts.
  let created = 0;
  const eager = webWorkerVerifyBatch(subtle, { workers: 2, eager: true, create: () => (created++, fakeWorker()) })!;
  assert.equal(created, 2);
  assert.deepEqual(await eager(publicKey, items).results, expected);
  assert.equal(created, 2);
});

test('webWorkerVerifyBatch: the caller taking items from the end (help) while the workers go on from the front gives the same verdicts', async () => {
  const items = await mixedItems();
  const publicKey = publicKeyFromSeed(RUNNER_SEED);
  const subtle = globalThis.crypto.subtle as unknown as Parameters<typeof webCryptoVerify>[0];
  const expected = await Promise.all(items.map((it) => webCryptoVerify(subtle)(publicKey, it.message, it.signature)));
  for (const [workers, create] of [
    [1, () => fakeWorker()],
    [2, () => fakeWorker()],
    [
      2,
      (() => {
        let k = 0;
        return () => fakeWorker(k++ === 1);
      })(),
    ],
  ] as const) {
    const batch = webWorkerVerifyBatch(subtle, { workers, create })!;
    for (const late of [false, true]) {
      const run = batch(publicKey, items);
      if (late) await new Promise((resolve) => setTimeout(resolve, 5)); // the workers are under way
      run.help();
      run.help(); // idempotent
      assert.deepEqual(await run.results, expected);
    }
  }
});

test('webWorkerVerifyPorts: a long message (the manifest signature) is verified on a worker with the same verdict as webCryptoVerify, also when the worker fails', async () => {
  const runner = nodeSigner(RUNNER_SEED);
  const publicKey = publicKeyFromSeed(RUNNER_SEED);
  const subtle = globalThis.crypto.subtle as unknown as Parameters<typeof webCryptoVerify>[0];
  const reference = webCryptoVerify(subtle);
  const long = new Uint8Array(WORKER_MESSAGE_MIN + 5).map((_, i) => i * 7);
  const good = await runner.sign(long);
  const flipped = long.slice();
  flipped[WORKER_MESSAGE_MIN]! ^= 1;
  const smallOrderR = good.slice();
  smallOrderR.set(SMALL_ORDER_R, 0);
  const inBigBuffer = new Uint8Array(long.length * 3);
  inBigBuffer.set(long, 100);
  const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
    [publicKey, long, good],
    [publicKey, inBigBuffer.subarray(100, 100 + long.length), good], // a view: only its bytes count
    [publicKey, flipped, good],
    [publicKey, long, smallOrderR], // refused by the gate before any worker
    [SMALL_ORDER_R, long, good],
    [publicKey, long, good.subarray(0, 63)],
    [publicKey, long.subarray(0, 100), await runner.sign(long.subarray(0, 100))], // short: on this thread
  ];
  const expected = await Promise.all(cases.map(([k, m, s]) => reference(k, m, s)));
  assert.deepEqual(expected, [true, true, false, false, false, false, true]);
  for (const broken of [false, true]) {
    let posted = 0;
    const ports = webWorkerVerifyPorts(subtle, {
      workers: 1,
      create: () => {
        const worker = fakeWorker(broken);
        return { ...worker, postMessage: (data: unknown) => (posted++, worker.postMessage(data)) };
      },
    })!;
    assert.deepEqual(await Promise.all(cases.map(([k, m, s]) => ports.verify(k, m, s))), expected);
    assert.equal(posted, 3); // the long messages the gate let through went to the worker
  }
});

test('verifyManifestNode (batch port) and the browser ports report exactly what verifyManifest with nodeVerify reports', async () => {
  const runner = nodeSigner(RUNNER_SEED);
  const trust: TrustStore = { keys: [{ name: 'k', publicKey: runner.keyid, roles: ['runner'], status: 'active', validFrom: null, validUntil: null }] };
  const { manifest } = await sampleRun({ steps: 90 });
  const variants: Manifest[] = [manifest];
  const edit = (f: (m: Manifest) => void): void => {
    const m = structuredClone(manifest);
    f(m);
    variants.push(m);
  };
  const flip = (sig: string): string => {
    const bytes = Buffer.from(sig, 'base64');
    bytes[7]! ^= 4;
    return bytes.toString('base64');
  };
  edit((m) => {
    m.steps[3]!.attestation.signatures[0]!.sig = flip(m.steps[3]!.attestation.signatures[0]!.sig);
  });
  edit((m) => {
    for (const i of [0, 44, 89]) m.steps[i]!.attestation.signatures[0]!.sig = flip(m.steps[i]!.attestation.signatures[0]!.sig);
  });
  edit((m) => {
    m.steps[5]!.attestation.signatures[0]!.sig = m.steps[5]!.attestation.signatures[0]!.sig.replace(/=$/, 'A');
  }); // not canonical base64
  edit((m) => {
    m.steps[6]!.attestation.signatures.push({ ...m.steps[6]!.attestation.signatures[0]! });
  }); // two signatures
  edit((m) => {
    m.steps[7]!.attestation.signatures[0]!.keyid = nodeSigner(OTHER_SEED).keyid;
  }); // another keyid
  edit((m) => {
    m.steps[8]!.attestation.payload = m.steps[9]!.attestation.payload;
  }); // another step's payload
  edit((m) => {
    m.steps[10]!.attestation.payload = 'not base64!';
  });
  edit((m) => {
    m.steps[11]!.attestation.signatures[0]!.keyid = 'G\ud800';
  }); // no canonical form (lone surrogate)
  edit((m) => {
    m.steps[12]!.proofs = { preconditions: ['\udc00'], postconditions: [] };
  });
  edit((m) => {
    m.steps[13]!.attestation.payloadType = 'application/vnd.in-toto+json; é';
  }); // non-ASCII in the envelope
  edit((m) => {
    m.steps[14]!.stepId = 'step-014 ✓';
  });
  edit((m) => {
    m.steps[15]!.inclusionProof.hashes[0] = 'ab'.repeat(32);
  });
  // The payload's own checks (a step job's readPredicate): one byte of the statement changed, the
  // statement re-encoded out of canonical form, another runbook named; and a proof placed elsewhere.
  const payloadEdit = (i: number, f: (json: string) => string) =>
    edit((m) => {
      const a = m.steps[i]!.attestation;
      a.payload = Buffer.from(f(Buffer.from(a.payload, 'base64').toString('utf8'))).toString('base64');
    });
  payloadEdit(16, (json) => json.replace('"predicate":', '"predicate" :'));
  payloadEdit(17, (json) => json.replace(/"runbookId":"[^"]*"/, '"runbookId":"OTHER"'));
  payloadEdit(18, (json) => json.replace(/"stepId":"[^"]*"/, '"stepId":"step-x"'));
  edit((m) => {
    m.steps[19]!.inclusionProof.leafIndex = 20;
  });
  edit((m) => {
    m.merkleRoot = 'sha256:' + 'cd'.repeat(32);
  });
  edit((m) => {
    (m.inputs as Record<string, unknown>).note = 'x\ud800';
  });
  for (const m of variants) {
    const text = serializeManifest(m);
    const reference = await verifyManifest(text, trust, nodeVerify, { sha256: sha256Node });
    assert.deepEqual(await verifyManifestNode(text, trust), reference);
    const subtle = globalThis.crypto.subtle as unknown as Parameters<typeof webCryptoVerify>[0] & Parameters<typeof webCryptoSha256Batch>[0];
    assert.deepEqual(await verifyManifest(text, trust, webCryptoVerify(subtle), { sha256Batch: webCryptoSha256Batch(subtle) }), reference);
    const verifyBatch = webWorkerVerifyBatch(subtle, { workers: 2, create: () => fakeWorker() });
    assert.deepEqual(await verifyManifest(text, trust, webCryptoVerify(subtle), { sha256Batch: webCryptoSha256Batch(subtle), verifyBatch }), reference);
    const ports = webWorkerVerifyPorts(subtle, { workers: 1, create: () => fakeWorker() })!; // as the verify page uses them
    assert.deepEqual(await verifyManifest(text, trust, ports.verify, { sha256Batch: webCryptoSha256Batch(subtle), verifyBatch: ports.batch }), reference);
    // As the verify page uses them now: every step's own checks as jobs (worker and this thread).
    const steps = { sha256: sha256Sync, sha256Batch: webCryptoSha256Batch(subtle), verifyBatch: ports.batch, stepJobs: ports.steps };
    assert.deepEqual(await verifyManifest(text, trust, ports.verify, steps), reference);
    const two = webWorkerVerifyPorts(subtle, { workers: 2, create: () => fakeWorker() })!;
    assert.deepEqual(await verifyManifest(text, trust, two.verify, { stepJobs: two.steps }), reference);
  }
});

// Blocks of BLOCK (128) steps: each block's hashes run while the next is read, and its fold joins
// them; failures in the first, a middle and the last block must land on the same steps, in order.
test('the browser ports agree with verifyManifest across several blocks of steps', async () => {
  const runner = nodeSigner(RUNNER_SEED);
  const trust: TrustStore = { keys: [{ name: 'k', publicKey: runner.keyid, roles: ['runner'], status: 'active', validFrom: null, validUntil: null }] };
  const { manifest } = await sampleRun({ steps: 300 });
  const flip = (sig: string): string => {
    const bytes = Buffer.from(sig, 'base64');
    bytes[9]! ^= 2;
    return bytes.toString('base64');
  };
  const tampered = structuredClone(manifest);
  for (const i of [0, 130, 255, 299]) tampered.steps[i]!.attestation.signatures[0]!.sig = flip(tampered.steps[i]!.attestation.signatures[0]!.sig);
  tampered.steps[200]!.inclusionProof.hashes[0] = 'ab'.repeat(32);
  tampered.steps[140]!.attestationHash = `sha256:${'0'.repeat(64)}`;
  const subtle = globalThis.crypto.subtle as unknown as Parameters<typeof webCryptoVerify>[0] & Parameters<typeof webCryptoSha256Batch>[0];
  const ports = webWorkerVerifyPorts(subtle, { workers: 1, create: () => fakeWorker() })!;
  const browser = (text: string) => verifyManifest(text, trust, ports.verify, { sha256Batch: webCryptoSha256Batch(subtle), verifyBatch: ports.batch });
  const jobs = (text: string) =>
    verifyManifest(text, trust, ports.verify, { sha256Batch: webCryptoSha256Batch(subtle), verifyBatch: ports.batch, stepJobs: ports.steps });
  const texts = [manifest, tampered].map((m) => serializeManifest(m));
  const references = await Promise.all(texts.map((text) => verifyManifest(text, trust, nodeVerify, { sha256: sha256Node })));
  assert.deepEqual(
    references.map((r) => r.ok),
    [true, false],
  );
  // In turn (the second reuses the first's buffers: the held message, the shares' buffers), then at once.
  for (const [k, text] of texts.entries()) assert.deepEqual(await browser(text), references[k]);
  assert.deepEqual(await Promise.all([...texts, ...texts].map(browser)), [...references, ...references]);
  for (const [k, text] of texts.entries()) assert.deepEqual(await jobs(text), references[k]);
  assert.deepEqual(await Promise.all([...texts, ...texts].map(jobs)), [...references, ...references]);
});

test('spareBuffer: the smallest returned buffer that fits, else a new one with room for a slightly larger next share', () => {
  const spare = [new ArrayBuffer(4 << 20), new ArrayBuffer(700_000), new ArrayBuffer(650_000)];
  assert.equal(spareBuffer(spare, 640_000).byteLength, 650_000); // best fit, not the first that fits
  assert.deepEqual(
    spare.map((b) => b.byteLength),
    [4 << 20, 700_000],
  );
  const fresh = spareBuffer([], 640_000);
  assert.ok(fresh.byteLength >= 640_000 * 1.25 && fresh.byteLength % 65536 === 0, `${fresh.byteLength}`);
  assert.ok(spareBuffer([fresh], 700_000) === fresh); // the next, larger share reuses it
});
