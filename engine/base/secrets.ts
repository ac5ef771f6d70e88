// The one secret registry (issue 10 "No secret is ever stored"). Every configured secret value
// (RUNNER_SECRET, connector tokens, API keys, SMTP and signer credentials, anything whose
// environment name is secret-shaped) is registered here once, and every output pcq writes or prints
// passes through `redactText`/`redactValue` of the same registry: step outputs and recordings before
// they are signed, error details, the store's commit guard, CLI output, the logger.
//
// A value is matched in every form a service or a runbook could turn it into:
// - plain, and JSON-escaped (how it reads inside a JSON file);
// - base64 and base64url, at all three byte alignments: a secret inside a longer encoded blob
//   (`Basic base64(user:token)`, a JSON document encoded whole) starts at offset 0, 1 or 2 modulo 3,
//   and each alignment yields a different run of characters. Only the characters whose six bits
//   come from the secret alone are matched (RFC 4648 §4), so the match does not depend on the bytes
//   around it;
// - hex, lower and upper case;
// - URL-encoded (percent escapes in either case, form encoding with `+`), also of the encodings above.
// Matching is deterministic: the same registry turns the same text into the same text, so a replay
// of redacted recordings reproduces the same roots. Base layer: store/ (commit guard), runtime/
// (logger, HTTP) and cli/ all use it, so it imports nothing.

export const REDACTED = '[REDACTED]';

/** Registered secrets shorter than this are not masked: masking "a" or "ok" would wreck every output. */
export const MIN_SECRET_LENGTH = 4;

/**
 * A device-held secret (a PKCS#11 PIN: pcq hands it to C_Login and to nothing else, and the token,
 * not the PIN, holds the key) shorter than this and written only with hex digits is not matched.
 * Output is full of those characters (digests, ids, timestamps), so such a value occurs there by
 * chance: a 4-digit value appears in the files of ~5 % of R2 runs (measured: 462 of the 10,000
 * four-digit strings occur in one run's files), and matching the PIN refused healthy runs at random
 * with PCQ_SECRET_IN_OUTPUT. Every other secret is matched from MIN_SECRET_LENGTH on, however
 * short: a service can echo a connector token into a response, a PIN has no path to any output.
 */
export const MIN_HEX_SECRET_LENGTH = 8;
const HEX_ONLY = /^[0-9a-fA-F]+$/;

/** Whether a value can be told apart from ordinary output: not too short for its alphabet. */
export function isDistinguishableSecret(value: string): boolean {
  return value.length >= MIN_HEX_SECRET_LENGTH || (value.length >= MIN_SECRET_LENGTH && !HEX_ONLY.test(value));
}

export interface RegisterOptions {
  /** The value only ever goes to a device (a PKCS#11 PIN): matched only when distinguishable. */
  heldByDevice?: boolean;
}

/** Values of secret-shaped environment names shorter than this are flags, not credentials. */
const ENV_MIN_LENGTH = 8;

/** Encoded forms shorter than this are not matched: a 3-character base64 run occurs by chance. */
const MIN_ENCODED_LENGTH = 6;

/** Environment variable names whose values are secrets by convention. */
const SECRET_ENV = /(SECRET|TOKEN|PASSWORD|PASSWD|PASS|PIN|PRIVATE_KEY|API_KEY|APIKEY|ACCESS_KEY|CREDENTIALS?|AUTH)$/;

/**
 * pcq's own settings whose names end like a secret's but hold none: PCQ_PKCS11_TOKEN is the label
 * of a PKCS#11 token. Masked, it turned "no token labelled \"pcq-test\"" into "[REDACTED]" and any
 * output that names the token into a refused write.
 */
const NOT_SECRET_ENV = new Set(['PCQ_PKCS11_TOKEN']);

export function isSecretEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_ENV.test(upper) && !NOT_SECRET_ENV.has(upper);
}

export interface Redacted<T> {
  value: T;
  /** How many occurrences were replaced (0: nothing secret was found). */
  count: number;
}

export class SecretRegistry {
  readonly #values = new Map<string, string>(); // value -> source label (never printed with the value)
  #pattern: RegExp | undefined;
  #sources: Map<string, string> = new Map(); // encoded form -> source label
  #generation = 0; // changes whenever what find() matches changes: a scan made before is stale

