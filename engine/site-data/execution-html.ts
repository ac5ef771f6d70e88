// The bulky, repeated parts of an execution page (timeline and per-step attestation detail) as
// plain escaped HTML strings. An execution page has one block per step, each with several badges,
// tables and <pre> dumps; rendering those as nested Astro components was most of the cost of a
// 1,000-execution build. The markup is the same a component would emit, still fully server-
// rendered (readable without JavaScript, indexed by pagefind); the detail sits in <details>.
// Every value from a file goes through esc(): step ids, evidence and outputs are untrusted.
import type { ExecutionView } from './site-model.ts';

export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESC[c]!);
}
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For element text only (never attributes): quotes need no escaping there, and JSON is full of them. */
export function escText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESC[c]!);
}

const ICON: Record<string, string> = {
  pass: '✓',
  succeeded: '✓',
  approved: '✓',
  identical: '✓',
  active: '✓',
  released: '✓',
  fail: '✗',
  failed: '✗',
  rejected: '✗',
  different: '✗',
  revoked: '✗',
  blocked: '‖',
  withheld: '‖',
  open: '●',
  skipped: '–',
};

/** The Badge component's markup: colour AND a word (colour alone never carries meaning). */
export function badgeHtml(kind: string, label: string = kind): string {
  const icon = ICON[kind];
  return `<span class="badge badge--${esc(kind)}">${icon ? `<span aria-hidden="true">${icon} </span>` : ''}${esc(label)}</span>`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * JSON for a <pre> block: on one line when that is short enough to read, indented otherwise, and
 * cut so one huge output cannot make a page megabytes long (page weight is most of a big build).
 */
export function prettyJson(value: unknown, max = 4000): string {
  if (value === undefined) return '—';
  const compact = JSON.stringify(value) ?? String(value);
  const text = compact.length <= 100 ? compact : (JSON.stringify(value, null, 2) ?? compact);
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters; see the downloads)` : text;
}

/** Anchor ids from step ids: stable, unique per page, valid in a URL fragment. */
export function stepAnchor(stepId: string): string {
  return `step-${stepId.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}`)}`;
}

export function timelineHtml(e: ExecutionView): string {
  const items = e.steps.map((s, i) => {
    const passed = s.proofs.filter((p) => p.result === 'pass').length;
    const failed = s.proofs.filter((p) => p.result === 'fail');
    const branch = s.condition
      ? ` · when <code>${esc(s.condition.expr)}</code> → ${String(s.condition.value)}`
      : s.branchSkipped
        ? ` · ${esc(s.branchSkipped)}`
        : '';
    // A blocked step ran (its attestation signs "succeeded") but a postcondition failed: say both.
    const blockedBy =
      s.status === 'blocked'
        ? ` · blocked the run: postcondition ${failed
            .filter((p) => p.phase === 'postcondition')
            .map((p) => `<code>${esc(p.prover)}</code>`)
            .join(', ')} failed (the attestation signs the step as ${esc(s.signedStatus ?? 'succeeded')})`
        : '';
    const why = s.error ? ` · <code>${esc(s.error.code)}</code> ${esc(s.error.message)}` : s.skipReason && !s.branchSkipped ? ` · ${esc(s.skipReason)}` : '';
    return (
      `<li class="st-${esc(s.status)}"><strong><a href="#${stepAnchor(s.stepId)}">${i + 1}. ${esc(s.stepId)}</a></strong> <span class="muted">${esc(s.type)}</span> ${badgeHtml(s.status)}` +
      `<div class="muted">duration ${formatDuration(s.durationMs)} · attempts ${s.attempts ?? '—'} · proofs ${passed} passed, ${failed.length} failed` +
      failed.map((p) => ` · ${badgeHtml('fail', p.prover)}`).join('') +
      `${branch}${blockedBy}${why}` +
      (s.spell
        ? `<div class="muted">spell <code>${esc(s.spell.id)}@${esc(s.spell.version)}</code> · bundle <code>${esc(s.spell.bundleDigest)}</code> · ${esc(s.spell.signature)}</div>`
        : '') +
      `</div></li>`
    );
  });
  return `<ol class="timeline">${items.join('')}</ol>`;
}

/**
 * The attestations, compactly: one chain table (a row per step: hashes, chain links as step
 * links, leaf position, inclusion-proof siblings), one proofs table for the whole run, and each
 * step's inputs/outputs in <details>. Links between steps are shown by name, not by repeating
 * 64-hex hashes (a hash that matches no step is shown in full: that is what a broken chain looks
 * like). Page weight is most of a large build's cost, so nothing is printed twice.
 */
