// A small structured logger: levels, JSON lines or text lines, and redaction of every message and
// field before it is written (redact.ts). The sink and the time source are parameters, so tests
// read exactly what a user would see and the CLI decides where lines go (stderr by default).
import { Redactor } from './redact.ts';
import { PcqError } from '../base/errors.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. {runbookId, executionId}). */
  child(fields: LogFields): Logger;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  write: (line: string) => void; // receives one complete line, ending in "\n"
  level?: LogLevel; // default info
  format?: LogFormat; // default text
  redactor?: Redactor;
  /** Log timestamps are unsigned and informational; default: wall-clock ISO time. */
  now?: () => string;
  fields?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(text: string, source: string): LogLevel {
  const level = text.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new PcqError({ code: 'PCQ_CONFIG_INVALID', message: `${source}: unknown log level "${text}".`, hint: `Use one of ${LOG_LEVELS.join(', ')}.` });
}

export function createLogger(options: LoggerOptions): Logger {
  const redactor = options.redactor ?? new Redactor();
  const level = options.level ?? 'info';
  const format = options.format ?? 'text';
  const now = options.now ?? (() => new Date().toISOString());
  return makeLogger(options.write, level, format, redactor, now, options.fields ?? {});
}

function makeLogger(write: (line: string) => void, level: LogLevel, format: LogFormat, redactor: Redactor, now: () => string, base: LogFields): Logger {
  const min = RANK[level];
  const log = (at: LogLevel, message: string, fields?: LogFields): void => {
    if (RANK[at] < min) return;
    const merged = redactor.redactValue({ ...base, ...fields }) as LogFields;
    const msg = redactor.redact(message);
    // Text lines get a last pass, which catches a secret shape assembled from several fields; JSON
    // lines do not, because a pattern matched across JSON punctuation could break the line's syntax.
    const line = format === 'json' ? JSON.stringify({ time: now(), level: at, msg, ...merged }) : redactor.redact(textLine(now(), at, msg, merged));
    write(line + '\n');
  };
  return {
    level,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => makeLogger(write, level, format, redactor, now, { ...base, ...fields }),
  };
}

/** `TIME LEVEL message key=value key="value with spaces"`, keys in the order given. */
function textLine(time: string, level: LogLevel, message: string, fields: LogFields): string {
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${message}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    line += ` ${key}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return line;
}
