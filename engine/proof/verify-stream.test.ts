// The streaming verifier's pieces against their whole-input references (issue 16): the byte scanner
// against JSON.parse at every chunk size (escapes and multi-byte characters split across chunks,
// hostile separators), the streamed Ed25519 check against node:crypto, the cached inclusion walk
// against verifyInclusion, and the Merkle frontier against merkleRoot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { nodeVerify } from './ed25519-node.ts';
import { streamingEd25519Verify } from './ed25519-stream.ts';
import { sha256Node } from './hash-node.ts';
import { scanManifest, streamSteps, type ManifestSource } from './manifest-scan.ts';
import { InclusionVerifier, MerkleFrontier, leafHash, merkleRoot, merkleTree, verifyInclusion } from './merkle.ts';
import { fromHex, toHex } from './bytes.ts';

/** Chunks through one reused buffer, as fileSource reads a file: a reader must copy what it keeps. */
function chunked(text: string, size: number): ManifestSource {
  const bytes = new TextEncoder().encode(text);
  return {
    async *chunks() {
      const buffer = new Uint8Array(size);
      for (let o = 0; o < bytes.length; o += size) {
        const n = Math.min(size, bytes.length - o);
        buffer.set(bytes.subarray(o, o + n));
        yield buffer.subarray(0, n);
      }
    },
  };
}

async function pieces(text: string, size: number): Promise<{ header: unknown; steps: unknown[]; spacing: boolean[]; whitespace?: number }> {
  const src = chunked(text, size);
  const scan = await scanManifest(src);
  const header = JSON.parse(scan.header) as { steps?: unknown };
  const steps: unknown[] = [];
  const spacing: boolean[] = [];
  const region = scan.stepRegions.at(-1);
  if (region) {
    for await (const st of streamSteps(src, region)) {
      steps.push(JSON.parse(st.text));
      spacing.push(st.canonicalSpacing);
    }
    assert.equal(region.elements, steps.length);
  }
  return { header, steps, spacing, ...(region ? { whitespace: region.whitespace } : {}) };
}

const tricky = {
  actor: 'a "quoted" \\ back\\\\slash',
  steps: [{ stepId: 's0', note: 'ends with \\', more: ['é', '日本', '😀', { '"steps"': [1, 2] }] }, { stepId: 's1', x: '\\"' }, 3, 'str,]', null],
  tail: { steps: 'not the top-level one' },
};

test('the scanner splits a manifest exactly as JSON.parse reads it, at every chunk size', async () => {
  for (const text of [JSON.stringify(tricky, null, 2) + '\n', JSON.stringify(tricky), JSON.stringify({ ...tricky, steps: [] }, null, 2)]) {
    const whole = JSON.parse(text) as Record<string, unknown>;
    for (const size of [1, 2, 3, 5, 7, 16, 1024]) {
      const got = await pieces(text, size);
      assert.deepEqual(got.steps, whole.steps, `steps at chunk ${size}`);
      assert.deepEqual({ ...(got.header as object), steps: whole.steps }, whole, `header at chunk ${size}`);
      // The list's whitespace outside strings (what JCS drops): text written by JSON.stringify is
      // JSON.stringify's compact form plus exactly that whitespace.
      const utf8Length = (t: string): number => new TextEncoder().encode(t).length;
      const list = text.slice(text.lastIndexOf('"steps": [') + '"steps": '.length);
      const listText = list.slice(0, JSON.stringify(whole.steps, null, text.includes('\n') ? 2 : undefined).replaceAll('\n', '\n  ').length);
      assert.equal(got.whitespace, utf8Length(listText) - utf8Length(JSON.stringify(whole.steps)), `whitespace at chunk ${size}`);
    }
  }
  // Canonical spacing is "\n    " before each element and "\n  " before the closing bracket.
  assert.deepEqual((await pieces(JSON.stringify(tricky, null, 2), 4)).spacing, [true, true, true, true, true]);
  assert.deepEqual((await pieces(JSON.stringify(tricky), 4)).spacing, [false, false, false, false, false]);
});

test('the scanner refuses what JSON.parse refuses: missing elements, an unclosed list, and keeps the last of two steps keys', async () => {
  for (const bad of ['{"steps": [1,]}', '{"steps": [,1]}', '{"steps": [1,,2]}', '{"steps": [1']) {
    await assert.rejects(pieces(bad, 3), SyntaxError, bad);
  }
  const twice = await pieces('{"steps": [1, 2], "steps": [3]}', 2);
  assert.deepEqual(twice.steps, [3]);
  // A key spelled with an escape is the same key to JSON.parse.
  assert.deepEqual((await pieces('{"st\\u0065ps": [4, 5]}', 3)).steps, [4, 5]);
});

test('a streamed Ed25519 verification agrees with node:crypto, however the message is cut', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(3000), { maxLength: 6 }), fc.nat(3), async (message, cuts, tamper) => {
      const sig = new Uint8Array(sign(null, message, privateKey));
      const msg = message.slice();
      if (tamper === 1 && msg.length > 0) msg[0]! ^= 1;
      if (tamper === 2) sig[5]! ^= 4;
      if (tamper === 3) sig[40]! ^= 4;
      const v = streamingEd25519Verify(raw, sig, createHash('sha512'));
      let at = 0;
      for (const c of [...cuts.map((c) => c % (msg.length + 1))].sort((a, b) => a - b)) {
        v.update(msg.subarray(at, c));
        at = c;
      }
      v.update(msg.subarray(at));
      assert.equal(v.verify(), await nodeVerify(raw, msg, sig));
    }),
    { numRuns: 60 },
  );
});

test('the cached inclusion walk and the frontier give verifyInclusion and merkleRoot verdicts', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.tuple(fc.nat(69), fc.nat(10)), { maxLength: 4 }), (n, edits) => {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`, sha256Node));
      const tree = merkleTree(leaves, sha256Node);
      const frontier = new MerkleFrontier(sha256Node);
      for (const l of leaves) frontier.add(l);
      assert.deepEqual(frontier.root(), merkleRoot(leaves, sha256Node));
      const paths = tree.proofs.map((p) => p.hashes.map(toHex));
      for (const [i, h] of edits) if (i < n && paths[i]!.length > 0) paths[i]![h % paths[i]!.length] = toHex(sha256Node(`edit ${h}`));
      const cached = new InclusionVerifier(tree.root, sha256Node);
      for (let i = 0; i < n; i++) {
        const expected = verifyInclusion(
          i,
          n,
          leaves[i]!,
          paths[i]!.map((h) => fromHex(h)!),
          tree.root,
          sha256Node,
        );
        assert.equal(cached.verify(i, n, leaves[i]!, paths[i]!, fromHex), expected, `leaf ${i} of ${n}`);
      }
    }),
    { numRuns: 80 },
  );
});
