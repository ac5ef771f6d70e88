// Structural check of a parsed manifest, mirroring manifest.schema.json rule for rule. Hand-written
// instead of ajv because ajv compiles schemas with `new Function`, which a CSP-strict page (the
// browser verifier) forbids; manifest-shape.test.ts keeps the two in agreement.

export interface ShapeProblem {
  path: string; // JSON Pointer-ish, e.g. /steps/3/inclusionProof/hashes/0
  message: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{64}$/;
const G_KEY = /^G[A-Z2-7]{55}$/;
// Pinned lengths (schema and shape agree byte for byte, so any JSON Schema validator agrees with pcq):
// an Ed25519 signature is 64 bytes = 86 base64 characters and "==", ids follow base/safe-name.ts's shape.
const SIGNATURE = /^base64:[A-Za-z0-9+/]{86}==$/;
const SIG64 = /^[A-Za-z0-9+/]{86}==$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MANIFEST_ID = /^pcq-[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$/;

const TOP = [
  'manifestId',
  'executionId',
  'runbookId',
  'version',
  'runbookDigest',
  'executedAt',
  'executedBy',
  'actor',
  'authorization',
  'inputs',
  'steps',
  'merkleRoot',
  'signature',
  'reviews',
];
// Optional top-level fields: checked when present (manifests sealed before they existed lack them).
const OPTIONAL_TOP = ['datasets', 'policyDigest', 'grant', 'receipts', 'effectsPolicy', 'retryOf', 'state', 'pause', 'approvals', 'timeAnchor'];
// timeAnchor.token: canonical base64 of at most 32 KiB of DER (proof/rfc3161.ts MAX_TOKEN_BYTES).
const TOKEN_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TOKEN_MAX_CHARS = 43692;
// A dataset path: repository-relative, forward slashes, no empty, "." or ".." segment.
const DATASET_PATH = /^(?!\/)(?!.*(?:^|\/)\.{1,2}(?:\/|$))(?!.*\/\/)[^\\\u0000]+$/;
const AUTHORIZATION = ['keyid', 'keyName', 'source', 'devOverlay', 'role', 'status', 'validFrom', 'validUntil', 'checkedAt', 'mode'];
const STEP = ['stepId', 'attestation', 'proofs', 'attestationHash', 'inclusionProof'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fields(value: Record<string, unknown>, allowed: string[], path: string, out: ShapeProblem[], optional: string[] = []): void {
  // Indexed loops: this runs for every object of every step, and iterators would be garbage per call.
  for (let i = 0; i < allowed.length; i++) if (!(allowed[i]! in value)) out.push({ path, message: `missing required field "${allowed[i]!}"` });
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++)
    if (!allowed.includes(keys[i]!) && !optional.includes(keys[i]!)) out.push({ path, message: `unexpected field "${keys[i]!}"` });
}

/** `effectsPolicy`: {decision: allowed, policyFile, policyDigest, effects: [{stepId, type, target, mutates, source}]}. */
function effectsPolicy(value: unknown, out: ShapeProblem[]): void {
  const p = '/effectsPolicy';
  if (!isRecord(value)) return void out.push({ path: p, message: 'must be an object' });
  fields(value, ['decision', 'policyFile', 'policyDigest', 'effects'], p, out);
  if (value.decision !== 'allowed') out.push({ path: `${p}/decision`, message: 'must be "allowed" (a denied run is never sealed)' });
  if (!(value.policyFile === null || typeof value.policyFile === 'string')) out.push({ path: `${p}/policyFile`, message: 'must be a string or null' });
  if (!(value.policyDigest === null || (typeof value.policyDigest === 'string' && DIGEST.test(value.policyDigest))))
    out.push({ path: `${p}/policyDigest`, message: 'must be sha256:<64 hex> or null' });
  if (!Array.isArray(value.effects)) return void out.push({ path: `${p}/effects`, message: 'must be a list' });
  value.effects.forEach((e, i) => {
    const q = `${p}/effects/${i}`;
    if (!isRecord(e)) return void out.push({ path: q, message: 'must be an object' });
    fields(e, ['stepId', 'type', 'target', 'mutates', 'source'], q, out);
    if (typeof e.stepId !== 'string' || typeof e.type !== 'string' || typeof e.target !== 'string')
      out.push({ path: q, message: 'stepId, type and target must be strings' });
    if (typeof e.mutates !== 'boolean') out.push({ path: `${q}/mutates`, message: 'must be a boolean' });
    if (e.source !== 'spell' && e.source !== 'builtin') out.push({ path: `${q}/source`, message: 'must be spell or builtin' });
  });
}

/** `datasets`: [{path, digest}], paths repository-relative (sealing sorts them; seal.ts). */
function datasets(value: unknown, out: ShapeProblem[]): void {
  if (!Array.isArray(value)) return void out.push({ path: '/datasets', message: 'must be a list' });
  value.forEach((d, i) => {
    const p = `/datasets/${i}`;
    if (!isRecord(d)) return void out.push({ path: p, message: 'must be an object' });
    fields(d, ['path', 'digest'], p, out);
    if ('path' in d) text(d.path, `${p}/path`, out, { pattern: DATASET_PATH, what: 'a repository-relative path' });
    if ('digest' in d) text(d.digest, `${p}/digest`, out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  });
}

/** `timeAnchor`: {format: rfc3161, token: base64 DER, 4–43692 characters}. */
function timeAnchor(value: unknown, out: ShapeProblem[]): void {
  if (!isRecord(value)) return void out.push({ path: '/timeAnchor', message: 'must be an object' });
  fields(value, ['format', 'token'], '/timeAnchor', out);
  if ('format' in value && value.format !== 'rfc3161') out.push({ path: '/timeAnchor/format', message: 'must be "rfc3161"' });
  if (!('token' in value)) return;
  const t = value.token;
  if (typeof t !== 'string') out.push({ path: '/timeAnchor/token', message: 'must be a string' });
  else if (t.length < 4 || t.length > TOKEN_MAX_CHARS) out.push({ path: '/timeAnchor/token', message: `must be 4 to ${TOKEN_MAX_CHARS} characters` });
  else if (!TOKEN_BASE64.test(t)) out.push({ path: '/timeAnchor/token', message: 'must be standard base64' });
}

function text(value: unknown, path: string, out: ShapeProblem[], rule?: { min?: number; pattern?: RegExp; what?: string }): void {
  if (typeof value !== 'string') out.push({ path, message: 'must be a string' });
  else if (rule?.min !== undefined && value.length < rule.min) out.push({ path, message: 'must not be empty' });
  else if (rule?.pattern && !rule.pattern.test(value)) out.push({ path, message: `must be ${rule.what}` });
}

function envelope(value: unknown, path: string, out: ShapeProblem[]): void {
  if (!isRecord(value)) return void out.push({ path, message: 'must be a DSSE envelope object' });
  fields(value, ['payloadType', 'payload', 'signatures'], path, out);
  if ('payloadType' in value) text(value.payloadType, `${path}/payloadType`, out, { min: 1 });
  if ('payload' in value) text(value.payload, `${path}/payload`, out, { pattern: BASE64, what: 'standard base64' });
  if (!('signatures' in value)) return;
  if (!Array.isArray(value.signatures) || value.signatures.length === 0)
    return void out.push({ path: `${path}/signatures`, message: 'must be a non-empty list' });
  value.signatures.forEach((s, i) => {
    const p = `${path}/signatures/${i}`;
    if (!isRecord(s)) return void out.push({ path: p, message: 'must be an object' });
    fields(s, ['keyid', 'sig'], p, out);
    if ('keyid' in s) text(s.keyid, `${p}/keyid`, out, { pattern: G_KEY, what: 'a G… Stellar public key' });
    if ('sig' in s) text(s.sig, `${p}/sig`, out, { pattern: SIG64, what: 'the base64 of a 64-byte signature' });
  });
}

function step(value: unknown, path: string, out: ShapeProblem[]): void {
  if (!isRecord(value)) return void out.push({ path, message: 'must be an object' });
  fields(value, STEP, path, out);
  if ('stepId' in value) text(value.stepId, `${path}/stepId`, out, { pattern: SAFE_ID, what: 'a step id ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})' });
  if ('attestation' in value) envelope(value.attestation, `${path}/attestation`, out);
  if ('proofs' in value) {
    const proofs = value.proofs;
    if (!isRecord(proofs)) out.push({ path: `${path}/proofs`, message: 'must be an object' });
    else {
      fields(proofs, ['preconditions', 'postconditions'], `${path}/proofs`, out);
      for (const k of ['preconditions', 'postconditions'])
        if (k in proofs && !Array.isArray(proofs[k])) out.push({ path: `${path}/proofs/${k}`, message: 'must be a list' });
    }
  }
  if ('attestationHash' in value) text(value.attestationHash, `${path}/attestationHash`, out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  if ('inclusionProof' in value) {
    const ip = value.inclusionProof;
    const p = `${path}/inclusionProof`;
    if (!isRecord(ip)) return void out.push({ path: p, message: 'must be an object' });
    fields(ip, ['leafIndex', 'treeSize', 'hashes'], p, out);
    if ('leafIndex' in ip && !(Number.isInteger(ip.leafIndex) && (ip.leafIndex as number) >= 0))
      out.push({ path: `${p}/leafIndex`, message: 'must be an integer ≥ 0' });
    if ('treeSize' in ip && !(Number.isInteger(ip.treeSize) && (ip.treeSize as number) >= 1))
      out.push({ path: `${p}/treeSize`, message: 'must be an integer ≥ 1' });
    if ('hashes' in ip) {
      if (!Array.isArray(ip.hashes)) out.push({ path: `${p}/hashes`, message: 'must be a list' });
      else ip.hashes.forEach((h, i) => text(h, `${p}/hashes/${i}`, out, { pattern: HEX32, what: '64 lowercase hex' }));
    }
  }
}

function oneOf(value: unknown, allowed: readonly unknown[], path: string, out: ShapeProblem[]): void {
  if (!allowed.includes(value)) out.push({ path, message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` });
}

/** The runner authorization record (definitions/authorization). */
function authorization(value: unknown, out: ShapeProblem[]): void {
  const path = '/authorization';
  if (!isRecord(value)) return void out.push({ path, message: 'must be an object' });
  const optional = 'origin' in value ? [...AUTHORIZATION, 'origin'] : AUTHORIZATION;
  fields(value, optional, path, out);
  if ('keyid' in value) text(value.keyid, `${path}/keyid`, out, { pattern: G_KEY, what: 'a G… Stellar public key' });
  for (const k of ['keyName', 'source', 'checkedAt']) if (k in value) text(value[k], `${path}/${k}`, out, { min: 1 });
  if ('devOverlay' in value && typeof value.devOverlay !== 'boolean') out.push({ path: `${path}/devOverlay`, message: 'must be a boolean' });
  if ('origin' in value) oneOf(value.origin, ['local-runner', 'local-reviewer'], `${path}/origin`, out);
  if ('role' in value) oneOf(value.role, ['runner'], `${path}/role`, out);
  if ('status' in value) oneOf(value.status, ['active', 'retired'], `${path}/status`, out);
  if ('mode' in value) oneOf(value.mode, ['dev', 'staging', 'prod'], `${path}/mode`, out);
  for (const k of ['validFrom', 'validUntil'])
    if (k in value && value[k] !== null && typeof value[k] !== 'string') out.push({ path: `${path}/${k}`, message: 'must be a string or null' });
}

const GRANT = ['grantId', 'version', 'digest', 'signer', 'runner', 'runbooks', 'budget', 'unit', 'expiresAt', 'source', 'devOverlay'];
const OPEN = ['method', 'runId', 'grantId', 'grantDigest', 'runner', 'runbookId', 'reserved', 'ledger', 'backend', 'contractId'];
const FINALIZE = ['method', 'runId', 'grantId', 'usage', 'outcome', 'spentAfter', 'ledger', 'backend', 'contractId'];

function units(value: unknown, path: string, out: ShapeProblem[]): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) out.push({ path, message: 'must be a whole number ≥ 0' });
}

/** `grant`: the grant the run opened under (base/prepaid-vault.ts ManifestGrant). */
function grant(value: unknown, out: ShapeProblem[]): void {
  const path = '/grant';
  if (!isRecord(value)) return void out.push({ path, message: 'must be an object' });
  fields(value, GRANT, path, out);
  text(value.grantId, `${path}/grantId`, out, { pattern: /^g-[0-9a-f]{12}$/, what: 'g-<12 hex>' });
  text(value.digest, `${path}/digest`, out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  for (const k of ['signer', 'runner']) text(value[k], `${path}/${k}`, out, { pattern: G_KEY, what: 'a G… Stellar public key' });
  for (const k of ['version', 'budget']) units(value[k], `${path}/${k}`, out);
  if (!Array.isArray(value.runbooks) || !value.runbooks.every((r) => typeof r === 'string'))
    out.push({ path: `${path}/runbooks`, message: 'must be a list of runbook ids' });
  oneOf(value.unit, ['step'], `${path}/unit`, out);
  for (const k of ['expiresAt', 'source']) text(value[k], `${path}/${k}`, out, { min: 1 });
  if (typeof value.devOverlay !== 'boolean') out.push({ path: `${path}/devOverlay`, message: 'must be a boolean' });
}

function receipt(value: unknown, path: string, keys: string[], out: ShapeProblem[]): void {
  if (!isRecord(value)) return void out.push({ path, message: 'must be an object' });
  fields(value, keys, path, out, ['txHash']);
  for (const k of ['reserved', 'usage', 'spentAfter', 'ledger']) if (keys.includes(k)) units(value[k], `${path}/${k}`, out);
  for (const k of ['runId', 'grantId', 'contractId', 'runbookId']) if (keys.includes(k)) text(value[k], `${path}/${k}`, out, { min: 1 });
  if (keys.includes('grantDigest')) text(value.grantDigest, `${path}/grantDigest`, out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  if (keys.includes('runner')) text(value.runner, `${path}/runner`, out, { pattern: G_KEY, what: 'a G… Stellar public key' });
  oneOf(value.backend, ['embedded', 'soroban'], `${path}/backend`, out);
  if ('txHash' in value) text(value.txHash, `${path}/txHash`, out, { pattern: HEX32, what: '64 hex' });
  if (keys.includes('outcome')) oneOf(value.outcome, ['finalized', 'failed'], `${path}/outcome`, out);
}

/** `receipts`: the vault's open_run and finalize_run receipts. */
function receipts(value: unknown, paused: boolean, out: ShapeProblem[]): void {
  if (!isRecord(value)) return void out.push({ path: '/receipts', message: 'must be an object' });
  // A paused run's vault run is still open: it has no finalize_run receipt yet (FORMATS.md "Approval steps").
  if (paused) fields(value, ['open'], '/receipts', out, ['finalize']);
  else fields(value, ['open', 'finalize'], '/receipts', out);
  receipt(value.open, '/receipts/open', OPEN, out);
  if ('finalize' in value) receipt(value.finalize, '/receipts/finalize', FINALIZE, out);
  if (isRecord(value.open) && value.open.method !== 'open_run') out.push({ path: '/receipts/open/method', message: 'must be "open_run"' });
  if (isRecord(value.finalize) && value.finalize.method !== 'finalize_run') out.push({ path: '/receipts/finalize/method', message: 'must be "finalize_run"' });
}

/** `state` (only "paused"), `pause` exactly with it, and `approvals` (DSSE envelopes): FORMATS.md "Approval steps". */
function pauseFields(value: Record<string, unknown>, out: ShapeProblem[]): void {
  if ('state' in value && value.state !== 'paused') out.push({ path: '/state', message: 'must be "paused" (a run that ended has no state field)' });
  if ('state' in value !== 'pause' in value) out.push({ path: '/pause', message: 'is present exactly when state is "paused"' });
  if ('pause' in value) {
    const p = value.pause;
    if (!isRecord(p)) out.push({ path: '/pause', message: 'must be an object' });
    else {
      fields(p, ['stepId', 'message', 'approvers'], '/pause', out);
      text(p.stepId, '/pause/stepId', out, { min: 1 });
      text(p.message, '/pause/message', out);
      if (!Array.isArray(p.approvers) || !p.approvers.every((a) => typeof a === 'string'))
        out.push({ path: '/pause/approvers', message: 'must be a list of logins' });
    }
  }
  if ('approvals' in value) {
    if (!Array.isArray(value.approvals)) out.push({ path: '/approvals', message: 'must be a list' });
    else value.approvals.forEach((r, i) => envelope(r, `/approvals/${i}`, out));
  }
}

/** Every way the value departs from manifest.schema.json; empty when it conforms. */
export function checkManifestShape(value: unknown): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  if (!isRecord(value)) return [{ path: '', message: 'a manifest must be a JSON object' }];
  fields(value, TOP, '', out, OPTIONAL_TOP);
  if ('version' in value) text(value.version, '/version', out, { min: 1 });
  if ('manifestId' in value) text(value.manifestId, '/manifestId', out, { pattern: MANIFEST_ID, what: 'pcq-<executionId>' });
  for (const k of ['executionId', 'runbookId'])
    if (k in value) text(value[k], `/${k}`, out, { pattern: SAFE_ID, what: 'an id ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})' });
  if ('executedAt' in value) text(value.executedAt, '/executedAt', out, { pattern: TIME, what: 'an RFC 3339 date-time' });
  if ('actor' in value) text(value.actor, '/actor', out);
  if ('runbookDigest' in value) text(value.runbookDigest, '/runbookDigest', out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  if ('merkleRoot' in value) text(value.merkleRoot, '/merkleRoot', out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  if ('executedBy' in value) text(value.executedBy, '/executedBy', out, { pattern: G_KEY, what: 'a G… Stellar public key' });
  if ('signature' in value) text(value.signature, '/signature', out, { pattern: SIGNATURE, what: 'base64:<signature>' });
  if ('authorization' in value) authorization(value.authorization, out);
  if ('inputs' in value && !isRecord(value.inputs)) out.push({ path: '/inputs', message: 'must be an object' });
  if ('datasets' in value) datasets(value.datasets, out);
  if ('policyDigest' in value) text(value.policyDigest, '/policyDigest', out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
  if ('grant' in value) grant(value.grant, out);
  if ('receipts' in value) receipts(value.receipts, value.state === 'paused', out);
  if ('effectsPolicy' in value) effectsPolicy(value.effectsPolicy, out);
  if ('retryOf' in value) {
    if (!isRecord(value.retryOf)) out.push({ path: '/retryOf', message: 'must be an object' });
    else {
      fields(value.retryOf, ['executionId', 'manifestDigest'], '/retryOf', out);
      text(value.retryOf.executionId, '/retryOf/executionId', out, { min: 1 });
      text(value.retryOf.manifestDigest, '/retryOf/manifestDigest', out, { pattern: DIGEST, what: 'sha256:<64 hex>' });
    }
  }
  pauseFields(value, out);
  if ('timeAnchor' in value) timeAnchor(value.timeAnchor, out);
  if ('steps' in value) {
    if (!Array.isArray(value.steps)) out.push({ path: '/steps', message: 'must be a list' });
    else value.steps.forEach((s, i) => step(s, `/steps/${i}`, out));
  }
  if ('reviews' in value) {
    if (!Array.isArray(value.reviews)) out.push({ path: '/reviews', message: 'must be a list' });
    else value.reviews.forEach((r, i) => envelope(r, `/reviews/${i}`, out));
  }
  return out;
}

/** One element of `steps` (the streaming verifier checks each as it passes): checkManifestShape's rules for /steps/<index>. */
export function checkStepShape(value: unknown, index: number): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  step(value, `/steps/${index}`, out);
  return out;
}
