// The in-browser verifier: the engine's own verifyManifest (engine/proof, pure and browser-safe)
// with Ed25519 from WebCrypto when the browser has it, @noble/ed25519 otherwise, against the trust
// store embedded at build time. Same checks, verdict and codes as `pcq verify`. Nothing is sent
// anywhere: a dropped file is read locally with the File API.
import { verifyManifestSource, type VerifyReport } from '../../../engine/proof/verify-manifest.ts';
import { bytesSource } from '../../../engine/proof/manifest-scan.ts';
import { browserVerify, nobleVerify, webWorkerVerifyPorts } from '../../../engine/proof/ed25519-browser.ts';
import { webCryptoSha256Batch } from '../../../engine/proof/hash-webcrypto.ts';
import { sha256Sync } from '../../../engine/proof/hash-sync.ts';
import type { TrustStore } from '../../../engine/proof/trust.ts';
import { describeKeysRelied } from '../../../engine/proof/verify-trust.ts';
import type { Ed25519Verify } from '../../../engine/base/signer.ts';
import { userTrust } from '../../../engine/site-data/user-trust.ts';
import type { TimeAnchorOptions } from '../../../engine/proof/verify-time-anchor.ts';
import { fromBase64 } from '../../../engine/proof/bytes.ts';

const siteTrust = JSON.parse(document.getElementById('pcq-trust')!.textContent ?? '{"keys":[]}') as TrustStore;
// The trust every check uses: the site's, until the visitor brings their own (user-trust.ts).
let trust: TrustStore = siteTrust;
let trustLabel = "the site's trust store";
const rosterValue = JSON.parse(document.getElementById('pcq-roster')?.textContent ?? 'null') as unknown;
// The roster review decisions are checked against; none embedded: decisions fail closed, as in pcq verify.
const roster = Array.isArray(rosterValue) && rosterValue.every((l) => typeof l === 'string') ? (rosterValue as string[]) : undefined;
// The TSA trust and whether an anchor is required (timeAnchor.*), embedded as pcq verify reads them.
const anchorValue = JSON.parse(document.getElementById('pcq-time-anchor')?.textContent ?? 'null') as { trust?: unknown; required?: unknown } | null;
const timeAnchor: TimeAnchorOptions = {
  required: anchorValue?.required === true,
  ...(Array.isArray(anchorValue?.trust)
    ? { trust: anchorValue.trust.flatMap((b) => (typeof b === 'string' ? [fromBase64(b)].filter((d): d is Uint8Array => d !== undefined) : [])) }
    : {}),
};
const select = document.getElementById('published') as HTMLSelectElement;
const fileInput = document.getElementById('manifest-file') as HTMLInputElement;
const dropzone = document.getElementById('dropzone')!;
const result = document.getElementById('result')!;
const allButton = document.getElementById('verify-all') as HTMLButtonElement;
const allResult = document.getElementById('all-result')!;
let verifier: Promise<Ed25519Verify> | undefined;
// The attestation and leaf hashes (two per step) go to WebCrypto's digest, off the main thread and
// in parallel; without WebCrypto (an insecure context) the engine falls back to @noble/hashes.
const subtle = globalThis.crypto?.subtle;
const sha256Batch = subtle ? webCryptoSha256Batch(subtle as unknown as Parameters<typeof webCryptoSha256Batch>[0]) : undefined;
// Chromium verifies Ed25519 inside the call, on the calling thread: the step signatures go to Web
// Workers (started with the page, then kept) so they run beside the main thread's structural checks,
// and so does the manifest signature, whose message is the whole manifest (ports.verify).
const workers = subtle ? webWorkerVerifyPorts(subtle as unknown as Parameters<typeof webWorkerVerifyPorts>[0], { eager: true }) : undefined;

function engine(): Promise<Ed25519Verify> {
  verifier ??= browserVerify();
  return verifier;
}

