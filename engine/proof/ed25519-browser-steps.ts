// The browser verifier's step-job port (verify-step-job.ts) over its Web Workers: a block's jobs go
// to the workers as shares (one transferred buffer for the bytes, the small fields cloned), each
// worker checks its share from the front (ed25519-step-share.ts), and the page's main thread, once
// it has read the next block and needs this one, takes jobs from the end of each share a chunk at a
// time, telling the worker where to stop (the same stealing as the signature batches,
// ed25519-browser.ts). Every thread runs stepJobChecker with the same ports: WebCrypto Ed25519
// behind the strictness gate, WebCrypto SHA-256, sha256Sync (hash-sync.ts) for the short ones. A worker
// that fails hands its share back to the main thread.
import type { WorkerPool } from './ed25519-browser.ts';
import { spareBuffer, webCryptoVerify } from './ed25519-browser.ts';
import { STEAL_CHUNK, nextTask } from './ed25519-share-worker.ts';
import { sha256Sync } from './hash-sync.ts';
import { stepJobChecker, type StepJob, type StepJobOutcome, type StepJobPort, type StepJobTools } from './verify-step-job.ts';
import type { LinkFields } from './verify-links.ts';

type Subtle = Parameters<typeof webCryptoVerify>[0] & { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> };

/** Below this many jobs a worker round trip is not worth it. */
const WORKER_JOBS_MIN = 16;

/** What travels beside the buffer, per job (structured clone). */
export interface StepJobMeta {
  stepId: string;
  payloadType: string;
  payloadOffset: number;
  signature: boolean;
  inclusion: StepJob['inclusion'];
}

/** A worker's answer for a run of jobs, per job: results[i] 0 (not checked) or 1 + 2·signature + 4·inclusion. */
export interface StepShareReply {
  results: Uint8Array;
  digests: Uint8Array; // hash ‖ leaf, 64 bytes per job
  predicates: Array<{ predicate: LinkFields | undefined; problems: string[] } | null>;
}

/** A share's bytes in one buffer: data[offsets[2i]…offsets[2i+1]) the PAE, then …offsets[2i+2]) 0x00 ‖ JCS. */
function packJobs(jobs: readonly StepJob[], spare: ArrayBuffer[]): { data: Uint8Array; offsets: Uint32Array; signatures: Uint8Array; buffer: ArrayBuffer } {
  let total = 0;
  for (const j of jobs) total += j.signed.length + j.leafInput.length;
  const head = 4 * (2 * jobs.length + 1) + 64 * jobs.length;
  const buffer = spareBuffer(spare, head + total);
  const offsets = new Uint32Array(buffer, 0, 2 * jobs.length + 1);
  const signatures = new Uint8Array(buffer, 4 * (2 * jobs.length + 1), 64 * jobs.length);
  const data = new Uint8Array(buffer, head, total);
  let at = 0;
  jobs.forEach((j, i) => {
    offsets[2 * i] = at;
    data.set(j.signed, at);
    at += j.signed.length;
    offsets[2 * i + 1] = at;
    data.set(j.leafInput, at);
    at += j.leafInput.length;
    if (j.signature) signatures.set(j.signature, 64 * i);
    else signatures.fill(0, 64 * i, 64 * i + 64);
  });
  offsets[2 * jobs.length] = at;
  return { data, offsets, signatures, buffer };
}

export function jobMeta(j: StepJob): StepJobMeta {
  return { stepId: j.stepId, payloadType: j.payloadType, payloadOffset: j.payloadOffset, signature: j.signature !== undefined, inclusion: j.inclusion };
}

/** A partial answer's outcomes (jobs from … from+n), or undefined when it is not one. */
function readPartial(data: Record<string, unknown>): { from: number; outcomes: Array<StepJobOutcome | undefined> } | undefined {
  const { from, results, digests, predicates } = data;
  if (typeof from !== 'number' || !(results instanceof Uint8Array) || !(digests instanceof Uint8Array) || !Array.isArray(predicates)) return undefined;
  const n = results.length;
  if (digests.length !== 64 * n || predicates.length !== n) return undefined;
  const outcomes = Array.from(results, (code, j) => {
    const p = predicates[j] as StepShareReply['predicates'][number];
    if ((code & 1) !== 1 || !p || !Array.isArray(p.problems)) return undefined;
    return {
      signature: (code & 2) === 2,
      inclusion: (code & 4) === 4,
      hash: digests.slice(64 * j, 64 * j + 32),
      leaf: digests.slice(64 * j + 32, 64 * j + 64),
      predicate: p.predicate,
      payloadProblems: p.problems,
    };
  });
  return { from, outcomes };
}

