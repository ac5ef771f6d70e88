// The in-toto legacy signature input (securesystemslib encode_canonical) and keyid, checked against
// fixed vectors and, where Debian's python3-securesystemslib is installed, against it directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeOlpcCanonical } from './olpc-canonical.ts';
import { sslibEd25519Key } from './in-toto-layout.ts';

const VALUE = { b: [1, 'x"y\\z', null, true, false], a: { é: 'line\nbreak', Z: -3 }, '': {} };

test('OLPC canonical JSON: sorted keys, no whitespace, only quote and backslash escaped', () => {
  assert.equal(encodeOlpcCanonical(VALUE), '{"":{},"a":{"Z":-3,"é":"line\nbreak"},"b":[1,"x\\"y\\\\z",null,true,false]}');
  assert.throws(() => encodeOlpcCanonical({ x: 1.5 }), /integers only/);
});

test('agrees with securesystemslib encode_canonical and _get_keyid (Debian python3-securesystemslib)', (t) => {
  const raw = new Uint8Array(32).map((_, i) => i * 7);
  const script = [
    'import json,sys',
    'from securesystemslib import formats, keys',
    'v=json.loads(sys.argv[1])',
    'print(json.dumps(formats.encode_canonical(v)))',
    "print(keys._get_keyid('ed25519','ed25519',{'public':sys.argv[2]}))",
  ].join('\n');
  const hex = Buffer.from(raw).toString('hex');
  const res = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(VALUE), hex], { encoding: 'utf8', timeout: 20_000 });
  if (res.status !== 0) {
    t.skip(`python3-securesystemslib unavailable: ${res.stderr.slice(0, 200)}`);
    return;
  }
  const [canonical, keyid] = res.stdout.trim().split('\n');
  assert.equal(encodeOlpcCanonical(VALUE), JSON.parse(canonical!) as string);
  assert.equal(sslibEd25519Key(raw).keyid, keyid);
});
