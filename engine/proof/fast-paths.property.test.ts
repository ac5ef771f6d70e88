// The verifier's fast paths against their reference definitions (fast-check): the in-place layout
// comparison against serializeManifest, the in-place JCS comparison against canonicalize, and the
// table-driven base64/hex decoders against the canonical round-trip rule (RFC 4648 §3.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromBase64, fromHex, toBase64 } from './bytes.ts';
import { canonicalize, isCanonicalText } from './jcs.ts';
import { hasCanonicalLayout, serializeManifest } from './manifest.ts';

const key = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('0', '1', '10', '2', '01', '-1', '4294967295', '4294967294', '__proto__', 'B', '\ud800', '"'),
);
const str = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\ud800', '\udc00x', 'a\ud83d\ude00', '\\', '"', '\n', '\u2028'));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    str,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(-0),
    fc.constant(1e21),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 5 }),
  ),
}));
const edits = (t: string, k: number, ins: string): string[] => {
  const i = k % (t.length + 1);
  return [t, t.slice(0, i) + ins + t.slice(i + 1), t.slice(0, i) + ins + t.slice(i), t.slice(0, i) + t.slice(i + 1), t + '\n'];
};

test('hasCanonicalLayout(v, text) is serializeManifest(v) === text for JSON.parse values', () => {
  fc.assert(
    fc.property(tree, fc.nat(), fc.string({ maxLength: 2 }), (v0, k, ins) => {
      const v = JSON.parse(serializeManifest(v0));
      const t = serializeManifest(v);
      return [...edits(t, k, ins), JSON.stringify(v, null, 2) + '\n', JSON.stringify(v) + '\n'].every((x) => hasCanonicalLayout(v, x) === (t === x));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(tree, fc.nat(), fc.constantFrom(' ', '\n', ',', '0', '"', '}', ']', 'e', '-', '\\u0041'), (v0, k, ins) => {
      const t = serializeManifest(v0);
      const i = k % (t.length + 1);
      const changed = t.slice(0, i) + ins + t.slice(i);
      let parsed: unknown;
      try {
        parsed = JSON.parse(changed);
      } catch {
        return true;
      }
      return hasCanonicalLayout(parsed, changed) === (serializeManifest(parsed) === changed);
    }),
    { numRuns: 3000 },
  );
});

test('isCanonicalText(v, text) is canonicalize(v) === text, and false wherever canonicalize throws', () => {
  const canon = (v: unknown) => {
    try {
      return canonicalize(v);
    } catch {
      return undefined;
    }
  };
  fc.assert(
    fc.property(tree, fc.nat(), fc.string({ maxLength: 2 }), (v, k, ins) => {
      const c = canon(v);
      const texts = [...(c === undefined ? [] : edits(c, k, ins)), JSON.stringify(v) ?? ''];
      return texts.every((t) => isCanonicalText(v, t) === (c === t));
    }),
    { numRuns: 3000 },
  );
  assert.equal(isCanonicalText({ a: '\ud800' }, '{"a":"\\ud800"}'), false); // JSON.stringify's spelling, but not I-JSON
  assert.throws(() => canonicalize({ a: ['\ud800'] }), /at \.a\[0\]/); // the traced pass still names the path
});

test('fromBase64 accepts exactly the canonical padded encodings; fromHex exactly even-length hex', () => {
  const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \u00e9'.split(''));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.array(alphabet, { maxLength: 16 }).map((a) => a.join('')),
        fc.uint8Array({ maxLength: 16 }).map((u) => toBase64(u)),
      ),
      (s) => {
        const out = fromBase64(s);
        const canonical = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s) && Buffer.from(s, 'base64').toString('base64') === s;
        return canonical
          ? out !== undefined && Buffer.from(out).toString('base64') === s && Object.getPrototypeOf(out) === Uint8Array.prototype
          : out === undefined;
      },
    ),
    { numRuns: 5000 },
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.array(fc.constantFrom(...'0123456789abcdefABCDEFg \u0660'.split('')), { maxLength: 12 }).map((a) => a.join('')),
      ),
      (s) => {
        const out = fromHex(s);
        return /^(?:[0-9a-fA-F]{2})*$/.test(s) ? out !== undefined && Buffer.from(out).toString('hex') === s.toLowerCase() : out === undefined;
      },
    ),
    { numRuns: 5000 },
  );
});
