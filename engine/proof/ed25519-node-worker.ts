// A worker thread of nodeVerifyBatch (ed25519-node.ts): imports the batch's public key, runs the
// shared claim loop over the batch's shared memory, then says it is done. Loaded as a module file
// (never from source text): from the source tree, Node strips the types of this file and of the
// loop (no tsx in a worker: execArgv is empty); from a bundle, scripts/build.mjs emits
// ed25519-node-worker.mjs beside the bundle files.
import { createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { claimLoop } from './ed25519-claim-loop.ts';

interface BatchData {
  x: string; // the public key, base64url (JWK `x`)
  state: SharedArrayBuffer;
  results: SharedArrayBuffer;
  data: SharedArrayBuffer;
  offsets: SharedArrayBuffer;
  sigs: SharedArrayBuffer;
}

const d = workerData as BatchData;
const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: d.x }, format: 'jwk' });
claimLoop(new Int32Array(d.state), new Uint8Array(d.results), new Uint8Array(d.data), new Int32Array(d.offsets), new Uint8Array(d.sigs), key);
parentPort?.postMessage(0);
