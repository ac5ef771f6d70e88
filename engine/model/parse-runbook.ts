// Text → Runbook, purely: YAML (hostile-input safe) → schema → normalised Runbook. Every problem is
// reported at once, each with a stable code and the file:line:col of the node at fault.
import { createHash } from 'node:crypto';
import type { PcqIssue } from '../base/errors.ts';
import type { Runbook } from './runbook.ts';
import { readYamlSource, type YamlSource } from './yaml-source.ts';
import { schemaIssues } from './runbook-schema.ts';
import { normaliseRunbook } from './normalise-runbook.ts';
import { nameIssues } from './name-issues.ts';

export interface ParsedRunbook {
  /** Present only when the file has no issues at all: safe to plan and run. */
  runbook?: Runbook;
  /**
   * A best-effort Runbook built even when the schema found problems (not when the YAML is broken),
   * so that validation can also report graph problems (cycles, dangling needs) in the same pass.
   * Never run a draft.
   */
  draft?: Runbook;
  issues: PcqIssue[];
}

export interface ParseOptions {
  /** `sha256:<hex>` of the file's bytes, when the caller read bytes; otherwise the UTF-8 text's. */
  digest?: string;
}

export function parseRunbook(text: string, file: string, options: ParseOptions = {}): ParsedRunbook {
  const yaml = readYamlSource(text, file);
  if (yaml.issues.length > 0) return { issues: yaml.issues };
  if (yaml.value === null || yaml.value === undefined) {
    return {
      issues: [
        {
          code: 'PCQ_SCHEMA',
          message: 'the file is empty',
          hint: 'A runbook needs runbookId, name, version and steps (engine/FORMATS.md "Runbook files").',
          location: { file, line: 1, col: 1 },
        },
      ],
    };
  }
  const issues = [...schemaIssues(yaml.value, yaml.locate), ...nameIssues(yaml.value, yaml.locate)];
  const digest = options.digest ?? `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
  // The Runbook keeps a locator for its lazy field locations (normalise-runbook.ts) as long as it
  // lives, a whole run; yaml's document behind yaml.locate is ~3 KB a step (~30 MB at 10,000 steps,
  // marked by every full GC of the run: issue 16). Once normalised, locations come from parsing the
  // same text again on first need (an error path): the same text gives the same offsets.
  let locate = yaml.locate;
  const normalised = normaliseRunbook(yaml.value, { file, digest }, (path, at) => locate(path, at));
  locate = relocator(text, file);
  issues.push(...normalised.issues);
  if (issues.length === 0 && normalised.runbook) return { runbook: normalised.runbook, draft: normalised.runbook, issues };
  const result: ParsedRunbook = { issues };
  if (normalised.runbook) result.draft = normalised.runbook;
  return result;
}

/** A locator that parses `text` again the first time a location is asked for, and keeps that parse. */
function relocator(text: string, file: string): YamlSource['locate'] {
  let again: YamlSource['locate'] | undefined;
  return (path, at) => (again ??= readYamlSource(text, file).locate)(path, at);
}
