// spell.yaml → a typed SpellManifest (engine/FORMATS.md "Spells"; seed 004). Hostile input: read with
// the same YAML limits as runbooks (yaml-source.ts), checked against spell.schema.json, and the
// declared inputs/outputs schemas are checked to be usable; every problem is a coded issue at
// file:line:col. Pure: the caller reads the file.
import type { PcqIssue } from '../base/errors.ts';
import { readYamlSource } from './yaml-source.ts';
import { describeValuePath, jsonSchemaProblems, schemaShapeProblem } from './json-schema-check.ts';
import schema from './spell.schema.json' with { type: 'json' };

export const SPELL_SCHEMA: Readonly<Record<string, unknown>> = schema;

export interface SpellEffect {
  type: string;
  target: string;
  mutates: boolean;
}

export interface SpellRuntime {
  kind: 'host' | 'docker';
  entry: string[];
  platforms?: string[];
  image?: string;
  network?: boolean;
  timeout?: string;
}

export interface SpellManifest {
  id: string;
  version: string;
  name: string;
  description?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  effects: SpellEffect[];
  runtime: SpellRuntime;
  connectors: string[];
  risk?: 'low' | 'medium' | 'high';
  billing?: { enabled: boolean; note?: string };
}

export interface ParsedSpell {
  manifest?: SpellManifest;
  issues: PcqIssue[];
}

export function parseSpellManifest(text: string, file: string): ParsedSpell {
  const source = readYamlSource(text, file);
  if (source.value === undefined) return { issues: source.issues };
  const issues: PcqIssue[] = [...source.issues];
  const value = source.value;
  for (const p of jsonSchemaProblems(schema, value, '7')) {
    issues.push({
      code: 'PCQ_SPELL_INVALID',
      message: `${file}: ${describeValuePath(p.path)} ${p.message}`,
      hint: 'See engine/model/spell.schema.json (engine/FORMATS.md "Spells").',
      location: source.locate(p.path),
    });
  }
  if (issues.length > 0) return { issues };
  const m = value as SpellManifest;
  for (const field of ['inputs', 'outputs'] as const) {
    const problem = schemaShapeProblem(m[field]);
    if (problem)
      issues.push({
        code: 'PCQ_SPELL_INVALID',
        message: `${file}: ${field} ${problem}`,
        hint: 'Write a JSON Schema (draft 2020-12) object.',
        location: source.locate([field]),
      });
  }
  if (issues.length > 0) return { issues };
  return { manifest: { ...m, connectors: m.connectors ?? [] }, issues };
}

/** Milliseconds of a spell runtime timeout ("500ms", "30s", "2m"); default 30 s. */
export function spellTimeoutMs(runtime: SpellRuntime): number {
  const t = runtime.timeout;
  if (!t) return 30_000;
  const m = /^([0-9]+)(ms|s|m)$/.exec(t);
  if (!m) return 30_000;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}
