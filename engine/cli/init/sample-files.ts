// What `pcq init` writes: a sample runbook with its dataset and the policies it needs, so that
// `pcq init && pcq validate && pcq run runbooks/hello.yaml` works in an empty folder. Kept as text
// here (not files beside the bundle) so the installed CLI needs nothing but dist/.
/** `schemaUrl`: an absolute URL of runbook.schema.json at the pinned ref, so the editor modeline
 *  works wherever the file is opened (a relative path only works inside pcq's own checkout). */
export function sampleFiles(schemaUrl: string): Record<string, string> {
  return {
    'runbooks/hello.yaml': `# yaml-language-server: $schema=${schemaUrl}
# A first runbook (format: the pcq FORMATS.md "Runbook files"). Every step is signed; the
# precondition must allow the step before it runs, the postcondition must hold afterwards or the
# run is blocked and an ombuds review is opened. Try: pcq validate && pcq run runbooks/hello.yaml
runbookId: hello
name: Hello, pcq
version: "1.0"
description: List the sample services and prove that every one has an owner.
dataset: sample
steps:
  - stepId: list-services
    type: query
    description: Every service in the sample graph, with its owner
    cypher: MATCH (s:Service) RETURN s.id AS id, s.name AS name, s.owner AS owner ORDER BY id
    preconditions: ["authority:read_services"]

  - stepId: check-owners
    type: assertion
    description: Every service has an owner
    query: MATCH (s:Service) RETURN count(s) AS total, count(s.owner) AS owned
    metrics:
      total: total
      owned: owned
    postconditions: ["kpi:every_service_owned"]

provers:
  preconditions:
    authority:read_services:
      type: opa
      policy: sample.read
      input: { action: read, resource: service }
  postconditions:
    kpi:every_service_owned:
      type: metric
      query: MATCH (s:Service) RETURN count(s) AS total, count(s.owner) AS owned
      assertion: owned == total
`,
    'runbooks/data/sample/dataset.yaml': `# The graph the hello runbook runs on, loaded fresh at the start of every run.
name: sample
description: A few services and their owners.
nodes:
  - table: Service
    file: services.csv
    primaryKey: id
    columns:
      - { name: id, type: STRING }
      - { name: name, type: STRING }
      - { name: owner, type: STRING }
relationships: []
`,
    'runbooks/data/sample/services.csv': 'id,name,owner\nsvc-1,billing,team-payments\nsvc-2,search,team-discovery\nsvc-3,mailer,team-platform\n',
    'policies/authority.yaml': `# Authority rules read by the opa provers: each rule is a CEL expression that allows only when it
# evaluates to exactly true. A rule sees actor (login, roles) and input (the prover's input).
rules:
  sample.read: >-
    input.action == 'read' && actor.roles.exists(r, r in ['reader', 'analyst'])

# Who has which roles. "local:*" is whoever runs pcq on a workstation; add GitHub logins for the
# people who press buttons in Actions.
actors:
  "local:*":
    roles: [analyst]
`,
    'policies/licenses.yaml': `# Data sources and the operations their licenses allow (license provers). None yet.
licenses: []
`,
    'policies/buttons.yaml': `# The only runbooks the run workflow will start: button id → runbook, pinned version, and the
# repository permissions (read, triage, write, maintain, admin) allowed to press it.
buttons:
  hello:
    runbook: hello
    version: "1.0"
    roles: [write, maintain, admin]
    description: The sample runbook.
`,
    'policies/trust.yaml': `# The public keys whose signatures pcq accepts. Add your CI runner's key: run \`pcq keys generate\`,
# store the S… secret as the RUNNER_SECRET repository secret, and list the G… key here:
#   - {name: ci-runner, publicKey: G…, roles: [runner, verdict], status: active, validFrom: null, validUntil: null}
# Local dev runs sign with a key in .pcq/keys/, trusted only through .pcq/trust.local.yaml.
keys: []
`,
    'policies/ombuds.yaml': `# The ombuds roster: the GitHub logins that decide reviews of blocked runs. Replace the sample.
roster:
  - login: ombuds-sample
    name: Sample Ombuds
    email: ombuds@example.org
assignment:
  rule: hash-round-robin
  excludeActor: true
`,
    'policies/notify.yaml': `# Where notify steps and review notices go. outbox writes files instead of sending.
email:
  transport: outbox
  from: pcq@localhost
`,
  };
}
