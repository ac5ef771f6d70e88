// Loads the policy documents provers read — policies/authority.yaml (named CEL rules + actors) and
// policies/licenses.yaml (the license registry) — into the PolicySet of base/proofs.ts.
// Read at the edge (loadPolicySet), parse purely (parsePolicySet). Every problem is collected and
// reported with file:line:col, so `pcq validate` shows all of them at once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { PcqErrors, type PcqIssue, type SourceLocation } from '../base/errors.ts';
import type { PolicySet } from '../base/proofs.ts';
import type { CelEngine } from '../base/step-ports.ts';
import { yamlValue } from './yaml-value.ts';

export interface PolicyText {
  file: string; // shown in errors, e.g. "policies/authority.yaml"
  text: string;
}

export const AUTHORITY_FILE = 'authority.yaml';
export const LICENSES_FILE = 'licenses.yaml';

interface YamlDoc {
  value: unknown;
  locate: (keyPath: Array<string | number>) => SourceLocation;
}

function readYaml(doc: PolicyText, issues: PcqIssue[]): YamlDoc | undefined {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(doc.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file: doc.file, line: pos.line, col: pos.col };
  };
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) {
      issues.push({
        code: 'PCQ_POLICY_YAML',
        message: `${doc.file} is not valid YAML: ${e.message.split('\n')[0]}`,
        hint: 'Fix the YAML syntax at the position shown.',
        location: at(e.pos[0]),
      });
    }
    return undefined;
  }
  const locate = (keyPath: Array<string | number>): SourceLocation => {
    let node: unknown = parsed.contents;
    let best = (parsed.contents as Node | null)?.range?.[0] ?? 0;
    for (const key of keyPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        best = (pair.key as Node).range?.[0] ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        best = (node as Node | undefined)?.range?.[0] ?? best;
      } else break;
    }
    return at(best);
  };
  let value: unknown;
  try {
    value = yamlValue(parsed, 100, (why) => ({
      code: 'PCQ_POLICY_YAML',
      message: `${doc.file}: ${why}`,
      hint: 'Write the policy without YAML alias chains.',
      location: at(0),
    }));
  } catch (err) {
    issues.push(...(err as PcqErrors).issues);
    return undefined;
  }
  return { value: value ?? {}, locate };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');

function parseAuthority(doc: PolicyText, into: PolicySet, issues: PcqIssue[]): void {
  const yaml = readYaml(doc, issues);
  if (!yaml) return;
  const bad = (keyPath: Array<string | number>, message: string, hint: string): void =>
    void issues.push({ code: 'PCQ_POLICY_INVALID', message: `${doc.file}: ${message}`, hint, location: yaml.locate(keyPath) });
  if (!isObject(yaml.value)) return bad([], 'expected a mapping with `rules` and `actors`', 'Start the file with `rules:` and `actors:`.');
  for (const key of Object.keys(yaml.value)) {
    if (key !== 'rules' && key !== 'actors') bad([key], `unknown top-level key "${key}"`, 'Only `rules` and `actors` are read; remove or rename it.');
  }
  const rules = yaml.value.rules ?? {};
  if (!isObject(rules)) bad(['rules'], '`rules` must map rule names to CEL expressions', 'Write `rules:` then `name: <CEL expression>` lines.');
  else {
    for (const [name, expr] of Object.entries(rules)) {
      if (typeof expr !== 'string' || expr.trim() === '')
        bad(['rules', name], `rule "${name}" must be a non-empty CEL expression string`, 'Write the rule as a string, e.g. `>-` followed by the expression.');
      else into.rules[name] = expr;
    }
  }
  const actors = yaml.value.actors ?? {};
  if (!isObject(actors)) bad(['actors'], '`actors` must map logins to `{roles: [...]}`', 'Write `actors:` then `login: {roles: [reader]}` lines.');
  else {
    const seen = new Set<string>();
    for (const [login, facts] of Object.entries(actors)) {
      if (seen.has(login.toLowerCase())) bad(['actors', login], `actor "${login}" is listed twice (logins ignore case)`, 'Keep one entry per login.');
      seen.add(login.toLowerCase());
      if (!isObject(facts) || !isStringList(facts.roles)) {
        bad(['actors', login], `actor "${login}" needs \`roles\`: a list of role names`, 'Give every actor a `roles:` list (it may be empty: `roles: []`).');
      } else if (login.includes('*') && !(login.endsWith('*') && login.indexOf('*') === login.length - 1)) {
        bad(['actors', login], `actor pattern "${login}" may only end with a single "*"`, 'Use a prefix pattern such as `local:*`.');
      } else into.actors[login] = { ...facts, roles: [...facts.roles] };
    }
  }
}

