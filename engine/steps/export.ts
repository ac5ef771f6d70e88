// export (FORMATS.md): renders its input (`from` or the single dependency) as json, csv, markdown
// or pdf and hands the bytes to ctx.ports.artifacts: the executor decides whether the artifact is
// released or withheld (a failing postcondition blocks it). JSON is RFC 8785 canonical so the same
// data always gives the same digest.
import { canonicalize } from '../proof/jcs.ts';
import type { StepKind } from './step-kind.ts';
import { sourceValue, stepIssue } from './step-helpers.ts';
import { renderCsv } from './render/csv.ts';
import { renderMarkdown } from './render/markdown.ts';
import { checkFrom } from './step-helpers.ts';

const MEDIA_TYPES = { json: 'application/json', csv: 'text/csv; charset=utf-8', markdown: 'text/markdown; charset=utf-8', pdf: 'application/pdf' } as const;
type Format = keyof typeof MEDIA_TYPES;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const exportStep: StepKind = {
  type: 'export',

  check(step, runbook) {
    const { format, name, title } = step.config;
    const issues = checkFrom(step, runbook);
    if (typeof format !== 'string' || !(format in MEDIA_TYPES)) {
      issues.push(stepIssue(step, 'format', 'PCQ_STEP_CONFIG', `\`format\` must be one of ${Object.keys(MEDIA_TYPES).join(', ')}`));
    }
    if (typeof name !== 'string' || !SAFE_NAME.test(name) || name.includes('..')) {
      issues.push(
        stepIssue(step, 'name', 'PCQ_STEP_CONFIG', '`name` must be a plain file name (letters, digits, ".", "_", "-")', 'e.g. name: weekly-report.pdf'),
      );
    }
    if (title !== undefined && typeof title !== 'string') issues.push(stepIssue(step, 'title', 'PCQ_STEP_CONFIG', '`title` must be a string'));
    return issues;
  },

  async run(ctx) {
    const format = ctx.step.config['format'] as Format;
    const name = String(ctx.step.config['name']);
    const title = typeof ctx.step.config['title'] === 'string' ? ctx.step.config['title'] : undefined;
    const value = sourceValue(ctx);
    const bytes = await render(format, value, ctx.asOf, title);
    const ref = await ctx.ports.artifacts.write(name, bytes, MEDIA_TYPES[format]);
    return { output: { artifact: ref.name, mediaType: ref.mediaType, digest: ref.digest, size: ref.size }, inputs: value, artifacts: [ref] };
  },
};

async function render(format: Format, value: unknown, asOf: string, title: string | undefined): Promise<Uint8Array> {
  switch (format) {
    case 'json':
      return new TextEncoder().encode(canonicalize(value) + '\n');
    case 'csv':
      return new TextEncoder().encode(renderCsv(value));
    case 'markdown':
      return new TextEncoder().encode(renderMarkdown(value, title));
    case 'pdf': {
      // pdf-lib is large; `pcq validate` and runs without a PDF export never load it.
      const { renderPdf } = await import('./render/pdf.ts');
      return renderPdf(value, title === undefined ? { asOf } : { asOf, title });
    }
  }
}
