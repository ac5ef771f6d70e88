// The `$name` parameters a Cypher text refers to. kuzu refuses parameters the statement does not
// use, while a mutation's default parameters are the whole row (FORMATS.md), so adapters pass
// only the referenced ones. Backquoted identifiers and string literals are skipped so that a `$`
// inside 'text' is not taken for a parameter.
const TOKENS = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function cypherParameterNames(cypher: string): string[] {
  const names = new Set<string>();
  for (const match of cypher.matchAll(TOKENS)) if (match[1] !== undefined) names.add(match[1]);
  return [...names].sort();
}

export function pickParameters(cypher: string, params: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of cypherParameterNames(cypher)) if (name in params) out[name] = params[name] ?? null;
  return out;
}
