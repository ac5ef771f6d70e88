// Finds an execution by its id or a unique prefix of it (as git does for commits), in
// attestations/index.json. An unknown id is PCQ_EXECUTION_NOT_FOUND with the closest known id; a
// prefix that names several is PCQ_EXECUTION_AMBIGUOUS listing them. Used by show and logs.
import { PcqError } from '../base/errors.ts';
import { didYouMean } from '../base/did-you-mean.ts';
import type { IndexEntry } from '../store/execution-index.ts';

/** The one entry `ref` names: its exact id, else the only id it is a prefix of. */
export function resolveExecution(entries: readonly IndexEntry[], ref: string): IndexEntry {
  const exact = entries.find((e) => e.executionId === ref);
  if (exact) return exact;
  const matches = ref === '' ? [] : entries.filter((e) => e.executionId.startsWith(ref));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const shown = matches.slice(0, 10).map((e) => `${e.executionId} (${e.runbookId})`);
    throw new PcqError({
      code: 'PCQ_EXECUTION_AMBIGUOUS',
      message: `"${ref}" is the start of ${matches.length} execution ids: ${shown.join(', ')}${matches.length > 10 ? ', …' : ''}`,
      hint: 'Type more of the id (`pcq runs` lists them).',
    });
  }
  // Ids are compared at the typed length too, so a mistyped prefix still finds its execution.
  const byCandidate = new Map<string, string>();
  for (const e of entries) {
    byCandidate.set(e.executionId, e.executionId);
    if (ref.length < e.executionId.length && !byCandidate.has(e.executionId.slice(0, ref.length)))
      byCandidate.set(e.executionId.slice(0, ref.length), e.executionId);
  }
  const near = didYouMean(ref, byCandidate.keys());
  const best = near === undefined ? undefined : byCandidate.get(near);
  throw new PcqError({
    code: 'PCQ_EXECUTION_NOT_FOUND',
    message: `no execution "${ref}" in attestations/index.json`,
    hint: `${entries.length === 0 ? 'No run has been stored yet: `pcq run <runbook>` first.' : 'Pass an id or a unique prefix from `pcq runs`.'}${best !== undefined ? ` Did you mean "${best}"?` : ''}`,
  });
}
