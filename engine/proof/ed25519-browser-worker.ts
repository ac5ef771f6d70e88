// Entry of a browser verify worker: a module file that the site's bundler (Vite, in the Astro
// build) emits as its own script, created by webWorkerVerifyPorts (ed25519-browser.ts) with
// `new Worker(new URL('./ed25519-browser-worker.ts', import.meta.url), { type: 'module' })`.
// No worker is ever built from source text (engine/README.md "Security core"). It answers signature
// shares and step-job shares (verifyWorkerHandler, ed25519-step-share.ts).
import { verifyWorkerHandler, type StepWorkerSubtle } from './ed25519-step-share.ts';

// The dedicated worker's global scope (tsconfig's lib is DOM, not WebWorker, hence the cast).
const scope = globalThis as unknown as {
  crypto: { subtle: StepWorkerSubtle };
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
};
const handle = verifyWorkerHandler(scope.crypto.subtle, (message, transfer) => scope.postMessage(message, transfer));
scope.addEventListener('message', (event) => handle(event.data));
