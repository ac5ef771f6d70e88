// Collects the files export steps produce during a run. Nothing reaches attestations/ until the
// run is sealed: only then do we know whether a prover failed and the files are withheld.
// Each attempt of a step writes into its own stage; only the attempt the scheduler accepts is
// committed (issue 9, "only accepted attempts exist"). A stage whose attempt was abandoned (timed
// out, aborted) is discarded at once and refuses further writes, so a late attempt leaves nothing.
import { createHash } from 'node:crypto';
import { PcqError } from '../base/errors.ts';
import type { ArtifactRef, ArtifactSink } from '../base/step-ports.ts';

export interface CollectedArtifact extends ArtifactRef {
  stepId: string;
  bytes: Uint8Array;
}

/** The artifacts of one attempt of one step: a sink for the step, then commit or discard. */
export interface ArtifactStage {
  readonly sink: ArtifactSink;
  /** Makes the attempt's artifacts the run's (the scheduler accepted the attempt). */
  commit(): void;
  /** Drops them; later writes to the sink are refused. */
  discard(): void;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class ArtifactCollector {
  /** Committed artifacts: those of accepted attempts only. */
  readonly artifacts = new Map<string, CollectedArtifact>();
  private readonly live = new Set<Map<string, CollectedArtifact>>();
  private readonly isBlocked: () => boolean;

  /** `isBlocked`: true once any prover of the run has failed (exports may no longer leave). */
  constructor(isBlocked: () => boolean = () => false) {
    this.isBlocked = isBlocked;
  }

  /** A stage for one attempt; aborting `signal` (the scheduler abandoned the attempt) discards it. */
  stage(stepId: string, signal?: AbortSignal): ArtifactStage {
    const staged = new Map<string, CollectedArtifact>();
    let closed = false;
    this.live.add(staged);
    const close = (): void => {
      closed = true;
      this.live.delete(staged);
      signal?.removeEventListener('abort', discard);
    };
    const discard = (): void => {
      if (closed) return;
      close();
      staged.clear();
    };
    signal?.addEventListener('abort', discard, { once: true });
    const sink: ArtifactSink = {
      write: async (name, bytes, mediaType) => {
        if (closed) throw signal?.reason ?? abandoned(stepId, name);
        this.checkName(stepId, name, staged);
        const ref: ArtifactRef = { name, mediaType, digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength };
        staged.set(name, { ...ref, stepId, bytes });
        return ref;
      },
      read: (name) => this.read(name),
    };
    return {
      sink,
      commit: () => {
        if (closed) return;
        for (const [name, artifact] of staged) this.artifacts.set(name, artifact);
        close();
      },
      discard,
    };
  }

  /** A sink that commits each write at once (tests and single-attempt callers). */
  sinkFor(stepId: string): ArtifactSink {
    return {
      write: async (name, bytes, mediaType) => {
        const stage = this.stage(stepId);
        const ref = await stage.sink.write(name, bytes, mediaType);
        stage.commit();
        return ref;
      },
      read: (name) => this.read(name),
    };
  }

  list(): CollectedArtifact[] {
    return [...this.artifacts.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private checkName(stepId: string, name: string, own: Map<string, CollectedArtifact>): void {
    if (!SAFE_NAME.test(name) || name.includes('..')) {
      throw new PcqError({
        code: 'PCQ_ARTIFACT_NAME',
        message: `artifact "${name}" is not a plain file name`,
        hint: 'Use letters, digits, ".", "_" and "-" only.',
      });
    }
    // Another step owns the name if it committed it or is writing it now; an earlier attempt of
    // this same step does not (its artifact is replaced, or was discarded with its attempt).
    let owner = this.artifacts.get(name)?.stepId;
    if (owner === stepId) owner = undefined;
    for (const stage of this.live) {
      if (owner !== undefined) break;
      const other = stage === own ? undefined : stage.get(name);
      if (other && other.stepId !== stepId) owner = other.stepId;
    }
    if (owner !== undefined) {
      throw new PcqError({
        code: 'PCQ_ARTIFACT_DUPLICATE',
        message: `artifact "${name}" is written by both ${owner} and ${stepId}`,
        hint: 'Give each export a distinct `name`.',
      });
    }
  }

  // Reading an artifact is how it leaves the run (a notify attachment): after a failed
  // prover (pre or post) nothing leaves, so that zero exports go out with a failed proof. Only committed
  // artifacts can be read: a step never sees another attempt's or an unaccepted step's files.
  private async read(name: string): Promise<Uint8Array | undefined> {
    if (this.isBlocked()) {
      throw new PcqError({
        code: 'PCQ_EXPORT_BLOCKED',
        message: `artifact "${name}" cannot leave the run: a precondition or postcondition has failed, so its exports are withheld`,
        hint: 'The ombuds review decides; after approval the exports are released from withheld/.',
      });
    }
    return this.artifacts.get(name)?.bytes;
  }
}

function abandoned(stepId: string, name: string): PcqError {
  return new PcqError({
    code: 'PCQ_RUN_ABORTED',
    message: `step ${stepId} wrote artifact "${name}" after its attempt was abandoned`,
    hint: "Nothing an abandoned attempt writes is kept; the accepted attempt's artifacts are.",
  });
}