// The manifest goes to the verifier as the bytes fetched or read, as `pcq verify` reads a file: no
// decode into a string and encode back to UTF-8 (for a 1,000-step manifest ~3 MB each way).
async function check(bytes: Uint8Array): Promise<{ report: VerifyReport; ms: number; via: string }> {
  const verify = await engine();
  const started = performance.now();
  // now: executedAt may not lie beyond this clock by more than AS_OF_SKEW_MS, as in pcq verify.
  const webCrypto = verify !== nobleVerify;
  const { report } = await verifyManifestSource(bytesSource(bytes), trust, webCrypto && workers ? workers.verify : verify, {
    sha256: sha256Sync, // the short synchronous hashes (Merkle nodes, subjects), without a hash object each
    sha256Batch,
    verifyBatch: webCrypto ? workers?.batch : undefined,
    // Each step's own checks (signature, hashes, inclusion proof, payload) as jobs shared between the
    // workers and this thread, which keeps the reading and the in-order folding (verify-step-job.ts).
    stepJobs: webCrypto ? workers?.steps : undefined,
    now: Date.now(),
    timeAnchor,
    ...(roster ? { roster } : {}),
  });
  return { report, ms: performance.now() - started, via: webCrypto ? 'WebCrypto Ed25519' : '@noble/ed25519' };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text; // manifest text is untrusted: never innerHTML
  if (className) node.className = className;
  return node;
}

function show(name: string, outcome: { report: VerifyReport; ms: number; via: string }): void {
  const { report, ms, via } = outcome;
  const failed = report.checks.filter((c) => !c.ok);
  const banner = el('p', report.ok ? '✅ Proofs verified' : '❌ Verification failed', `verdict-banner ${report.ok ? 'ok' : 'bad'}`);
  banner.id = 'verdict';
  banner.dataset.ok = String(report.ok);
  banner.dataset.codes = [...new Set(failed.map((c) => c.code))].join(' ');
  const summary = el(
    'p',
    `${name}: ${report.checks.length} checks, ${failed.length} failed · ${ms.toFixed(1)} ms with ${via} · trusting ${trustLabel}`,
    'muted',
  );
  const table = el('table');
  table.id = 'checks';
  table.append(el('caption', 'Every check, in the order pcq verify runs them'));
  const head = el('tr');
  for (const h of ['Result', 'Code', 'Check', 'Step', 'Detail']) {
    const th = el('th', h);
    th.scope = 'col';
    head.append(th);
  }
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const c of [...failed, ...report.checks.filter((x) => x.ok)]) {
    const row = el('tr');
    row.dataset.ok = String(c.ok);
    const badge = el('span', c.ok ? '✓ pass' : '✗ fail', `badge badge--${c.ok ? 'pass' : 'fail'}`);
    const cell = el('td');
    cell.append(badge);
    row.append(cell, el('td', c.ok ? '' : c.code, 'mono'), el('td', c.check), el('td', c.stepId ?? '', 'mono'), el('td', c.message));
    body.append(row);
  }
  table.append(body);
  const wrap = el('div', undefined, 'table-wrap');
  wrap.tabIndex = 0; // a scrollable region must be reachable by keyboard (WCAG 2.1.1)
  wrap.append(table);
  // Who vouched for every key the verdict relied on, as `pcq verify` prints it (the dev overlay loudly).
  const keys = el('ul');
  keys.id = 'keys-relied';
  for (const line of describeKeysRelied(report.keys ?? [])) keys.append(el('li', line));
  result.replaceChildren(banner, summary, wrap, el('h3', 'Keys relied on'), keys);
  result.focus();
}

async function verifyBytes(name: string, bytes: Uint8Array): Promise<void> {
  result.replaceChildren(el('p', `Verifying ${name}…`, 'muted'));
  show(name, await check(bytes));
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

document.getElementById('verify-published')!.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const url = select.value;
  try {
    await verifyBytes(select.selectedOptions[0]?.textContent ?? url, await fetchBytes(url));
  } catch (err) {
    result.replaceChildren(el('p', `❌ Could not load the manifest: ${(err as Error).message}`, 'verdict-banner bad'));
  }
});

async function readFile(file: File): Promise<void> {
  if (file.size > 64 * 1024 * 1024) {
    result.replaceChildren(el('p', `❌ ${file.name} is larger than 64 MiB; verify it with the CLI instead.`, 'verdict-banner bad'));
    return;
  }
  await verifyBytes(file.name, new Uint8Array(await file.arrayBuffer()));
}

