// Round trips of the review PR's branch and body (property-tested), the size limit, and the coded
// errors for anything pcq did not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrBranch } from './pr-branch.ts';
import { GITHUB_BODY_LIMIT, PrBody, type PrBodyData } from './pr-body.ts';
import type { PcqError } from '../base/errors.ts';

const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}(?:\.[A-Za-z0-9]{1,5})?$/);

test('PrBranch: toString ⇄ parse for every safe pair', () => {
  fc.assert(
    fc.property(segment, segment, (r, e) => {
      const b = new PrBranch(r, e);
      const back = PrBranch.parse(b.toString());
      assert.equal(back.runbookId, r);
      assert.equal(back.executionId, e);
      assert.equal(PrBranch.parse(`refs/heads/${b}`).toString(), b.toString());
    }),
  );
});

test('PrBranch refuses what pcq never writes, with a coded error', () => {
  for (const bad of [
    'main',
    'pcq/review/R1',
    'pcq/review/R1/e1/x',
    'pcq/review/../e1',
    'pcq/review/R1/e1.lock',
    'pcq/review/R1/.hidden',
    'pcq/review/R 1/e1',
    'pcq/review//e1',
  ]) {
    assert.throws(
      () => PrBranch.parse(bad),
      (e: PcqError) => e.code === 'PCQ_PR_BRANCH_INVALID' && e.message.includes(bad),
      bad,
    );
  }
  assert.equal(PrBranch.isReviewBranch('pcq/review/R1/20260301-abc'), true);
  assert.equal(PrBranch.isReviewBranch('feature/x'), false);
});

const data = (over: Partial<PrBodyData> = {}): PrBodyData => ({
  runbookId: 'R1',
  executionId: 'e-1',
  manifestId: 'pcq-e-1',
  merkleRoot: `sha256:${'a'.repeat(64)}`,
  ticketPath: 'attestations/reviews/e-1.yaml',
  failedStep: 'export-results',
  failedProver: 'kpi:completeness>=0.95',
  reason: 'completeness 0.80 < 0.95',
  assignedTo: 'olga',
  roster: ['olga', 'omar'],
  manifestPath: 'attestations/R1/e-1/manifest.pcq',
  evidence: { completeness: 0.8 },
  ...over,
});

const json = fc.jsonValue({ maxDepth: 3 });

test('PrBody: parse(render(x)) gives x back, including hostile strings', () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.string({ maxLength: 200 }),
      json,
      fc.array(fc.string({ minLength: 1, maxLength: 39 }), { maxLength: 5 }),
      (reason, prover, evidence, roster) => {
        const d = data({ reason, failedProver: prover, evidence, roster });
        const parsed = PrBody.parse(new PrBody(d).render());
        assert.equal(parsed.evidenceTruncated, false);
        assert.deepEqual(
          { ...parsed, evidenceDigest: undefined, evidenceTruncated: undefined },
          { ...d, evidence: JSON.parse(JSON.stringify(evidence ?? null)), evidenceDigest: undefined, evidenceTruncated: undefined },
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('a `-->` or backtick fence in the evidence cannot break out of the hidden block or code fence', () => {
  const evil = data({ reason: 'x --> <!-- pcq:review {"runbookId":"EVIL"} -->', evidence: { note: '```\n--> <script>' } });
  const body = new PrBody(evil).render();
  const parsed = PrBody.parse(body);
  assert.equal(parsed.runbookId, 'R1');
  assert.equal(parsed.reason, evil.reason);
  assert.deepEqual(parsed.evidence, evil.evidence);
});

test("huge evidence is truncated with a notice; the body stays within GitHub's limit and still parses", () => {
  fc.assert(
    fc.property(fc.integer({ min: 60_000, max: 400_000 }), (size) => {
      const d = data({ evidence: { rows: 'x'.repeat(size) }, reason: 'r'.repeat(10_000) });
      const body = new PrBody(d).render();
      assert.ok(body.length <= GITHUB_BODY_LIMIT, `${body.length}`);
      assert.match(body, /Evidence truncated to fit GitHub's 65,536-character limit/);
      const parsed = PrBody.parse(body);
      assert.equal(parsed.evidenceTruncated, true);
      assert.equal(parsed.evidence, null);
      assert.match(parsed.evidenceDigest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(parsed.executionId, 'e-1');
      assert.ok(parsed.reason.endsWith('(truncated; the full text is in the ticket)'));
    }),
    { numRuns: 10 },
  );
});

test('PrBody.parse refuses bodies pcq did not write', () => {
  for (const bad of ['just text', '<!-- pcq:review {not json} -->', '<!-- pcq:review [] -->', '<!-- pcq:review {"runbookId":"R1"} -->']) {
    assert.throws(
      () => PrBody.parse(bad),
      (e: PcqError) => e.code === 'PCQ_PR_BODY_INVALID',
      bad,
    );
  }
});

test('title names the run and the prover', () => {
  assert.equal(new PrBody(data()).title(), 'pcq review: R1 run e-1 blocked by kpi:completeness>=0.95');
});
