// `npm start`: the main job on embedded defaults — no GitHub, no servers, no network.
// Runs the sample runbooks (R1 and R2 use signed spells from spells/; R4 both ways, its `when:` branches;
// the unsigned-spell demo refused, then run with --allow-unsigned; R1 once more with the partial enrichment source, which
// honestly fails its completeness postcondition and opens an ombuds review), then builds the site.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pcq = join(root, 'dist', 'pcq.mjs');
const asOf = process.env.PCQ_AS_OF ?? '2026-11-16T00:00:00Z';

if (!existsSync(pcq)) {
  console.error('PCQ_NOT_BUILT: dist/pcq.mjs is missing — run `npm ci` (its prepare script builds the CLI).');
  process.exit(2); // class usage (docs/ERRORS.md)
}

const runs = [
  { label: 'R1 Entity Enrichment', args: ['runbooks/R1-entity-enrichment.yaml'] },
  { label: 'R2 Relationship Inference', args: ['runbooks/R2-relationship-inference.yaml'] },
  { label: 'R3 Weekly Report', args: ['runbooks/R3-weekly-report.yaml'] },
  { label: 'R4 Alert Triage, route=investigate (when: branches)', args: ['runbooks/R4-alert-triage.yaml', '--input', 'route=investigate'] },
  { label: 'R4 Alert Triage, route=archive (the other branch)', args: ['runbooks/R4-alert-triage.yaml', '--input', 'route=archive'] },
  {
    label: 'R1 with partial enrichment (expected: blocked for ombuds review)',
    args: ['runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial'],
    expect: 4,
  },
  // The signature policy: pcq-word-count is unsigned, so the run is refused before any step starts
  // (PCQ_SPELL_UNSIGNED, exit 1); --allow-unsigned runs it and its attestation records the opt-out.
  { label: 'Unsigned spell (expected: refused, PCQ_SPELL_UNSIGNED)', args: ['runbooks/demo/unsigned-spell.yaml'], expect: 1 },
  { label: 'Unsigned spell with --allow-unsigned (recorded in the attestation)', args: ['runbooks/demo/unsigned-spell.yaml', '--allow-unsigned'] },
];

// npm start is a local job: it runs as the local user (policies/authority.yaml grants local:*),
// even inside a CI job where GITHUB_ACTOR is set.
function localUser() {
  try {
    return userInfo().username || 'user';
  } catch {
    return 'user';
  }
}

let failures = 0;
for (const run of runs) {
  console.log(`\n━━ ${run.label} ━━`);
  const res = spawnSync(process.execPath, [pcq, 'run', ...run.args, '--as-of', asOf], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PCQ_ACTOR: process.env.PCQ_ACTOR ?? `local:${localUser()}` },
  });
  const expected = run.expect ?? 0;
  if (res.status !== expected) {
    failures++;
    console.error(`✗ ${run.label}: exit ${res.status}, expected ${expected}`);
  }
}

console.log('\n━━ Ombuds queue ━━');
spawnSync(process.execPath, [pcq, 'review', 'list'], { cwd: root, stdio: 'inherit' });

if (existsSync(join(root, 'scripts', 'site-build.mjs'))) {
  console.log('\n━━ Site ━━');
  const site = spawnSync(process.execPath, [join(root, 'scripts', 'site-build.mjs')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (site.status !== 0) failures++;
  else console.log('Site built in site/dist. Preview it with: npm run site:preview  (serves on http://127.0.0.1:4321)');
}

console.log(`\nResults: attestations/ (index.json lists every execution; reviews/ holds ombuds tickets).`);
console.log('Verify any run offline: node dist/pcq.mjs verify attestations/<runbookId>/<executionId>/manifest.pcq');
process.exit(failures === 0 ? 0 : 1);
