// Loading the trust store (the edge): policies/trust.yaml (or a --trust file), plus in dev mode the
// overlay .pcq/trust.local.yaml, restricted to keys created on this machine (trust-overlay.ts).
// Every key carries the file that vouched for it. The resulting TrustStore value is pure and
// evaluated by proof/trust.ts and proof/authorization.ts, which the browser verifier uses unchanged.
import { isAbsolute, join, relative } from 'node:path';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { parseTrustDocument } from './trust-document.ts';
import { applyDevOverlay } from './trust-overlay.ts';
import { readLocalKeyIds } from './local-keys.ts';
import { EMPTY_TRUST, LOCAL_TRUST_FILE, TRUST_FILE, type TrustStore } from '../proof/trust.ts';
import { readOptional } from '../store/read-optional.ts';

export { TRUST_FILE, LOCAL_TRUST_FILE } from '../proof/trust.ts';
export { parseTrustDocument } from './trust-document.ts';

export interface TrustLoadOptions {
  root: string;
  /** An explicit trust file (`--trust`); then the overlay is never read. */
  file?: string;
  /** Read the dev overlay (dev mode only). */
  includeLocal?: boolean;
}

/** The trust store and the coded warnings about overlay entries it ignored. */
export async function loadTrust(options: TrustLoadOptions): Promise<{ trust: TrustStore; warnings: PcqIssue[] }> {
  const mainPath = options.file ?? join(options.root, TRUST_FILE);
  const shown = options.file === undefined ? TRUST_FILE : displayPath(options.root, options.file);
  const issues: PcqIssue[] = [];
  let trust = EMPTY_TRUST;
  const mainText = await readOptional(mainPath);
  if (mainText === undefined && options.file !== undefined) {
    throw new PcqErrors([
      {
        code: 'PCQ_TRUST_MISSING',
        message: `trust store ${mainPath} does not exist`,
        hint: 'Pass the path of a trust.yaml, or omit --trust to use policies/trust.yaml.',
      },
    ]);
  }
  if (mainText !== undefined) {
    const parsed = parseTrustDocument(mainText, shown);
    issues.push(...parsed.issues);
    trust = parsed.trust;
  }
  let warnings: PcqIssue[] = [];
  if (options.includeLocal && options.file === undefined) {
    const localText = await readOptional(join(options.root, LOCAL_TRUST_FILE));
    if (localText !== undefined) {
      const parsed = parseTrustDocument(localText, LOCAL_TRUST_FILE, { overlay: true });
      issues.push(...parsed.issues);
      ({ trust, warnings } = applyDevOverlay(trust, parsed.trust, await readLocalKeyIds(options.root)));
    }
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return { trust, warnings };
}

/**
 * The trust store for a repository: policies/trust.yaml (or `file`), with the dev overlay when
 * `includeLocal`. A missing main file is an empty store (every key then fails as PCQ_KEY_UNKNOWN);
 * an invalid one is PcqErrors with locations. Overlay warnings are dropped: use loadTrust to show them.
 */
export async function loadTrustStore(options: TrustLoadOptions): Promise<TrustStore> {
  return (await loadTrust(options)).trust;
}

function displayPath(root: string, file: string): string {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
