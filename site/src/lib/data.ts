// Build-time data for every page: read once per build from the repository at PCQ_SITE_ROOT (set
// by astro.config.mjs), and shared with the post-build hook (sharedSiteData), so pages and hook do
// not each read 1,000 executions. Pages never touch the file system themselves.
import { sharedSiteData } from '../../../engine/site-data/read-site-data.ts';
import type { SiteData } from '../../../engine/site-data/site-model.ts';
export { formatDuration, prettyJson } from '../../../engine/site-data/execution-html.ts';
// A CLI command that works without a checkout (the npm registry name `pcq` is another package).
export { PCQ_NPX } from '../../../engine/base/version.ts';

export function siteData(): Promise<SiteData> {
  return sharedSiteData(import.meta.env.PCQ_SITE_ROOT as string);
}

/** A site-relative path under the configured base (GitHub Pages serves from /<repo>/). */
export function href(path: string): string {
  const base = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : import.meta.env.BASE_URL + '/';
  return base + path.replace(/^\//, '');
}

export function shortHash(digest: string, size = 12): string {
  const hex = digest.replace(/^sha256:/, '');
  return hex.length > size ? `${hex.slice(0, size)}…` : hex;
}

export function shortKey(key: string): string {
  return key.length > 16 ? `${key.slice(0, 6)}…${key.slice(-6)}` : key;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const VERDICT_LABEL: Record<string, string> = {
  pass: 'Pass',
  blocked: 'Blocked',
  approved: 'Approved',
  rejected: 'Rejected',
  failed: 'Failed',
};
