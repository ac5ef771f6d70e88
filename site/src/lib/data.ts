// Build-time data for every page: read once per build (module singleton), from the repository at
// PCQ_SITE_ROOT (set by astro.config.mjs). Pages never touch the file system themselves.
import { readSiteData } from '../../../engine/site-data/read-site-data.ts';
import type { SiteData } from '../../../engine/site-data/site-model.ts';

let cached: Promise<SiteData> | undefined;

export function siteData(): Promise<SiteData> {
  cached ??= readSiteData(import.meta.env.PCQ_SITE_ROOT as string);
  return cached;
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

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Pretty JSON for a <pre> block, cut so one huge output cannot make a page megabytes long. */
export function prettyJson(value: unknown, max = 4000): string {
  if (value === undefined) return '—';
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters; see the downloads)` : text;
}

export const VERDICT_LABEL: Record<string, string> = {
  pass: 'Pass',
  blocked: 'Blocked',
  approved: 'Approved',
  rejected: 'Rejected',
  failed: 'Failed',
};