  /** Registers a secret value under a label naming where it came from (`env RUNNER_SECRET`). */
  register(value: string | undefined | null, source = 'secret', options: RegisterOptions = {}): void {
    if (typeof value !== 'string') return;
    const trimmed = value.trim();
    for (const v of new Set([value, trimmed])) {
      if (v.length < MIN_SECRET_LENGTH || (options.heldByDevice && !isDistinguishableSecret(v)) || this.#values.has(v)) continue;
      this.#values.set(v, source);
      for (const form of encodedForms(v)) if (!this.#sources.has(form)) this.#sources.set(form, source);
    }
    // Longest first, so a form that contains another is masked whole.
    const forms = [...this.#sources.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.#pattern = forms.length === 0 ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
    this.#generation++;
  }

  /** Changes whenever the set of registered secrets changes: a find() result holds for this generation only. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Registers every secret-shaped variable (`…_SECRET`, `…_TOKEN`, `…_PASSWORD`, …) and each of
   * `names`. A secret-shaped name with a short or flag-like value (`SKIP_AUTH=true`) is not a
   * credential: masking "true" everywhere would wreck every output, so those need ENV_MIN_LENGTH.
   * Names in `heldByDevice` hold a device's PIN (RegisterOptions).
   */
  registerFromEnv(env: Record<string, string | undefined>, names: Iterable<string> = [], heldByDevice: Iterable<string> = []): void {
    const held = new Set(heldByDevice);
    for (const [name, value] of Object.entries(env)) {
      if (isSecretEnvName(name) && typeof value === 'string' && value.trim().length >= ENV_MIN_LENGTH)
        this.register(value, `env ${name}`, { heldByDevice: held.has(name) });
    }
    for (const name of names) this.register(env[name], `env ${name}`, { heldByDevice: held.has(name) });
  }

  get size(): number {
    return this.#values.size;
  }

  /** The text with every registered secret, in every form, replaced by [REDACTED]. */
  redactText(text: string): Redacted<string> {
    if (!this.#pattern || text.length < MIN_SECRET_LENGTH) return { value: text, count: 0 };
    let count = 0;
    const value = text.replace(this.#pattern, () => {
      count++;
      return REDACTED;
    });
    return { value, count };
  }

  redact(text: string): string {
    return this.redactText(text).value;
  }

  /** A deep copy of a JSON-like value with every string (and key) redacted. */
  redactValue<T>(value: T): Redacted<T> {
    if (!this.#pattern) return { value, count: 0 };
    let count = 0;
    const text = (s: string): string => {
      const r = this.redactText(s);
      count += r.count;
      return r.value;
    };
    const walk = (v: unknown, seen: WeakSet<object>): unknown => {
      if (typeof v === 'string') return text(v);
      if (v === null || typeof v !== 'object') return v;
      if (seen.has(v) || ArrayBuffer.isView(v)) return v;
      seen.add(v);
      if (Array.isArray(v)) return v.map((x) => walk(x, seen));
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v))
        Object.defineProperty(out, text(k), { value: walk(x, seen), enumerable: true, writable: true, configurable: true });
      return out;
    };
    const out = walk(value, new WeakSet()) as T;
    return { value: count === 0 ? value : out, count };
  }

  /** The source label of the first registered secret found in `text`, in any form; undefined when clean. */
  find(text: string): string | undefined {
    if (!this.#pattern) return undefined;
    this.#pattern.lastIndex = 0;
    const m = this.#pattern.exec(text);
    this.#pattern.lastIndex = 0;
    return m ? this.#sources.get(m[0]) : undefined;
  }

  /** Forgets every value (tests only: a process registers its secrets once, at start). */
  clear(): void {
    this.#values.clear();
    this.#sources = new Map();
    this.#pattern = undefined;
    this.#generation++;
  }
}

/** The process-wide registry: the CLI registers the environment's secrets into it at start. */
export const secretRegistry = new SecretRegistry();

/** Registers a secret with the process-wide registry (connector tokens, PINs, grant keys, …). */
export function registerSecret(value: string | undefined | null, source?: string): void {
  secretRegistry.register(value, source);
}

export function redactText(text: string): string {
  return secretRegistry.redact(text);
}

export function redactValue<T>(value: T): Redacted<T> {
  return secretRegistry.redactValue(value);
}

/** Every form of `value` that is matched (see the header): plain, JSON, base64 ×3, base64url ×3, hex, URL. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base = [value, jsonEscaped(value), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = alignedBase64(bytes, shift);
    base.push(b64, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  const out = new Set<string>();
  for (const form of base) {
    if (form.length < (form === value ? MIN_SECRET_LENGTH : MIN_ENCODED_LENGTH)) continue;
    const url = encodeURIComponent(form);
    // application/x-www-form-urlencoded escapes more than encodeURIComponent (`!'()~`, space as `+`).
    const formEncoded = new URLSearchParams({ v: form }).toString().slice(2);
    for (const f of [form, url, url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()), url.replace(/%20/g, '+'), formEncoded]) out.add(f);
  }
  return [...out];
}

/**
 * The base64 characters that encode `bytes` alone when they start `shift` bytes into a 3-byte
 * group: character j covers bits [6j, 6j+6) of the stream, the secret bits [8·shift, 8·(shift+n)).
 */
function alignedBase64(bytes: Buffer, shift: number): string {
  const padded = Buffer.concat([Buffer.alloc(shift), bytes, Buffer.alloc(3)]);
  const encoded = padded.toString('base64');
  const first = Math.ceil((8 * shift) / 6);
  const last = Math.floor((8 * (shift + bytes.length)) / 6); // exclusive
  return last > first ? encoded.slice(first, last) : '';
}

function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
