// The one classification rule (docs/design.md §7 "Public and private"), pure so that any reader — the
// CLI, the Action, the site build, a browser — applies the same rule: a file of an execution
// folder is public unless it lives under `private/`; dot-files (staging, temp, lock files) and
// anything that is not a plain relative path are never public.

export const PRIVATE_DIR = 'private';

/** Whether a '/'-separated path relative to an execution folder may be published. */
export function isPublicPath(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\')) return false;
  const segments = rel.split('/');
  if (segments[0] === PRIVATE_DIR) return false;
  return segments.every((s) => s !== '' && s !== '.' && s !== '..' && !s.startsWith('.'));
}