fileInput.addEventListener('change', () => {
  const f = fileInput.files?.[0];
  if (f) void readFile(f);
});
dropzone.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  dropzone.classList.add('is-over');
});
dropzone.addEventListener('dragleave', () => dropzone.classList.remove('is-over'));
dropzone.addEventListener('drop', (ev) => {
  ev.preventDefault();
  dropzone.classList.remove('is-over');
  const f = ev.dataTransfer?.files[0];
  if (f) void readFile(f);
});

allButton.addEventListener('click', async () => {
  allButton.disabled = true;
  const rows: HTMLTableRowElement[] = [];
  let failures = 0;
  for (const option of [...select.options]) {
    let ok = false;
    let detail: string;
    try {
      const { report } = await check(await fetchBytes(option.value));
      ok = report.ok;
      detail = ok ? `${report.checks.length} checks passed` : [...new Set(report.checks.filter((c) => !c.ok).map((c) => c.code))].join(', ');
    } catch (err) {
      detail = (err as Error).message;
    }
    if (!ok) failures++;
    const row = el('tr');
    row.dataset.ok = String(ok);
    row.append(el('td', option.textContent ?? option.value), el('td', ok ? '✅' : '❌'), el('td', detail));
    rows.push(row);
  }
  const table = el('table');
  table.id = 'all-checks';
  table.append(
    el('caption', failures === 0 ? `✅ All ${rows.length} published manifests verified` : `❌ ${failures} of ${rows.length} published manifests failed`),
  );
  const body = el('tbody');
  body.append(...rows);
  table.append(body);
  const wrap = el('div', undefined, 'table-wrap');
  wrap.tabIndex = 0; // a scrollable region must be reachable by keyboard (WCAG 2.1.1)
  wrap.append(table);
  allResult.replaceChildren(wrap);
  allButton.disabled = false;
});

const trustInUse = document.getElementById('trust-in-use')!;
const trustText = document.getElementById('own-trust-text') as HTMLTextAreaElement;
const trustFile = document.getElementById('own-trust-file') as HTMLInputElement;

function useTrust(next: TrustStore, label: string, kind: 'site' | 'own'): void {
  trust = next;
  trustLabel = label;
  trustInUse.dataset.trust = kind;
  trustInUse.replaceChildren(el('strong', 'Trusting: '), document.createTextNode(`${label}. `));
  const list = el('ul');
  for (const k of next.keys)
    list.append(el('li', `${k.name}: ${k.publicKey} (${k.roles.join(', ')}; ${k.status}) — from ${k.source ?? 'an unnamed source'}`, 'mono break'));
  if (kind === 'own') trustInUse.append(list);
  result.replaceChildren(el('p', 'Trust changed: verify a manifest again to judge it under this trust.', 'muted'));
}

async function bringTrust(text: string, source: string): Promise<void> {
  const t = userTrust(text, source);
  if (!t.ok) {
    trustInUse.dataset.trust = 'error';
    trustInUse.replaceChildren(el('p', `❌ Not used (still trusting ${trustLabel}): ${t.errors.join(' · ')}`, 'verdict-banner bad'));
    return;
  }
  useTrust(t.trust, t.summary, 'own');
}

document.getElementById('own-trust')!.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void bringTrust(trustText.value, 'pasted text');
});
trustFile.addEventListener('change', async () => {
  const f = trustFile.files?.[0];
  if (!f) return;
  if (f.size > 1024 * 1024) return void bringTrust('x'.repeat(1024 * 1024 + 1), f.name);
  await bringTrust(await f.text(), f.name);
});
document.getElementById('site-trust')!.addEventListener('click', () => useTrust(siteTrust, "the site's trust store", 'site'));

// ?manifest=<site path> (the link on each run page) preselects and verifies that manifest.
const wanted = new URLSearchParams(location.search).get('manifest');
if (wanted) {
  const option = [...select.options].find((o) => o.value.endsWith(wanted));
  if (option) {
    select.value = option.value;
    document.getElementById('verify-published')!.dispatchEvent(new Event('submit', { cancelable: true }));
  }
}
document.documentElement.dataset.verifierReady = 'true';
