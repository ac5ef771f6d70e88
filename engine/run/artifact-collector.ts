// Collects the files export steps produce during a run. Nothing reaches attestations/ until the
// run is sealed: only then do we know whether a postcondition failed and the files are withheld.
import { createHash } from 'node:crypto';
import { PcqError } from '../base/errors.ts';
import type { ArtifactRef, ArtifactSink } from '../base/step-ports.ts';

export interface CollectedArtifact extends ArtifactRef {
  stepId: string;
  bytes: Uint8Array;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class ArtifactCollector {
  readonly artifacts = new Map<string, CollectedArtifact>();
  private readonly isBlocked: () => boolean;

  /** `isBlocked`: true once any postcondition of the run has failed (exports may no longer leave). */
  constructor(isBlocked: () => boolean = () => false) {
    this.isBlocked = isBlocked;
  }

  sinkFor(stepId: string): ArtifactSink {
    return {
      write: async (name, bytes, mediaType) => {
        if (!SAFE_NAME.test(name) || name.includes('..')) {
          throw new PcqError({ code: 'PCQ_ARTIFACT_NAME', message: `artifact name "${name}" is not a plain file name`, hint: 'Use letters, digits, ".", "_" and "-" only.' });
        }
        const existing = this.artifacts.get(name);
        if (existing && existing.stepId !== stepId) {
          throw new PcqError({ code: 'PCQ_ARTIFACT_DUPLICATE', message: `artifact "${name}" is written by both ${existing.stepId} and ${stepId}`, hint: 'Give each export a distinct `name`.' });
        }
        const ref: ArtifactRef = { name, mediaType, digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength };
        this.artifacts.set(name, { ...ref, stepId, bytes });
        return ref;
      },
      // Reading an artifact is how it leaves the run (a notify attachment): after a failed
      // postcondition nothing leaves, so that zero exports go out with a failed proof.
      read: async (name) => {
        if (this.isBlocked()) {
          throw new PcqError({
            code: 'PCQ_EXPORT_BLOCKED',
            message: `artifact "${name}" cannot leave the run: a postcondition has failed, so its exports are withheld`,
            hint: 'The ombuds review decides; after approval the exports are released from withheld/.',
          });
        }
        return this.artifacts.get(name)?.bytes;
      },
    };
  }

  list(): CollectedArtifact[] {
    return [...this.artifacts.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
