// Locating a field of a file the checks did not parse themselves (a runbook's `dataset`, a button
// in policies/buttons.yaml): re-read the text with the same YAML reader, so the location is the
// one an editor shows. Falls back to line 1 of the file when it cannot be read.
import { readFile } from 'node:fs/promises';
import type { SourceLocation } from '../../base/errors.ts';
import { readYamlSource, type PathSegment } from '../../model/yaml-source.ts';

export async function locateInFile(path: string, shown: string, keyPath: PathSegment[]): Promise<SourceLocation> {
  try {
    return readYamlSource(await readFile(path, 'utf8'), shown).locate(keyPath);
  } catch {
    return { file: shown, line: 1, col: 1 };
  }
}
