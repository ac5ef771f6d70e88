// Dispatch buttons (policies/buttons.yaml; seed 004 §5 "button contract boundary"): a workflow_dispatch
// names a button, never a path; the allow-list maps it to runbook@version and the roles that may
// press it. Both checks happen before anything runs, and both fail closed.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { yamlValue } from './yaml-value.ts';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import { parseRunbook } from '../model/parse-runbook.ts';
import type { Permission } from '../github/scm.ts';

export const BUTTONS_FILE = 'policies/buttons.yaml';
const ROLES: readonly Permission[] = ['read', 'triage', 'write', 'maintain', 'admin'];
const BUTTON_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface Button {
  id: string;
  runbook: string;
  version: string;
  roles: Permission[];
  description: string;
  /** Seed 004 §11: every spell the run uses must carry a verified signature; --allow-unsigned cannot lift it. */
  requireSignature?: boolean;
}

export function parseButtons(text: string, file = BUTTONS_FILE): Map<string, Button> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
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
  const issues: PcqIssue[] = [];
  const buttons = new Map<string, Button>();
  const value = yamlValue(doc, 0, (why) => ({
    code: 'PCQ_BUTTONS_INVALID',
    message: `${file}: ${why}`,
    hint: 'Write each button out in full, without YAML aliases.',
    location: loc(),
  })) as { buttons?: unknown } | null;
  const raw = value?.buttons;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PcqErrors([
      {
        code: 'PCQ_BUTTONS_INVALID',
        message: `${file}: expected \`buttons:\` mapping button ids to {runbook, version, roles}`,
        hint: 'See policies/buttons.yaml in the pcq repository.',
        location: loc(),
      },
    ]);
  }
  for (const [id, spec] of Object.entries(raw as Record<string, unknown>)) {
    const node = (doc.getIn(['buttons', id], true) as { range?: [number] } | undefined)?.range?.[0] ?? 0;
    const bad = (message: string, hint: string) =>
      issues.push({ code: 'PCQ_BUTTONS_INVALID', message: `${file}: button ${id}: ${message}`, hint, location: loc(node) });
    if (!BUTTON_ID.test(id)) {
      bad('ids are lower-case letters, digits and "-"', 'Rename the button.');
      continue;
    }
    const s = spec as Record<string, unknown> | null;
    if (!s || typeof s !== 'object') {
      bad('must be a mapping', 'Write runbook, version and roles.');
      continue;
    }
    if (typeof s.runbook !== 'string' || s.runbook === '') {
      bad('`runbook` (a runbookId) is required', 'Add `runbook: R1`.');
      continue;
    }
    if (typeof s.version !== 'string' || s.version === '') {
      bad('`version` must be a quoted string', 'Add `version: "1.0"` (quoted, so YAML keeps it text).');
      continue;
    }
    if (!Array.isArray(s.roles) || s.roles.length === 0 || !s.roles.every((r) => ROLES.includes(r as Permission))) {
      bad(`\`roles\` must be a non-empty list of ${ROLES.join(', ')}`, 'List who may press it, e.g. `roles: [maintain, admin]`.');
      continue;
    }
    if (s.require_signature !== undefined && typeof s.require_signature !== 'boolean') {
      bad('`require_signature` must be true or false', 'Write `require_signature: true` to refuse unsigned spells for this button.');
      continue;
    }
    buttons.set(id, {
      id,
      runbook: s.runbook,
      version: s.version,
      roles: s.roles as Permission[],
      description: typeof s.description === 'string' ? s.description : '',
      requireSignature: s.require_signature === true,
    });
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return buttons;
}

export async function loadButtons(root: string): Promise<Map<string, Button>> {
  let text: string;
  try {
    text = await readFile(join(root, BUTTONS_FILE), 'utf8');
  } catch {
    throw new PcqError({
      code: 'PCQ_BUTTON_UNKNOWN',
      message: `no ${BUTTONS_FILE}, so no button can be pressed.`,
      hint: `Add ${BUTTONS_FILE} with the runbooks that may be dispatched.`,
    });
  }
  return parseButtons(text);
}

/** The button, if it exists and `permission` is one of its roles; otherwise a coded refusal. */
export function authorizeButton(buttons: Map<string, Button>, id: string, actor: string, permission: Permission): Button {
  const button = buttons.get(id);
  if (!button) {
    throw new PcqError({
      code: 'PCQ_BUTTON_UNKNOWN',
      message: `there is no button "${id}" in ${BUTTONS_FILE}.`,
      hint: `Press one of: ${[...buttons.keys()].join(', ') || '(none defined)'}.`,
    });
  }
  if (!button.roles.includes(permission)) {
    throw new PcqError({
      code: 'PCQ_BUTTON_FORBIDDEN',
      message: `${actor} (repository permission: ${permission}) may not press "${id}"; it needs one of: ${button.roles.join(', ')}.`,
      hint: 'Ask a maintainer to run it, or to change the roles in policies/buttons.yaml through a reviewed PR.',
    });
  }
  return button;
}

/** The runbook file in runbooks/ whose runbookId and version are the button's (pinned, not "latest"). */
export async function runbookFileForButton(root: string, button: Button): Promise<string> {
  const dir = join(root, 'runbooks');
  const found: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!/\.(ya?ml|json)$/.test(name)) continue;
    const parsed = parseRunbook(await readFile(join(dir, name), 'utf8'), `runbooks/${name}`);
    const rb = parsed.runbook ?? parsed.draft;
    if (rb?.runbookId !== button.runbook) continue;
    if (rb.version === button.version) return join(dir, name);
    found.push(`${name} (version ${rb.version})`);
  }
  throw new PcqError({
    code: 'PCQ_BUTTON_RUNBOOK_MISSING',
    message: `button "${button.id}" runs ${button.runbook}@${button.version}, but runbooks/ has ${found.length ? found.join(', ') : `no ${button.runbook}`}.`,
    hint: "Update the button's version in policies/buttons.yaml together with the runbook, in one reviewed PR.",
  });
}