function parseLicenses(doc: PolicyText, into: PolicySet, issues: PcqIssue[]): void {
  const yaml = readYaml(doc, issues);
  if (!yaml) return;
  const bad = (keyPath: Array<string | number>, message: string, hint: string): void =>
    void issues.push({ code: 'PCQ_POLICY_INVALID', message: `${doc.file}: ${message}`, hint, location: yaml.locate(keyPath) });
  if (!isObject(yaml.value) || !Array.isArray(yaml.value.licenses)) {
    return bad([], 'expected `licenses:` followed by a list of entries', 'Write `licenses:` then `- {source: host, operations: [...]}` entries.');
  }
  for (const key of Object.keys(yaml.value))
    if (key !== 'licenses') bad([key], `unknown top-level key "${key}"`, 'Only `licenses` is read; remove or rename it.');
  yaml.value.licenses.forEach((entry: unknown, i: number) => {
    if (!isObject(entry)) return bad(['licenses', i], `entry ${i + 1} must be a mapping`, 'Write each entry as `{source, operations, license?}`.');
    const known = new Set(['source', 'connector', 'operations', 'license', 'notes']);
    for (const key of Object.keys(entry))
      if (!known.has(key)) bad(['licenses', i, key], `entry ${i + 1} has unknown field "${key}"`, `Use only ${[...known].join(', ')}.`);
    if (typeof entry.source !== 'string' || entry.source.trim() === '')
      return bad(['licenses', i], `entry ${i + 1} needs \`source\` (a host such as api.example.com)`, 'Add `source: <host>`.');
    if (!isStringList(entry.operations) || entry.operations.length === 0)
      return bad(
        ['licenses', i, 'operations'],
        `entry ${i + 1} needs \`operations\`: a non-empty list`,
        'List what the license allows, e.g. `operations: [enrichment]`.',
      );
    for (const f of ['connector', 'license', 'notes'] as const) {
      if (entry[f] !== undefined && typeof entry[f] !== 'string')
        return bad(['licenses', i, f], `entry ${i + 1}: \`${f}\` must be a string`, `Quote the ${f} value.`);
    }
    const out: PolicySet['licenses'][number] = { source: entry.source.trim().toLowerCase(), operations: [...entry.operations] };
    if (typeof entry.connector === 'string') out.connector = entry.connector;
    if (typeof entry.license === 'string') out.license = entry.license;
    if (typeof entry.notes === 'string') out.notes = entry.notes;
    into.licenses.push(out);
  });
}

/** Pure: policy texts in, PolicySet out; throws PcqErrors listing every problem found. */
export function parsePolicySet(docs: { authority?: PolicyText; licenses?: PolicyText }): PolicySet {
  const set: PolicySet = { rules: {}, actors: {}, licenses: [] };
  const issues: PcqIssue[] = [];
  if (docs.authority) parseAuthority(docs.authority, set, issues);
  if (docs.licenses) parseLicenses(docs.licenses, set, issues);
  if (issues.length > 0) throw new PcqErrors(issues);
  return set;
}

/** Reads policies/authority.yaml and policies/licenses.yaml. An absent file contributes nothing
 *  (so every authority/license prover denies: monotonic), it is not an error. */
export async function loadPolicySet(policiesDir: string, displayDir = 'policies'): Promise<PolicySet> {
  const read = async (name: string): Promise<PolicyText | undefined> => {
    try {
      return { file: path.posix.join(displayDir, name), text: await readFile(path.join(policiesDir, name), 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new PcqErrors([
        {
          code: 'PCQ_POLICY_UNREADABLE',
          message: `cannot read ${path.join(policiesDir, name)}: ${(err as Error).message}`,
          hint: 'Check the file exists and is readable.',
        },
      ]);
    }
  };
  const [authority, licenses] = await Promise.all([read(AUTHORITY_FILE), read(LICENSES_FILE)]);
  const docs: { authority?: PolicyText; licenses?: PolicyText } = {};
  if (authority) docs.authority = authority;
  if (licenses) docs.licenses = licenses;
  return parsePolicySet(docs);
}

/** Every rule must compile; reported by `pcq validate`. */
export function checkPolicyRules(policies: PolicySet, cel: CelEngine, file = `policies/${AUTHORITY_FILE}`): PcqIssue[] {
  const issues: PcqIssue[] = [];
  for (const [name, expr] of Object.entries(policies.rules)) {
    const problem = cel.check(expr);
    if (problem !== undefined)
      issues.push({
        code: 'PCQ_POLICY_CEL',
        message: `${file}: rule "${name}" does not compile: ${problem}`,
        hint: 'Fix the CEL expression of the rule.',
        details: { rule: name },
      });
  }
  return issues;
}

export interface ActorFacts {
  login: string;
  roles: string[];
  matchedBy: string; // the actors-table key that matched (exact login or `prefix*` pattern)
  [k: string]: unknown;
}

/** Exact login first, then the longest matching `prefix*` pattern; unknown actors get undefined
 *  (and authority rules then deny). Logins compare case-insensitively, as GitHub's do. GitHub
 *  logins cannot contain ':', so the CLI's `local:*` pattern never matches a GitHub actor. */
export function resolveActor(policies: PolicySet, login: string): ActorFacts | undefined {
  if (login === '') return undefined;
  const wanted = login.toLowerCase();
  const keys = Object.keys(policies.actors);
  const exact = wanted.endsWith('*') ? undefined : keys.find((k) => !k.endsWith('*') && k.toLowerCase() === wanted);
  let best = exact;
  if (!best) {
    for (const key of keys) {
      if (!key.endsWith('*')) continue;
      const prefix = key.slice(0, -1).toLowerCase();
      if (prefix !== '' && wanted.startsWith(prefix) && (!best || key.length > best.length)) best = key;
    }
  }
  if (!best) return undefined;
  const facts = policies.actors[best]!;
  return { ...facts, roles: [...facts.roles], login, matchedBy: best };
}
