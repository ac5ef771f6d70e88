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

export const REDACTED = '[REDACTED]';

/** Registered secrets shorter than this are not masked: masking "a" or "ok" would wreck every log. */
export const MIN_SECRET_LENGTH = 4;

const SHAPES: Array<[RegExp, string]> = [
  // Key/value first, so `Authorization: Bearer x` becomes one `Authorization: [REDACTED]`.
  [/\b((?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credentials?))(\s*[=:]\s*)((?:(?:Bearer|Basic|token)\s+)?(?:"[^"]*"|'[^']*'|[^\s&,;'"]+))/gi, `$1$2${REDACTED}`],
  [/\bS[A-Z2-7]{55}\b/g, REDACTED],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, REDACTED],
  [/\b(Bearer|Basic|token)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1$2${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^/\s@]+@/gi, `$1${REDACTED}@`],
];

const SECRET_KEY = /(pass(word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credential|cookie|seed)$/i;

/** Environment variable names whose values are secrets by convention. */
const SECRET_ENV = /(SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIALS?)$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.addSecret(s);
  }

  /** Registers a secret value; every later output masks it. */
  addSecret(value: string | undefined): void {
    if (value === undefined || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return;
    this.secrets.add(value);
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join('|'), 'g');
  }

  /** Registers the value of every secret-named variable (…_SECRET, …_TOKEN, …_PASSWORD) and of `names`. */
  addSecretsFromEnv(env: Record<string, string | undefined>, names: Iterable<string> = []): void {
    for (const [name, value] of Object.entries(env)) if (isSecretEnvName(name)) this.addSecret(value);
    for (const name of names) this.addSecret(env[name]);
  }

  redact(text: string): string {
    let out = this.pattern ? text.replace(this.pattern, REDACTED) : text;
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
