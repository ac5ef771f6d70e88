// A parsed YAML document's value, with the failures yaml throws while building it (an alias where
// none are allowed, an alias bomb past maxAliasCount, an unresolved alias) turned into a coded
// issue about the file: a hostile file read back from disk is bad input, never PCQ_INTERNAL.
import type { Document } from 'yaml';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';

export function yamlValue(doc: Document, maxAliasCount: number, issueFor: (why: string) => PcqIssue): unknown {
  try {
    return doc.toJS({ maxAliasCount });
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new PcqErrors([issueFor(maxAliasCount === 0 ? `YAML aliases are not allowed here (${why})` : why)]);
  }
}