/** The tools every thread checks jobs with (the worker builds the same from its own crypto.subtle). */
export function browserStepTools(subtle: Subtle, verify: StepJobTools['verify'] = webCryptoVerify(subtle)): StepJobTools {
  return {
    verify,
    digest: async (data) => new Uint8Array(await subtle.digest('SHA-256', data)),
    sha256: sha256Sync,
  };
}

/** One share on a worker: outcomes as they come, the worker's progress from the front, the main thread's from the back. */
interface ShareState {
  share: readonly StepJob[];
  out: Array<StepJobOutcome | undefined>;
  front: number; // jobs [0, front) reported by the worker
  from: number; // jobs [from, length) checked by this thread
  settled: boolean; // the worker has finished (or failed) the share
  wake?: () => void;
  limit(index: number): void;
}

export function workerStepJobs(subtle: Subtle, pool: () => WorkerPool | undefined): StepJobPort {
  const tools = browserStepTools(subtle);
  return (context, jobs) => {
    const check = stepJobChecker(context, tools);
    const p = jobs.length >= WORKER_JOBS_MIN ? pool() : undefined;
    if (!p) return { results: Promise.all(jobs.map(check)), help: () => undefined };
    const size = Math.ceil(jobs.length / p.size);
    const shares = Array.from({ length: p.size }, (_, k) => jobs.slice(k * size, (k + 1) * size)).filter((s) => s.length > 0);
    const states: ShareState[] = shares.map((share, k) => {
      const state: ShareState = { share, out: new Array(share.length), front: 0, from: share.length, settled: false, limit: () => undefined };
      const onPartial = (data: Record<string, unknown>): void => {
        const got = readPartial(data);
        if (!got || got.from !== state.front) return; // in order, or not at all
        got.outcomes.forEach((o, j) => (state.out[got.from + j] ??= o));
        if (got.outcomes.every((o) => o !== undefined)) state.front = got.from + got.outcomes.length;
        state.wake?.();
      };
      const build = (id: number) => {
        const { data, offsets, signatures, buffer } = packJobs(share, p.spare);
        const message = {
          id,
          kind: 'steps',
          key: context.publicKey,
          root: context.merkleRoot,
          header: context.header,
          data,
          offsets,
          signatures,
          meta: share.map(jobMeta),
        };
        return { message, transfer: [buffer] };
      };
      const run = p.post(k, build, onPartial, 'steps');
      state.limit = run.limit;
      void run.reply.then(() => {
        state.settled = true;
        state.wake?.();
      });
      return state;
    });
    const covered = (s: ShareState): boolean => s.front >= s.from;
    let helping: Promise<void> | undefined;
    const help = async (): Promise<void> => {
      for (;;) {
        const open = states.filter((s) => !s.settled && !covered(s));
        if (open.length === 0) return;
        for (const s of open) {
          const to = Math.max(s.front, s.from - STEAL_CHUNK);
          s.limit(to); // before checking: the worker must not count on these
          const chunk = s.share.slice(to, s.from);
          const outcomes = await Promise.all(chunk.map(check));
          outcomes.forEach((o, j) => (s.out[to + j] ??= o));
          s.from = to;
          if (covered(s)) s.wake?.();
        }
        await nextTask(); // the workers' progress comes in between chunks
      }
    };
    const results = (async () => {
      for (const s of states) while (!covered(s) && !s.settled) await new Promise<void>((resolve) => (s.wake = resolve));
      await helping;
      const out: StepJobOutcome[] = [];
      for (const s of states) for (const [j, job] of s.share.entries()) out.push(s.out[j] ?? (await check(job))); // a failed worker's rest
      return out;
    })();
    return { results, help: () => void (helping ??= help()) };
  };
}
