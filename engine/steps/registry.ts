// Every step kind, by its `type:`. One file per kind; adding a kind is one line here and one entry
// in model/step-types.ts (validation refuses types not listed there).
import type { StepKind } from './step-kind.ts';
import { queryStep } from './query.ts';
import { mutationStep } from './mutation.ts';
import { transformStep } from './transform.ts';
import { aggregateStep } from './aggregate.ts';
import { assertionStep } from './assertion.ts';
import { externalApiStep } from './external-api.ts';
import { exportStep } from './export.ts';
import { notifyStep } from './notify.ts';
import { spellStep } from './spell.ts';
import { approvalStep } from './approval.ts';

export const stepKinds: ReadonlyMap<string, StepKind> = new Map(
  [queryStep, mutationStep, transformStep, aggregateStep, assertionStep, externalApiStep, exportStep, notifyStep, spellStep, approvalStep].map((k) => [
    k.type,
    k,
  ]),
);
