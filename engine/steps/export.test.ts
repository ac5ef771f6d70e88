import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { exportStep } from './export.ts';
import { renderCsv } from './render/csv.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderPdf } from './render/pdf.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { MemoryArtifactSink, testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

const report = {
  title: 'Weekly report 2026-W02',
  period: '2026-01-05/2026-01-11',
  claims: [
    { id: 'c1', text: 'New entities this week', value: 42, citations: [{ source: 'graph', ref: 'MATCH (e:Entity) WHERE e.createdAt >= $from' }] },
    {
      id: 'c2',
      text: 'Relationships inferred, with "quotes", commas',
      value: 7,
      citations: [
        { source: 'step', ref: 'infer-edges' },
        { source: 'manifest', ref: 'sha256:ab' },
      ],
    },
  ],
  tables: {
    byKind: [
      { kind: 'person', n: 30 },
      { kind: 'org', n: 12 },
    ],
  },
};

/** The text a PDF draws: every FlateDecode stream inflated, hex and literal strings before Tj. */
function pdfText(bytes: Uint8Array): string {
  const raw = Buffer.from(bytes).toString('latin1');
  const texts: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(m[1] ?? '', 'latin1')).toString('latin1');
    } catch {
      content = m[1] ?? '';
    }
    for (const t of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) texts.push(Buffer.from(t[1] ?? '', 'hex').toString('latin1'));
    for (const t of content.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)) texts.push((t[1] ?? '').replace(/\\(.)/g, '$1'));
  }
  return texts.join('\n');
}

test('pdf: identical input renders byte-identical, dated from asOf, with every claim and citation', async () => {
  const a = await renderPdf(report, { asOf: '2026-01-12T00:00:00Z' });
  const b = await renderPdf(structuredClone(report), { asOf: '2026-01-12T00:00:00Z' });
  assert.deepEqual(Buffer.from(a), Buffer.from(b));
  const raw = Buffer.from(a).toString('latin1');
  assert.match(raw, /CreationDate \(D:20260112000000Z/);
  assert.doesNotMatch(raw, /\/ID \[/);
  const text = pdfText(a);
  for (const claim of report.claims) {
    assert.ok(text.includes(claim.text), `PDF lacks claim ${claim.id}`);
    for (const c of claim.citations) assert.ok(text.includes(`Source: ${c.source}: ${c.ref}`), `PDF lacks citation ${c.ref}`);
  }
  const later = await renderPdf(report, { asOf: '2026-01-13T00:00:00Z' });
  assert.notDeepEqual(Buffer.from(later), Buffer.from(a));
});

test('pdf: long text wraps onto new pages and non-Latin text never throws', async () => {
  const rows = Array.from({ length: 150 }, (_, i) => ({ id: `E${i}`, name: `名前 — entity ${i} ${'x'.repeat(i % 3 === 0 ? 200 : 5)}` }));
  const bytes = await renderPdf(rows, { asOf: '2026-01-12T00:00:00Z', title: 'Entities' });
  const pages =
    Buffer.from(bytes)
      .toString('latin1')
      .match(/\/Type \/Page\b/g)?.length ?? 0;
  assert.ok(pages > 2, `expected several pages, got ${pages}`);
  assert.match(pdfText(bytes), /\?\? - entity 149/);
});

test('csv: RFC 4180 quoting, CRLF, first-seen column order, report claims as rows', () => {
  assert.equal(
    renderCsv([{ b: 1, a: 'x,y' }, { a: 'say "hi"', c: null, b: { z: 1, y: [2] } }, { a: 'two\nlines' }]),
    'b,a,c\r\n1,"x,y",\r\n"{""y"":[2],""z"":1}","say ""hi""",\r\n,"two\nlines",\r\n',
  );
  const csv = renderCsv(report);
  assert.ok(csv.startsWith('id,text,value,citations\r\n'));
  assert.ok(csv.includes('c2,"Relationships inferred, with ""quotes"", commas",7,step: infer-edges; manifest: sha256:ab\r\n'));
});

test('markdown: report claims with citations and tables; plain rows as an escaped table', () => {
  const md = renderMarkdown(report);
  assert.match(md, /^# Weekly report 2026-W02\n/);
  assert.match(md, /- \*\*c1\*\*: New entities this week — \*\*42\*\*\n {2}- Source: graph: MATCH/);
  assert.match(md, /## byKind\n\n\| kind \| n \|\n\| --- \| --- \|\n\| person \| 30 \|/);
  assert.equal(renderMarkdown([{ a: 'x|y' }], 'T'), '# T\n\n| a |\n| --- |\n| x\\|y |\n');
});

test('export step writes through the artifact sink and outputs its ref; JSON is canonical', async () => {
  const sink = new MemoryArtifactSink();
  const step = testStep('export-report', 'export', { format: 'json', name: 'report.json' }, ['build']);
  const result = await exportStep.run(testContext(step, { upstream: { build: { b: 2, a: [1] } }, ports: { artifacts: sink } }));
  assert.equal(new TextDecoder().decode(sink.files.get('report.json')?.bytes), '{"a":[1],"b":2}\n');
  assert.deepEqual(result.output, { artifact: 'report.json', mediaType: 'application/json', digest: result.artifacts?.[0]?.digest, size: 16 });
  assert.match(String((result.output as { digest: string }).digest), /^sha256:[0-9a-f]{64}$/);

  const pdfStep = testStep('export-pdf', 'export', { format: 'pdf', name: 'weekly-report.pdf' }, ['build']);
  const pdf = await exportStep.run(testContext(pdfStep, { upstream: { build: report }, ports: { artifacts: sink } }));
  assert.equal((pdf.output as { mediaType: string }).mediaType, 'application/pdf');
  assert.ok(pdfText(sink.files.get('weekly-report.pdf')?.bytes ?? new Uint8Array()).includes('New entities this week'));
});

test('check: format and name are validated at their fields', () => {
  const step = testStep('e', 'export', { format: 'docx', name: '../x.pdf' }, ['b']);
  const issues = exportStep.check(step, testRunbook([step]), createCelEngine());
  assert.deepEqual(
    issues.map((i) => [i.code, i.location?.line]),
    [
      ['PCQ_STEP_CONFIG', step.fieldLocations?.['format']?.line],
      ['PCQ_STEP_CONFIG', step.fieldLocations?.['name']?.line],
    ],
  );
});
