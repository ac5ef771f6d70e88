// Step subjects (FORMATS.md "Step attestation"): what a step statement names, shared by the
// attester and the verifiers (Node and browser), so both derive the same names and bytes.
import type { StepRecord } from '../base/signed-records.ts';
import type { ResourceDescriptor } from './statement.ts';

/**
 * The files a user holds, by the sha256 of their exact bytes (`sha256sum` agrees): first the step's
 * outputs file `outputs/<stepId>.json` (JCS(outputs) and a newline, as the store writes it), or for
 * a private step, whose outputs are never published, its outputs commitment under
 * `<runbookId>/<stepId>`; then every artifact the step wrote, as `exports/<name>`
 * (FORMATS.md "Step attestation").
 */
export function stepSubjects(
  record: Pick<StepRecord, 'stepId' | 'private' | 'artifacts'>,
  run: { runbookId: string },
  outputsSubject: string,
): ResourceDescriptor[] {
  const first = record.private === true ? `${run.runbookId}/${record.stepId}` : outputsFileName(record.stepId);
  return [
    { name: first, digest: { sha256: outputsSubject.slice(7) } },
    ...(record.artifacts ?? []).map((a) => ({ name: `exports/${a.name}`, digest: { sha256: a.digest.slice(7) } })),
  ];
}

/** Where a step's outputs are published, relative to its execution folder. */
export function outputsFileName(stepId: string): string {
  return `outputs/${stepId}.json`;
}

/** The bytes of a published outputs file: JCS(outputs) and a newline. */
export function outputsFileText(canonicalOutputs: string): string {
  return canonicalOutputs + '\n';
}
