// What a browser verify worker does with a share of step jobs (ed25519-browser-steps.ts):
// input {id, kind: 'steps', key, root, header, data, offsets, signatures, meta}, the bytes as views
// over one transferred buffer (job i's PAE is data[offsets[2i] … offsets[2i+1]), its 0x00 ‖ JCS
// data[offsets[2i+1] … offsets[2i+2]), its signature signatures[64i … 64i+64)); and {id, kind:
// 'steps', limit}: stop before job `limit` (the main thread has taken the rest), which may arrive
// before the share starts. Shares are checked one after the other, in the order they came (the
// main thread needs the oldest first), a chunk at a time; each chunk's outcomes go back at once as
// {id, partial: true, from, results, digests, predicates} (StepShareReply for jobs from … from+n),
// so the main thread never waits for a worker that is busy elsewhere to report jobs it has already
// checked itself; the share ends with {id, recycle}, its buffer back for the next share. Between
// chunks it yields one task so a limit gets in. The same checker as every other thread
// (stepJobChecker, verify-step-job.ts). Plain module code, no source text; tests drive it in-thread.
import { webCryptoVerify } from './ed25519-browser.ts';
import { browserStepTools, type StepJobMeta, type StepShareReply } from './ed25519-browser-steps.ts';
import { STEAL_CHUNK, nextTask, shareVerifier, type WorkerSubtle } from './ed25519-share-worker.ts';
import { stepJobChecker, type StepJob, type StepJobContext } from './verify-step-job.ts';

export type StepWorkerSubtle = WorkerSubtle & { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> };

export interface StepShareMessage {
  id: number;
  kind?: string;
  key?: Uint8Array;
  root?: Uint8Array;
  header?: StepJobContext['header'];
  data?: Uint8Array;
  offsets?: Uint32Array;
  signatures?: Uint8Array;
  meta?: StepJobMeta[];
  limit?: number;
}

export type PostStepReply = (message: unknown, transfer: ArrayBuffer[]) => void;

/** The share's jobs, or undefined when the buffers do not describe them (then the main thread checks the share). */
function unpackJobs(m: StepShareMessage): StepJob[] | undefined {
  const { data, offsets, signatures, meta } = m;
  if (!data || !offsets || !signatures || !Array.isArray(meta)) return undefined;
  const n = meta.length;
  if (offsets.length !== 2 * n + 1 || signatures.length !== 64 * n || offsets[0] !== 0 || offsets[2 * n] !== data.length) return undefined;
  const jobs: StepJob[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [offsets[2 * i]!, offsets[2 * i + 1]!, offsets[2 * i + 2]!];
    if (b < a || c < b) return undefined;
    const x = meta[i]!;
    jobs.push({
      stepId: x.stepId,
      payloadType: x.payloadType,
      signed: data.subarray(a, b),
      payloadOffset: x.payloadOffset,
      signature: x.signature ? signatures.subarray(64 * i, 64 * i + 64) : undefined,
      leafInput: data.subarray(b, c),
      inclusion: x.inclusion,
    });
  }
  return jobs;
}

/** Limits kept for shares not yet seen: a few, so a stray id cannot grow the map. */
const MAX_EARLY_LIMITS = 64;

/** The worker's handler for step shares and their limits. */
export function stepShareChecker(subtle: StepWorkerSubtle, post: PostStepReply): (message: StepShareMessage) => void {
  const tools = browserStepTools(subtle, webCryptoVerify(subtle)); // keys imported once per public key, kept
  const limits = new Map<number, number>();
  let queue: Promise<void> = Promise.resolve();
  const run = async (m: StepShareMessage): Promise<void> => {
    const jobs = unpackJobs(m);
    const recycle = m.data?.buffer instanceof ArrayBuffer ? m.data.buffer : undefined;
    const finish = (): void => {
      limits.delete(m.id);
      post(recycle ? { id: m.id, recycle } : { id: m.id }, recycle ? [recycle] : []);
    };
    if (!jobs || !m.key || !m.root || !m.header) return finish(); // nothing reported: the main thread checks the share
    const check = stepJobChecker({ publicKey: m.key, merkleRoot: m.root, header: m.header }, tools);
    limits.set(m.id, Math.min(jobs.length, limits.get(m.id) ?? jobs.length));
    for (let from = 0; ; from += STEAL_CHUNK) {
      if (from > 0) await nextTask();
      const to = Math.min(from + STEAL_CHUNK, limits.get(m.id)!);
      if (to <= from) break;
      const outcomes = await Promise.all(jobs.slice(from, to).map(check));
      const reply: StepShareReply = { results: new Uint8Array(outcomes.length), digests: new Uint8Array(64 * outcomes.length), predicates: [] };
      outcomes.forEach((o, i) => {
        reply.results[i] = 1 | (o.signature ? 2 : 0) | (o.inclusion ? 4 : 0);
        reply.digests.set(o.hash, 64 * i);
        reply.digests.set(o.leaf, 64 * i + 32);
        reply.predicates.push({ predicate: o.predicate, problems: o.payloadProblems });
      });
      post({ id: m.id, partial: true, from, ...reply }, [reply.results.buffer as ArrayBuffer, reply.digests.buffer as ArrayBuffer]);
    }
    finish();
  };
  return (m) => {
    if (m.limit !== undefined) {
      if (!limits.has(m.id) && limits.size >= MAX_EARLY_LIMITS) limits.delete(limits.keys().next().value!);
      limits.set(m.id, Math.min(m.limit, limits.get(m.id) ?? m.limit));
      return;
    }
    queue = queue.then(() => run(m)).catch(() => undefined);
  };
}

/**
 * Everything a verify worker does with its messages (ed25519-browser-worker.ts, and the tests'
 * in-thread workers): step shares and their limits (kind 'steps') to stepShareChecker, the rest
 * (signature shares and their limits) to shareVerifier.
 */
export function verifyWorkerHandler(subtle: StepWorkerSubtle, post: (message: unknown, transfer: ArrayBuffer[]) => void): (data: unknown) => void {
  const signatures = shareVerifier(subtle, post);
  const steps = stepShareChecker(subtle, post);
  return (data) => {
    if (typeof data !== 'object' || data === null) return;
    const m = data as StepShareMessage & Parameters<typeof signatures>[0];
    if (m.kind === 'steps') return steps(m);
    void signatures(m);
  };
}
