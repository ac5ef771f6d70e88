import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatSummary, ProgressWriter } from './progress.ts';
import { schedule, type ScheduleNode, type StepContext } from './scheduler.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { PcqError } from '../base/errors.ts';

const nodes: ScheduleNode[] = [
  { id: 'query-entities', needs: [] },
  { id: 'enrich', needs: ['query-entities'] },
  { id: 'licenses', needs: [] },
  { id: 'export-report', needs: ['enrich'] },
];

/** query-entities takes 1.2 s; enrich fails with a 503 every time; licenses takes 80 ms. */
async function runWith(make: (now: () => number) => ProgressWriter) {
  const clock = new FakeClock();
  const writer = make(() => clock.now());
  const run = async (id: string, ctx: StepContext): Promise<string> => {
    await clock.sleep({ 'query-entities': 1200, enrich: 300, licenses: 80 }[id] ?? 0, ctx.signal);
    if (id === 'enrich') throw new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: 'enrichment API unavailable' });
    return id;
  };
  const p = schedule({ nodes, concurrency: 2, clock, run, onEvent: writer.onEvent });
  await clock.runAll();
  const result = await p;
  writer.finish(result.results, result.durationMs);
  return result;
}

test('plain mode: one append-only line per event, then the summary table', async () => {
  let out = '';
  await runWith((now) => new ProgressWriter({ write: (t) => (out += t), isTTY: false, stepIds: nodes.map((n) => n.id), now }));
  assert.equal(
    out,
    [
      '▶ query-entities started',
      '▶ licenses started',
      '✓ licenses succeeded in 80 ms',
      '✓ query-entities succeeded in 1.2 s',
      '▶ enrich started',
      '↻ enrich attempt 1 failed: PCQ_HTTP_UNREACHABLE enrichment API unavailable — retrying in 2.0 s',
      '▶ enrich started (attempt 2)',
      '↻ enrich attempt 2 failed: PCQ_HTTP_UNREACHABLE enrichment API unavailable — retrying in 4.0 s',
      '▶ enrich started (attempt 3)',
      '✗ enrich failed after 3 attempts in 6.9 s: PCQ_HTTP_UNREACHABLE enrichment API unavailable',
      '− export-report skipped (enrich failed)',
      '',
      'step              status     attempts  duration',
      '✓ query-entities  succeeded  1         1.2 s',
      '✗ enrich          failed     3         6.9 s',
      '✓ licenses        succeeded  1         80 ms',
      '− export-report   skipped    0         —',
      '4 steps: 2 succeeded, 1 failed, 1 skipped · 8.1 s',
      '',
    ].join('\n'),
  );
  assert.ok(!out.includes('\x1b'), 'no escape codes outside a terminal');
});

/** A tiny terminal: enough of VT100 (cursor up/down, CR, clear line, clear to the end) to see the final screen. */
function screen(stream: string): string[] {
  const rows: string[] = [''];
  let r = 0;
  let c = 0;
  const re = /\x1b\[(\d*)([ABKJ])|\r|\n|[^\x1b\r\n]+/gy;
  for (const m of stream.matchAll(re)) {
    const [tok, n, op] = m;
    if (op === 'A') r = Math.max(0, r - Number(n || 1));
    else if (op === 'B') r += Number(n || 1);
    else if (op === 'K') rows[r] = '';
    else if (op === 'J') rows.splice(r, rows.length - r, '');
    else if (tok === '\r') c = 0;
    else if (tok === '\n') {
      r++;
      c = 0;
    } else {
      const row = (rows[r] ?? '').padEnd(c);
      rows[r] = row.slice(0, c) + tok + row.slice(c + tok.length);
      c += tok.length;
    }
    while (rows.length <= r) rows.push('');
  }
  return rows;
}

test('terminal mode: one line per step, rewritten in place, then the summary', async () => {
  let out = '';
  await runWith((now) => new ProgressWriter({ write: (t) => (out += t), isTTY: true, stepIds: nodes.map((n) => n.id), now }));
  const lines = screen(out);
  assert.deepEqual(lines.slice(0, 6), [
    '✓ query-entities  succeeded  1.2 s',
    '✗ enrich          failed     6.9 s',
    '✓ licenses        succeeded  80 ms',
    '− export-report   skipped    enrich failed',
    '4/4 steps done · 1 failed · 8.1 s elapsed',
    '',
  ]);
  assert.equal(lines[6], 'step              status     attempts  duration');
  // Exactly one line per step and the progress line above the summary: updates were in place, not appended.
  assert.equal(out.split('\n').length - 1, 4 + 1 + 1 + 6);
});

test('durations read naturally at every scale', () => {
  assert.deepEqual([0, 999.6, 1000, 59_949, 61_000, 3_725_000, -1, NaN].map(formatDuration), [
    '0 ms',
    '1.0 s',
    '1.0 s',
    '59.9 s',
    '1 m 01 s',
    '62 m 05 s',
    '—',
    '—',
  ]);
  assert.equal(formatSummary([], 0), 'step  status  attempts  duration\n0 steps: 0 succeeded, 0 failed, 0 skipped · 0 ms\n');
});

test('a step whose prover blocked the run is shown as blocked, not as a success, and counted so', () => {
  const text = formatSummary(
    [
      { id: 'query', status: 'succeeded', attempts: 1, durationMs: 5 },
      { id: 'assert-completeness', status: 'succeeded', attempts: 1, durationMs: 7, blockedByProver: 'postcondition kpi:completeness>=0.95' },
    ],
    12,
  );
  assert.match(text, /^⛔ assert-completeness {2}blocked by postcondition kpi:completeness>=0\.95 {2}1 /m);
  assert.doesNotMatch(text, /✓ assert-completeness/);
  assert.match(text, /2 steps: 1 succeeded, 1 blocked, 0 failed, 0 skipped · 12 ms\n$/);
});

test('a blocked step is shown as blocked live (plain and terminal), and the progress line counts it', () => {
  const finished = { type: 'step-finished', id: 'assert', durationMs: 7, attempts: 1, at: 7, blockedBy: 'postcondition kpi:x' } as const;
  let plain = '';
  const p = new ProgressWriter({ write: (t) => (plain += t), isTTY: false, stepIds: ['query', 'assert'], now: () => 0 });
  p.onEvent({ type: 'step-started', id: 'assert', attempt: 1, at: 0 });
  p.onEvent(finished);
  p.tick();
  assert.match(plain, /^⛔ assert blocked by postcondition kpi:x \(ran in 7 ms\)$/m);
  assert.doesNotMatch(plain, /assert succeeded/);
  assert.match(plain, /^… 1\/2 steps done · 1 blocked · 0 ms elapsed$/m);
  let tty = '';
  let now = 0;
  const t = new ProgressWriter({ write: (x) => (tty += x), isTTY: true, stepIds: ['query', 'assert'], now: () => now });
  t.drawAll();
  t.onEvent({ type: 'step-started', id: 'query', attempt: 1, at: 0 });
  t.onEvent(finished);
  now = 61_000;
  t.tick();
  t.note('🔑 connector api authenticated');
  assert.deepEqual(screen(tty).slice(0, 4), [
    '🔑 connector api authenticated',
    '▶ query   running',
    '⛔ assert  blocked    by postcondition kpi:x',
    '1/2 steps done · 1 running · 1 blocked · 1 m 01 s elapsed',
  ]);
});
