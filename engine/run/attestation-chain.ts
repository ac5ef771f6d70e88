// Signs step attestations in chain order (topological, ties by stepId — docs/design.md §5) as soon as
// every step before a given one has finished. Steps finish in any order when branches run in
// parallel; the chain waits for its predecessor, so the signed chain never depends on timing.
import type { Signer } from '../base/signer.ts';
import { attestStep } from '../proof/attest.ts';
import { sha256Node } from '../proof/hash-node.ts';
import type { StepRecord } from '../base/signed-records.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import type { PrivateOpening } from '../proof/private-commitment.ts';

export interface RunIdentity {
  runbookId: string;
  runbookVersion: string;
  runbookDigest: string;
  asOf: string;
  /** The run's inputs (part of a private step's salt context). */
  params?: unknown;
}

export interface ChainLink {
  stepId: string;
  envelope: DsseEnvelope;
  hash: string;
  record: StepRecord;
  /** A private step's values and salt: stored under private/ and sealed, never published. */
  opening?: PrivateOpening;
}

export class AttestationChain {
  private readonly order: readonly string[];
  private readonly needs: ReadonlyMap<string, readonly string[]>;
  private readonly records = new Map<string, StepRecord>();
  private readonly hashes = new Map<string, string>();
  readonly links: ChainLink[] = [];
  private next = 0;
  /** How far the chain may sign: the whole order, or a paused run's prefix (set by finish). */
  private limit = Number.POSITIVE_INFINITY;
  private pending: Promise<void> = Promise.resolve();

  private readonly run: RunIdentity;
  private readonly signer: Signer;

  constructor(order: readonly string[], needs: ReadonlyMap<string, readonly string[]>, run: RunIdentity, signer: Signer) {
    this.order = order;
    this.needs = needs;
    this.run = run;
    this.signer = signer;
  }

  /** Records a finished step and signs every attestation that is now next in the chain. */
  offer(record: StepRecord): Promise<void> {
    this.records.set(record.stepId, record);
    this.pending = this.pending.then(() => this.advance());
    return this.pending;
  }

  /**
   * Signs whatever remains (steps that failed or were skipped are offered by the caller first), up
   * to `upTo` steps of the order: a paused run (run/approval-gate.ts) seals the prefix before its pause.
   */
  async finish(upTo: number = this.order.length): Promise<ChainLink[]> {
    this.limit = upTo;
    this.pending = this.pending.then(() => this.advance());
    await this.pending;
    if (this.next !== upTo) {
      throw new Error(`attestation chain incomplete: ${this.order[this.next]} has no record`);
    }
    return this.links;
  }

  private async advance(): Promise<void> {
    while (this.next < this.order.length && this.next < this.limit) {
      const stepId = this.order[this.next] as string;
      const record = this.records.get(stepId);
      if (!record) return;
      const previous = this.links.length > 0 ? (this.links[this.links.length - 1] as ChainLink).hash : null;
      const needs = [...(this.needs.get(stepId) ?? [])];
      const parents = needs.map((n) => this.hashes.get(n) as string);
      const { envelope, hash, opening } = await attestStep(record, { previousAttestationHash: previous, needs, parents }, this.run, this.signer, sha256Node);
      this.hashes.set(stepId, hash);
      this.links.push({ stepId, envelope, hash, record, ...(opening ? { opening } : {}) });
      this.next++;
    }
  }
}
