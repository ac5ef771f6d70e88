// Entry of a browser verify worker: a module file that the site's bundler (Vite, in the Astro
// build) emits as its own script, created by webWorkerVerifyBatch (ed25519-browser.ts) with
// `new Worker(new URL('./ed25519-browser-worker.ts', import.meta.url), { type: 'module' })`.
// No worker is ever built from source text (engine/README.md "Security core").
import { shareVerifier, type WorkerSubtle } from './ed25519-share-worker.ts';

// The dedicated worker's global scope (tsconfig's lib is DOM, not WebWorker, hence the cast).
const scope = globalThis as unknown as {
  crypto: { subtle: WorkerSubtle };
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: Parameters<ReturnType<typeof shareVerifier>>[0] }) => void): void;
};
const handle = shareVerifier(scope.crypto.subtle, (message, transfer) => scope.postMessage(message, transfer));
scope.addEventListener('message', (event) => void handle(event.data));