export function attestationsHtml(e: ExecutionView): string {
  const stepByHash = new Map(e.steps.map((s) => [s.attestationHash, s.stepId]));
  const keys = new Set(e.steps.map((s) => s.keyid));
  const oneKey = keys.size === 1 ? [...keys][0]! : undefined;
  const ref = (hash: string) => {
    const stepId = stepByHash.get(hash);
    return stepId === undefined ? `<code>${esc(hash)}</code>` : `<a href="#${stepAnchor(stepId)}">${esc(stepId)}</a>`;
  };
  const rows = e.steps.map((s, i) => {
    const id = stepAnchor(s.stepId);
    const ip = s.inclusionProof;
    return (
      `<tr id="${id}"><th scope="row">${i + 1}. ${esc(s.stepId)}</th>` +
      `<td><code>${esc(s.attestationHash.replace(/^sha256:/, ''))}</code></td><td><code>${esc(s.subjectDigest)}</code></td>` +
      `<td>${s.previousAttestationHash === null ? '—' : ref(s.previousAttestationHash)}</td>` +
      `<td>${s.parents.length === 0 ? '—' : s.parents.map(ref).join(', ')}</td>` +
      `<td>${ip ? `${ip.leafIndex} of ${ip.treeSize}${ip.hashes.map((h) => `<br><code>${esc(h)}</code>`).join('')}` : '—'}</td>` +
      (oneKey === undefined ? `<td><code>${esc(s.keyid)}</code></td>` : '') +
      `</tr>`
    );
  });
  const chain =
    (oneKey !== undefined
      ? `<p>Every step is signed by <code class="break">${esc(oneKey)}</code>; each is stamped with the signed asOf <code>${esc(e.steps[0]?.timestamp ?? '')}</code>.</p>`
      : '') +
    // Hashes are left out of the search index (data-pagefind-ignore): tens of thousands of unique
    // hex "words" made indexing slow and the index large, and nobody types a sibling hash.
    `<div class="table-wrap" tabindex="0" data-pagefind-ignore><table class="chain"><caption>Attestation chain: previous = the attestation before it in the chain; parents = its DAG dependencies; inclusion proof = leaf index and RFC 9162 sibling hashes</caption>` +
    `<thead><tr><th scope="col">Step</th><th scope="col">Attestation hash (sha256)</th><th scope="col">Subject digest (sha256 of the outputs)</th><th scope="col">Previous</th><th scope="col">Parents</th><th scope="col">Inclusion proof</th>${oneKey === undefined ? '<th scope="col">Signed by</th>' : ''}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`;
  const proofRows = e.steps.flatMap((s) =>
    s.proofs.map(
      (p) =>
        `<tr><td><a href="#${stepAnchor(s.stepId)}">${esc(s.stepId)}</a></td><td><code>${esc(p.prover)}</code></td><td>${p.phase}</td><td>${esc(p.type)}</td><td>${badgeHtml(p.result)}</td><td>${esc(p.evidence)}</td></tr>`,
    ),
  );
  const proofs =
    proofRows.length === 0
      ? '<p class="muted">No step declares a prover.</p>'
      : `<div class="table-wrap" tabindex="0"><table class="proofs"><caption>Proofs, as signed in each step's attestation</caption><thead><tr><th scope="col">Step</th><th scope="col">Prover</th><th scope="col">Phase</th><th scope="col">Type</th><th scope="col">Result</th><th scope="col">Evidence</th></tr></thead><tbody>${proofRows.join('')}</tbody></table></div>`;
  const io = e.steps.map((s) => {
    const artifacts = s.artifacts.map((a) => `<br>artifact <code>${esc(a.name)}</code> <code class="break">${esc(a.digest)}</code>`).join('');
    const isPrivate = typeof s.outputs === 'object' && s.outputs !== null && (s.outputs as { private?: unknown }).private === true;
    return `<details class="io"><summary>${esc(s.stepId)}: inputs and outputs${artifacts ? ' and artifacts' : ''}${isPrivate ? ' (private: signed by salted digest, sealed for the ombuds)' : ''}</summary><div class="grid-2"><pre tabindex="0">${escText(prettyJson(s.inputs))}</pre><pre tabindex="0">${escText(prettyJson(s.fullOutputs ?? s.outputs))}</pre></div>${artifacts ? `<p>${artifacts.slice(4)}</p>` : ''}</details>`;
  });
  return (
    chain +
    '<h3>Proofs</h3>' +
    proofs +
    '<h3>Inputs and outputs</h3><p class="muted">Left: the step\'s signed inputs; right: its outputs (the subject digest is sha256 of the published file outputs/&lt;stepId&gt;.json, their canonical JSON and a newline, so sha256sum agrees). A private step shows only its salted commitments; the ombuds read its values with <code>pcq unseal</code>.</p>' +
    io.join('')
  );
}
