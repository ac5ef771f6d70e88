// The site's data layer over a real signed tree (fixture-tree.ts uses engine/proof to sign and
// seal), plus the pure pieces: DAG layout/SVG, replay comparison, review states.
import { sha256Node } from '../proof/hash-node.ts';
import { sealedManifestDigest } from '../proof/manifest.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureKey, writeFixtureTree } from './fixture-tree.ts';
import { appendReview, buildReviewEnvelope } from '../proof/review-attestation.ts';
import { serializeManifest } from '../proof/manifest.ts';
import { forgetSiteData, readSiteData, sharedSiteData } from './read-site-data.ts';
import { attestationsHtml, esc, prettyJson, timelineHtml } from './execution-html.ts';
import { buildExecutionView } from './build-execution-view.ts';
import { publishDownloads } from './publish-downloads.ts';
import { renderDagSvg } from './dag-svg.ts';
import { replayView } from './replay-view.ts';
import { stateOfDecision } from './review-state.ts';
import { readEnvelope } from '../proof/dsse.ts';

async function withTree<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-site-data-'));
  try {
    await writeFixtureTree(dir);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('readSiteData decodes every execution, verdict, ticket and decision of a signed tree', () =>
  withTree(async (root) => {
    const data = await readSiteData(root);
    assert.deepEqual(data.problems, []);
    assert.deepEqual(
      data.runbooks.map((r) => r.runbookId),
      ['R1', 'R2'],
    );
    assert.deepEqual(data.executions.map((e) => e.verdict).sort(), ['approved', 'blocked', 'pass', 'rejected']);
    const r1 = data.runbooks[0]!;
    assert.equal(r1.button?.id, 'enrich-entities');
    assert.deepEqual(r1.levels, [['query-entities'], ['fetch-external-data'], ['update-entities'], ['assert-completeness']]);
    assert.equal(data.runbooks[1]!.levels[0]!.length, 2, 'R2 has two roots');

    const pass = data.executions.find((e) => e.verdict === 'pass')!;
    assert.equal(pass.steps.length, 4);
    assert.equal(pass.steps[0]!.previousAttestationHash, null);
    for (let i = 1; i < 4; i++)
      assert.equal(pass.steps[i]!.previousAttestationHash, pass.steps[i - 1]!.attestationHash, 'the chain links each step to the one before');
    assert.deepEqual(pass.steps[1]!.parents, [pass.steps[0]!.attestationHash]);
    assert.equal(pass.steps[3]!.inclusionProof?.treeSize, 4);
    assert.equal(pass.steps[1]!.attempts, 2);
    assert.match(pass.executedBy, /^G[A-Z2-7]{55}$/);
    assert.equal(pass.replays.length, 1);
    assert.equal(pass.replays[0]!.identical, true);

    const approved = data.executions.find((e) => e.verdict === 'approved')!;
    assert.equal(approved.decisions.length, 1);
    assert.equal(approved.decisions[0]!.decision, 'approve');
    assert.equal(approved.decisions[0]!.by, 'alice');
    assert.deepEqual(data.tickets.map((t) => t.state).sort(), ['approved', 'open', 'rejected']);
    const blocked = data.executions.find((e) => e.verdict === 'blocked')!;
    assert.equal(blocked.steps[3]!.proofs[0]!.result, 'fail');
    assert.equal(blocked.ticket?.failedProver, 'kpi:completeness>=0.95');

    assert.equal(data.trust.length, 5);
    assert.equal(data.trust.filter((k) => k.source === '.pcq/trust.local.yaml').length, 1);
    assert.equal(data.trust.find((k) => k.name === 'verdict-2026')?.validUntil, '2027-01-01T00:00:00Z');
  }));

test('run.json and the ticket are read in the shapes pcq writes (RunRecordFile, review/ticket.ts)', () =>
  withTree(async (root) => {
    const data = await readSiteData(root);
    const blocked = data.executions.find((e) => e.verdict === 'blocked')!;
    assert.deepEqual(
      blocked.failedProofs.map((f) => [f.stepId, f.phase, f.prover]),
      [['assert-completeness', 'postcondition', 'kpi:completeness>=0.95']],
    );
    assert.equal(blocked.durationMs, 160);
    assert.equal(blocked.ticket?.state, 'open');
    assert.deepEqual(blocked.ticket?.assignedTo, ['alice']);
    assert.deepEqual(blocked.ticket?.roster, ['alice', 'bob']);
    assert.equal(blocked.ticket?.createdAt, blocked.executedAt);
    assert.match(blocked.ticket?.evidence ?? '', /"threshold":0\.95/);
    const approved = data.executions.find((e) => e.verdict === 'approved')!;
    assert.deepEqual(
      approved.ticket?.decisions.map((d) => [d.decision, d.reviewer, d.source]),
      [['approve', 'alice', 'local']],
    );
    assert.deepEqual(approved.problems, []);
    assert.deepEqual(
      approved.decisions.map((d) => [d.decision, d.by, d.kind, d.counts]),
      [['approve', 'alice', 'reviewer-signed', true]],
    );
    // A hand-edited ticket (state open → approved, a forged decision) changes nothing shown: the
    // state and decisions are the counted signed reviews' of the manifest.
    const ticketPath = join(root, 'attestations/reviews', `${blocked.executionId}.yaml`);
    const forged = `decisions:\n  - { executionId: ${blocked.executionId}, reviewer: alice, decision: approve, comment: "", at: "2026-03-02T12:00:00Z", source: local }\n`;
    await writeFile(ticketPath, (await readFile(ticketPath, 'utf8')).replace('state: open', 'state: approved').replace('decisions: []\n', forged));
    const edited = (await readSiteData(root)).executions.find((e) => e.executionId === blocked.executionId)!;
    assert.deepEqual([edited.ticket?.state, edited.ticket?.decisions, edited.verdict, edited.problems], ['open', [], 'blocked', []]);
    // A decision appended with a reviewer-role key that breaks the rules (by the run's actor, with a
    // key bound to someone else) is shown as ignored and decides nothing.
    const manifestPath = join(root, 'attestations/R1', blocked.executionId, 'manifest.pcq');
    const m = JSON.parse(await readFile(manifestPath, 'utf8'));
    const forgedReview = await buildReviewEnvelope(
      {
        merkleRoot: m.merkleRoot,
        manifestDigest: sealedManifestDigest(m, sha256Node),
        manifestId: m.manifestId,
        executionId: m.executionId,
        decision: 'approve',
        reviewer: 'octocat',
        source: { kind: 'local' },
        at: '2026-03-03T00:00:00Z',
      },
      fixtureKey('reviewer').signer,
    );
    await writeFile(manifestPath, serializeManifest(appendReview(m, forgedReview)));
    const forgedView = (await readSiteData(root)).executions.find((e) => e.executionId === blocked.executionId)!;
    assert.deepEqual(
      forgedView.decisions.map((d) => [d.decision, d.by, d.counts]),
      [['approve', 'octocat', false]],
    );
    assert.deepEqual([forgedView.ticket?.state, forgedView.verdict], ['open', 'blocked']);
  }));

test('artifacts come from run.json with their released/withheld state', () => {
  const view = buildExecutionView({
    runbookId: 'R1',
    executionId: 'x',
    replays: [],
    fullOutputs: {},
    downloads: [],
    run: {
      status: 'blocked',
      artifacts: [{ name: 'a.csv', stepId: 'export', mediaType: 'text/csv', digest: 'sha256:00', size: 3, state: 'withheld' }],
      steps: [{ stepId: 's', status: 'failed', attempts: 3, durationMs: 12.5, error: { code: 'PCQ_STEP_TIMEOUT', message: 'took too long' } }],
    },
  });
  assert.deepEqual(
    view.artifacts.map((a) => [a.name, a.state]),
    [['a.csv', 'withheld']],
  );
  assert.equal(view.durationMs, undefined);
});

test('sharedSiteData reads once per root until forgotten', () =>
  withTree(async (root) => {
    const a = sharedSiteData(root);
    assert.equal(sharedSiteData(root + '/'), a, 'the same promise for the same root');
    forgetSiteData(root);
    assert.notEqual(sharedSiteData(root), a);
    forgetSiteData(root);
    await a;
  }));

test('execution HTML escapes every value from the files and links steps by anchor', () =>
  withTree(async (root) => {
    const e = (await readSiteData(root)).executions.find((x) => x.verdict === 'blocked')!;
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const step = {
      ...e.steps[0]!,
      stepId: hostile,
      type: hostile,
      proofs: [{ prover: hostile, type: hostile, phase: 'precondition' as const, result: 'fail' as const, evidence: hostile }],
      inputs: { hostile },
      outputs: [hostile],
      error: { code: hostile, message: hostile },
      spell: { id: hostile, version: '1', bundleDigest: 'sha256:ab', signature: 'signed by acme/k1 (G…)', allowUnsigned: false },
    };
    const html = timelineHtml({ ...e, steps: [step] }) + attestationsHtml({ ...e, steps: [step, { ...e.steps[1]!, parents: [step.attestationHash] }] });
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(
      html,
      /spell <code>&lt;img[^<]*@1<\/code> · bundle <code>sha256:ab<\/code> · signed by acme\/k1/,
      'a spell step shows its spell, bundle digest and signer',
    );
    assert.match(html, /href="#step-_3cimg_20src_3dx_20onerror_3dalert_281_29_3e_22_27_26"/, 'anchors are made of safe characters');
    assert.equal(esc(`a"b'c<d>&`), 'a&quot;b&#39;c&lt;d&gt;&amp;');
    assert.equal(prettyJson({ a: 1 }), '{"a":1}', 'short values stay on one line');
    assert.match(prettyJson({ long: 'x'.repeat(120) }), /\n {2}"long"/);
  }));

test('downloads: a DSSE export is generated from the manifest when the run folder has none', () =>
  withTree(async (root) => {
    const first = (await readSiteData(root)).executions[0]!;
    await rm(join(root, 'attestations', first.runbookId, first.executionId, `${first.executionId}.intoto.jsonl`));
    const data = await readSiteData(root);
    const e = data.executions.find((x) => x.executionId === first.executionId)!;
    assert.ok(e.downloads.some((d) => d.name === `${e.executionId}.intoto.jsonl` && d.generated !== undefined));
    const out = await mkdtemp(join(tmpdir(), 'pcq-site-out-'));
    try {
      const written = await publishDownloads(data, out);
      assert.equal(
        written,
        data.executions.reduce((n, e) => n + e.downloads.length, 0),
      );
      const jsonl = await readFile(join(out, e.urlPath, `${e.executionId}.intoto.jsonl`), 'utf8');
      const lines = jsonl.trim().split('\n');
      assert.equal(lines.length, e.steps.length);
      for (const line of lines) assert.equal(readEnvelope(JSON.parse(line)).ok, true);
      const copied = await readFile(join(out, e.urlPath, 'manifest.pcq'), 'utf8');
      assert.equal(copied, await readFile(join(root, 'attestations', e.runbookId, e.executionId, 'manifest.pcq'), 'utf8'));
      assert.deepEqual((await readdir(join(out, e.urlPath))).sort(), e.downloads.map((d) => d.name).sort());
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }));

test('a run missing from the index or with a broken manifest is still published, with the problem named', () =>
  withTree(async (root) => {
    const dir = join(root, 'attestations', 'R1', 'orphan-run');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.pcq'), '{ not json');
    const data = await readSiteData(root);
    const orphan = data.executions.find((e) => e.executionId === 'orphan-run');
    assert.ok(orphan, 'the orphan run is published');
    assert.equal(orphan.problems[0]?.code, 'PCQ_MANIFEST_MALFORMED');
    assert.equal(orphan.steps.length, 0);
    assert.ok(data.problems.some((p) => p.code === 'PCQ_INDEX_STALE' && p.message.includes('orphan-run')));
  }));

test('hostile ids in index.json are refused, never used as paths', () =>
  withTree(async (root) => {
    const indexPath = join(root, 'attestations/index.json');
    const index = JSON.parse(await readFile(indexPath, 'utf8'));
    index.executions.push({ ...index.executions[0], executionId: '../../etc' });
    await writeFile(indexPath, JSON.stringify(index));
    const data = await readSiteData(root);
    // The index is checked whole before use (store/execution-index.ts): refused, and the folders are walked instead.
    assert.ok(
      data.problems.some((p) => p.code === 'PCQ_INDEX_CORRUPT' && p.message.includes('../../etc')),
      JSON.stringify(data.problems),
    );
    assert.equal(data.executions.length, 4);
  }));

test('renderDagSvg draws every edge of the shared layout, and a blocked or unknown status plainly', async () => {
  const nodes = [
    { stepId: 'a', type: 'query', needs: [], status: 'succeeded' },
    { stepId: 'b', type: 'query', needs: ['a'], status: 'blocked' },
    { stepId: 'c', type: 'query', needs: [], status: 'skipped', when: { expr: 'inputs.x', value: false } },
    { stepId: 'd', type: 'transform', needs: ['b', 'c'], status: 'paused-for-lunch' },
    { stepId: 'e', type: 'export', needs: ['a', 'd'] },
  ];
  const svg = await renderDagSvg(nodes, 'R');
  assert.equal(svg.match(/<path d="M[^"]*" data-from/g)?.length, 5);
  assert.match(svg, /data-from="a" data-to="e"/);
  assert.match(svg, /dag-node--blocked" data-step="b"/);
  assert.match(svg, /‖ blocked/);
  assert.match(svg, /dag-node--skipped dag-node--branch" data-step="c"/);
  assert.match(svg, /when inputs\.x → false/);
  assert.match(svg, /dag-node--other" data-step="d" data-status="paused-for-lunch"/);
});

test('renderDagSvg escapes step ids and labels the picture for screen readers', async () => {
  const svg = await renderDagSvg([{ stepId: '<script>alert(1)</script>', type: 'q"uery', needs: [], status: 'failed' }], 'R <1>');
  assert.doesNotMatch(svg, /<script>/);
  assert.match(svg, /&lt;script&gt;/);
  assert.match(svg, /role="img"/);
  assert.match(svg, /<title id="dag-title">R &lt;1&gt;<\/title>/);
  assert.match(svg, /dag-node--failed/);
});

test('replayView marks a step whose replayed output differs, and the replay as different', () => {
  const original = [
    { stepId: 'a', outputs: [1, 2], subjectDigest: 'aa' },
    { stepId: 'b', outputs: { n: 2 }, subjectDigest: 'bb' },
  ] as unknown as Parameters<typeof replayView>[4];
  const view = replayView(
    '2',
    {
      steps: [
        { stepId: 'a', identical: true },
        { stepId: 'b', identical: false, replayedOutputs: { n: 3 }, differences: [{ field: 'outputs', original: { n: 2 }, replayed: { n: 3 } }] },
      ],
    },
    'R1',
    'x',
    original,
  );
  assert.deepEqual(view.steps[1]!.differences, [{ field: 'outputs', original: { n: 2 }, replayed: { n: 3 } }]);
  assert.equal(view.identical, false);
  assert.deepEqual(
    view.steps.map((s) => s.identical),
    [true, false],
  );
  assert.deepEqual(view.steps[1]!.replayed, { n: 3 });
  assert.deepEqual(view.steps[0]!.replayed, [1, 2], 'an identical step shows the original outputs on both sides');
  const missing = replayView('3', { steps: [{ stepId: 'a', identical: true }] }, 'R1', 'x', original);
  assert.equal(missing.identical, false, 'a step the replay never produced is a difference');
});

test('stateOfDecision maps every spelling of a review decision', () => {
  assert.equal(stateOfDecision('approve'), 'approved');
  assert.equal(stateOfDecision('APPROVED'), 'approved');
  assert.equal(stateOfDecision('reject'), 'rejected');
  assert.equal(stateOfDecision('changes_requested'), 'rejected');
  assert.equal(stateOfDecision('request-info'), 'info-requested');
  assert.equal(stateOfDecision('commented'), 'info-requested');
  assert.equal(stateOfDecision('whatever'), undefined);
});
