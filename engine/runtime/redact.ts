// Secret redaction for everything pcq prints or logs (seed 004 "log safety", seed 001 "redacted
// debug"): registered secret values (RUNNER_SECRET, tokens, SMTP passwords…) and well-known secret
// shapes are replaced by [REDACTED] in every message and field, before anything is serialised.
//
// Shapes recognised without registration:
// - Stellar secret seeds: `S` + 55 base32 characters (StrKey, SEP-0023);
// - HTTP credentials: `Bearer …` / `Basic …` / `token …` after the scheme word;
// - GitHub tokens: ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_ prefixes;
// - `password=…`, `secret: …`, `api_key=…` and similar key/value pairs (value redacted, key kept);
// - credentials in URLs: `scheme://user:pass@host` (password redacted).
// Object fields whose key names a secret (password, token, secret, apiKey, authorization, seed,
// privateKey, …) are redacted whole, whatever their value.
//
// Registered values live in ONE registry (base/secrets.ts: plain, JSON, base64 at three alignments,
// base64url, hex, URL-encoded forms). A Redactor applies the process-wide registry plus the values
// given to it, then the shapes above: it is the logger's filter. Register a secret with
// `registerSecret(value, source)`; never filter around the registry.
import { REDACTED, MIN_SECRET_LENGTH, SecretRegistry, isSecretEnvName, secretRegistry } from '../base/secrets.ts';

export { REDACTED, MIN_SECRET_LENGTH, SecretRegistry, isSecretEnvName, secretRegistry };
export { registerSecret, redactText, redactValue, encodedForms, type Redacted } from '../base/secrets.ts';

const SHAPES: Array<[RegExp, string]> = [
  // Key/value first, so `Authorization: Bearer x` becomes one `Authorization: [REDACTED]`.
  [
    /\b((?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credentials?))(\s*[=:]\s*)((?:(?:Bearer|Basic|token)\s+)?(?:"[^"]*"|'[^']*'|[^\s&,;'"]+))/gi,
    `$1$2${REDACTED}`,
  ],
  [/\bS[A-Z2-7]{55}\b/g, REDACTED],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, REDACTED],
  [/\b(Bearer|Basic|token)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1$2${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^/\s@]+@/gi, `$1${REDACTED}@`],
];

const SECRET_KEY = /(pass(word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credential|cookie|seed)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export class Redactor {
  private readonly own = new SecretRegistry();
  private readonly shared: SecretRegistry;

  /** `secrets`: values masked by this redactor only; `shared`: the registry it also applies (default: the process's). */
  constructor(secrets: Iterable<string> = [], shared: SecretRegistry = secretRegistry) {
    this.shared = shared;
    for (const s of secrets) this.addSecret(s);
  }

  /** Registers a secret value with this redactor; every later output masks it. */
  addSecret(value: string | undefined): void {
    this.own.register(value);
  }

  /** Registers the value of every secret-named variable (…_SECRET, …_TOKEN, …_PASSWORD) and of `names`. */
  addSecretsFromEnv(env: Record<string, string | undefined>, names: Iterable<string> = []): void {
    this.own.registerFromEnv(env, names);
  }

  redact(text: string): string {
    let out = this.shared.redact(this.own.redact(text));
    for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
    return out;
  }

  /** A deep copy with every string redacted and every secret-named field masked. Cycles become "[Circular]". */
  redactValue(value: unknown): unknown {
    return this.walk(value, new WeakSet());
  }

  private walk(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: this.redact(value.message) };
      const code = (value as { code?: unknown }).code;
      if (typeof code === 'string') out.code = code;
      return out;
    }
    if (Array.isArray(value)) return value.map((v) => this.walk(v, seen));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[this.redact(key)] = isSecretKey(key) && v !== null && v !== undefined && v !== '' ? REDACTED : this.walk(v, seen);
    }
    return out;
  }
}
