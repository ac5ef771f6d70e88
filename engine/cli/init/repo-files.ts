// The GitHub side of a repository `pcq init` writes: workflows that use pcq as an action pinned to
// a reference (never a copy of pcq), CODEOWNERS, a README section and .gitignore lines. The
// workflows follow the rules pcq's own obey (engine/github/workflow-rules.ts): explicit
// least-privilege permissions, third-party actions pinned by SHA, no expression inside run:.
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2';

/** `version`: the pcq release the reference points at, named in the pin comment. */
export function workflowFiles(action: string, version: string): Record<string, string> {
  const ref = action.slice(action.indexOf('@') + 1);
  // Pinned by commit SHA with the release named, as every third-party action; a tag reference is
  // written as given, with a comment saying how to pin it.
  const pin = /^[0-9a-f]{40}$/.test(ref) ? ` # v${version}` : ` # pin: replace @${ref} by the tag's commit SHA`;
  action = `${action}${pin}`;
  return {
    '.github/workflows/validate.yml': `# Pull requests that change runbooks or policies: pcq validate (the run's whole preflight), an
# annotation at every problem's file:line, one sticky plan comment.
name: validate
on:
  pull_request:
    paths: [runbooks/**, spells/**, policies/**, contracts/**]
permissions:
  contents: read
  pull-requests: write # the sticky plan comment
jobs:
  validate:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - uses: ${action}
        with:
          command: validate
`,
    '.github/workflows/run.yml': `# Press a button: workflow_dispatch → policies/buttons.yaml. The sealed run is published as one
# commit; a blocked run opens an ombuds review PR, a run paused at an approval step a pause PR.
name: run
on:
  workflow_dispatch:
    inputs:
      button:
        description: Button id from policies/buttons.yaml
        required: true
        type: string
      params:
        description: Run inputs as a JSON object
        required: false
        default: "{}"
        type: string
permissions:
  contents: write # one commit per run, the review branch
  pull-requests: write # the ombuds review PR, the pause PR
concurrency:
  group: pcq-publish
  cancel-in-progress: false
jobs:
  run:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    env:
      PCQ_MODE: prod
      RUNNER_SECRET: \${{ secrets.RUNNER_SECRET }}
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - uses: ${action}
        with:
          command: run
          button: \${{ inputs.button }}
          params: \${{ inputs.params }}
`,
    '.github/workflows/ombuds.yml': `# An ombuds review of a pcq review PR is the decision (approve / request changes / comment); a
# review of a pause PR (a run waiting at an approval step) approves or rejects that step.
name: ombuds
on:
  pull_request_review:
    types: [submitted]
permissions:
  contents: write # publish the decision (and a resumed run), merge the review PR
  pull-requests: write # record the decision, close the PR (a pause PR when decided)
concurrency:
  group: pcq-publish
  cancel-in-progress: false
jobs:
  decide:
    # pcq/review/…: an ombuds review PR; pcq/approval/…: the pause PR of a run waiting at an approval step.
    if: startsWith(github.event.pull_request.head.ref, 'pcq/review/') || startsWith(github.event.pull_request.head.ref, 'pcq/approval/')
    runs-on: ubuntu-latest
    # A decided pause resumes the run: the rest of its steps run in this job.
    timeout-minutes: 30
    env:
      PCQ_MODE: prod
      RUNNER_SECRET: \${{ secrets.RUNNER_SECRET }}
    steps:
      # Trusted code only: the base branch, never the review PR's head.
      - uses: ${CHECKOUT}
        with:
          ref: \${{ github.event.pull_request.base.ref }}
          persist-credentials: false
      - uses: ${action}
        with:
          command: review
`,
    '.github/workflows/site.yml': `# The verification site, built from attestations/ and deployed to GitHub Pages.
name: site
on:
  push:
    branches: [main]
    paths: [attestations/**]
  workflow_run:
    workflows: [run, ombuds]
    types: [completed]
  workflow_dispatch:
permissions:
  contents: read
concurrency:
  group: pages
  cancel-in-progress: false
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: ${CHECKOUT}
        with:
          ref: main
          persist-credentials: false
          fetch-depth: 0 # run pages link the commit that published each run
      - id: pages
        uses: actions/configure-pages@983d7736d9b0ae728b81ab479565c72886d7745b # v5.0.0
      - uses: ${action}
        with:
          command: site
          site-out: _site
          site-base: \${{ steps.pages.outputs.base_path }}/
      - uses: actions/upload-pages-artifact@56afc609e74202658d3ffba0e8f6dda462b719fa # v3.0.1
        with:
          path: _site
  deploy:
    needs: build
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: \${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5
`,
    '.github/CODEOWNERS': `# Changes to what may run, who decides and which keys are trusted need their owners' review.
/policies/ @your-org/security
/policies/ombuds.yaml @your-org/ombuds
/policies/trust.yaml @your-org/security
/runbooks/ @your-org/runbook-owners
/.github/ @your-org/security
`,
  };
}

export const README_SECTION = `## Runbooks (pcq)

This repository runs proof-carrying runbooks with pcq. \`runbooks/\` holds the runbooks and their
datasets (\`runbooks/data/\`), \`policies/\` who may do what, which buttons exist, which keys are
trusted and who the ombuds are. On a workstation (with the pcq CLI installed):

    pcq validate                      # the run's whole preflight, every problem at once
    pcq run runbooks/hello.yaml       # signed, sealed, stored under attestations/
    pcq verify attestations/hello/<executionId>/manifest.pcq

On GitHub: pull requests are validated (.github/workflows/validate.yml); the Actions tab's
"run" workflow presses a button of policies/buttons.yaml; a blocked run opens an ombuds review PR;
the site is published to GitHub Pages. Before the first run on GitHub, store the runner's secret
(\`pcq keys generate\`) as RUNNER_SECRET and list its public key in policies/trust.yaml.
`;

export const GITIGNORE_LINES = ['.pcq/', '_site/'];
