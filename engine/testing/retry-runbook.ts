// A runbook that always fails at its one step (it counts a label the sample dataset lacks): the
// failed run that `pcq retry`, `pcq status` and the Action's retry command are tested on.
export const RETRY_RUNBOOK = `runbookId: RT
name: Retry sample
version: "1.0"
description: Fails at its one step while it counts a label the dataset lacks.
dataset: intel
steps:
  - stepId: count
    type: query
    description: Count nodes of a label
    cypher: MATCH (e:Missing) RETURN count(e) AS n
`;
