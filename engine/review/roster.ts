// The ombuds roster (policies/ombuds.yaml): who may decide a review (docs/design.md §6) and who is assigned
// a new ticket. Parse purely, read at the edge. Assignment is deterministic — SHA-256 of the
// execution id picks the member — so a replay of the same run assigns the same ombuds.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { yamlValue } from '../runtime/yaml-value.ts';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import { readOptional } from '../store/read-optional.ts';
import { GITHUB_LOGIN } from '../runtime/trust-document.ts';

export interface OmbudsMember {
  login: string;
  name: string;
  email: string;
}

export interface Roster {
  members: OmbudsMember[];
  assignment: { rule: 'hash-round-robin'; excludeActor: boolean };
}

export const OMBUDS_FILE = 'policies/ombuds.yaml';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseRoster(text: string, file = OMBUDS_FILE): Roster {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const issues: PcqIssue[] = [];
  const loc = (offset = 0) => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    throw new PcqErrors(
      doc.errors.map((e) => ({
        code: 'PCQ_POLICY_YAML',
        message: `${file} is not valid YAML: ${e.message.split('\n')[0]}`,
        hint: 'Fix the YAML syntax at the position shown.',
        location: loc(e.pos[0]),
      })),
    );
  }
  const value = yamlValue(doc, 100, (why) => ({
    code: 'PCQ_ROSTER_INVALID',
    message: `${file}: ${why}`,
    hint: 'Write the roster without YAML aliases.',
    location: loc(),
  }));
  const bad = (message: string, hint: string) => issues.push({ code: 'PCQ_ROSTER_INVALID', message: `${file}: ${message}`, hint, location: loc() });
  const members: OmbudsMember[] = [];
  let assignment: Roster['assignment'] = { rule: 'hash-round-robin', excludeActor: true };
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Array.isArray((value as { roster?: unknown }).roster)) {
    bad('expected `roster:` followed by a list of `{login, name, email}`', 'See policies/ombuds.yaml in the pcq repository for the shape.');
  } else {
    const obj = value as { roster: unknown[]; assignment?: unknown };
    const seen = new Set<string>();
    obj.roster.forEach((m, i) => {
      const e = m as Partial<Record<'login' | 'name' | 'email', unknown>> | null;
      if (!e || typeof e !== 'object' || typeof e.login !== 'string' || !GITHUB_LOGIN.test(e.login))
        return bad(`roster entry ${i + 1} needs \`login\`: a GitHub login`, 'Write `- login: ombuds-alice`.');
      if (typeof e.email !== 'string' || !EMAIL.test(e.email)) return bad(`roster entry ${e.login} needs a valid \`email\``, 'Add `email: name@example.org`.');
      if (typeof e.name !== 'string' || e.name.trim() === '') return bad(`roster entry ${e.login} needs \`name\``, "Add the person's name.");
      const key = e.login.toLowerCase();
      if (seen.has(key)) return bad(`login ${e.login} is listed twice`, 'Keep one entry per login.');
      seen.add(key);
      members.push({ login: e.login, name: e.name.trim(), email: e.email });
    });
    if (members.length === 0 && issues.length === 0) bad('the roster is empty, so no review could ever be decided', 'List at least one ombuds.');
    if (obj.assignment !== undefined) {
      const a = obj.assignment as { rule?: unknown; excludeActor?: unknown } | null;
      if (
        !a ||
        typeof a !== 'object' ||
        (a.rule !== undefined && a.rule !== 'hash-round-robin') ||
        (a.excludeActor !== undefined && typeof a.excludeActor !== 'boolean')
      ) {
        bad('`assignment` must be `{rule: hash-round-robin, excludeActor: true|false}`', 'Only the hash-round-robin rule exists.');
      } else assignment = { rule: 'hash-round-robin', excludeActor: a.excludeActor ?? true };
    }
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return { members, assignment };
}

export async function loadRoster(filePath: string, displayName = OMBUDS_FILE): Promise<Roster> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_ROSTER_UNREADABLE',
      message: `cannot read ${displayName}: ${(err as Error).message}`,
      hint: 'Create policies/ombuds.yaml with the ombuds roster.',
    });
  }
  return parseRoster(text, displayName);
}

/** Logins as the approval rules compare them (they compare case-insensitively). */
export function rosterLogins(roster: Roster): string[] {
  return roster.members.map((m) => m.login);
}

/** What `pcq verify` checks reviewers against: `file` (must exist), else policies/ombuds.yaml under
 *  `cwd` when there is one; undefined when there is none (reviews then fail closed). */
export async function readRosterLogins(cwd: string, file?: string): Promise<string[] | undefined> {
  const path = resolve(cwd, file ?? OMBUDS_FILE);
  const text = await readOptional(path);
  if (text === undefined) {
    if (file === undefined) return undefined;
    throw new PcqError({
      code: 'PCQ_ROSTER_UNREADABLE',
      message: `cannot read the roster ${file}`,
      hint: 'Pass the path of an ombuds.yaml, or omit --roster to use policies/ombuds.yaml.',
    });
  }
  return rosterLogins(parseRoster(text, file ?? OMBUDS_FILE));
}

/** hash-round-robin: members sorted by login, index = first 8 bytes of SHA-256(executionId) mod n.
 *  With excludeActor the member who asked for the run is skipped (unless no one else is left). */
export function assignOmbuds(roster: Roster, executionId: string, actor?: string): OmbudsMember {
  if (roster.members.length === 0)
    throw new PcqError({ code: 'PCQ_ROSTER_INVALID', message: 'the ombuds roster is empty', hint: 'List at least one ombuds in policies/ombuds.yaml.' });
  const sorted = [...roster.members].sort((a, b) => (a.login.toLowerCase() < b.login.toLowerCase() ? -1 : 1));
  const actorKey = actor?.toLowerCase();
  const others = roster.assignment.excludeActor && actorKey ? sorted.filter((m) => m.login.toLowerCase() !== actorKey) : sorted;
  const pool = others.length > 0 ? others : sorted;
  const n = createHash('sha256').update(executionId, 'utf8').digest().readBigUInt64BE(0);
  return pool[Number(n % BigInt(pool.length))]!;
}
