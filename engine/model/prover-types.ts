// The prover `type:` values a runbook may declare (engine/provers/prover-kind.ts). The seed's `opa`
// and `license_registry` are kept verbatim beside pcq's own names (docs/design.md §5 "Policies").
export const PROVER_TYPES = ['opa', 'authority', 'license_registry', 'license', 'metric', 'citations'] as const;

export type ProverType = (typeof PROVER_TYPES)[number];
