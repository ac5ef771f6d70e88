// Which steps are private (engine/FORMATS.md "Private steps"). A private step's inputs, outputs,
// recordings and effects never reach anything published in cleartext: the attestation signs a
// salted digest of them, the values live under the execution's private/ folder and are sealed
// (age) for the ombuds.
//
// The rule, in one sentence: a step is private when it says `private: true`; when it says nothing,
// it is private if it is an export step, if an export step depends on it (directly or through
// other steps' `needs`), or if it depends on a private step. `private: false` publishes a step's
// data on purpose and stops the inheritance at that step.
//
// Why by default: any failed postcondition withholds every export of the run, so every export may
// be withheld, and the data an export is built from is as sensitive as the export (R1's enriched
// rows are the withheld CSV, before it is rendered). Data flows along `needs`, so both the
// ancestors of an export and the descendants of a private step may carry it. Pure.
import type { Step } from './runbook.ts';

export function resolvePrivacy(steps: Step[]): void {
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const feedsExport = new Set<string>();
  const stack = steps.filter((s) => s.type === 'export').map((s) => s.stepId);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (feedsExport.has(id)) continue;
    feedsExport.add(id);
    for (const need of byId.get(id)?.needs ?? []) if (byId.has(need)) stack.push(need);
  }
  for (const step of steps) step.private = step.privateDeclared ?? feedsExport.has(step.stepId);
  // Inheritance downstream: repeat until nothing changes (monotone, so cycles that validation
  // reports later still terminate; at most one pass per step).
  for (let changed = true; changed;) {
    changed = false;
    for (const step of steps) {
      if (step.private || step.privateDeclared === false) continue;
      if (step.needs.some((n) => byId.get(n)?.private === true)) {
        step.private = true;
        changed = true;
      }
    }
  }
}
