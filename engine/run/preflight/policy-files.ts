// Every file under policies/ checked by the parser the run uses for it (each parser holds that
// file's schema: known keys, types, every problem with file:line:col), instead of being read as a
// runbook. A file pcq does not read is a warning, so a misspelt name (ombud.yaml) does not pass
// silently. To add a policy file, add a line to POLICY_FILES.
import { parsePauseSwitch } from '../../runtime/pause-switch.ts';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toIssues, type PcqIssue } from '../../base/errors.ts';
import { suggestion } from '../../base/did-you-mean.ts';
import type { CelEngine } from '../../base/step-ports.ts';
import { checkPolicyRules, parsePolicySet } from '../../runtime/policy-set.ts';
import { parseButtons } from '../../runtime/buttons.ts';
import { parseTrustDocument } from '../../runtime/trust-document.ts';
import { parseRoster } from '../../review/roster.ts';
import { parseConnectors } from '../../runtime/connectors.ts';
import { parseNotifyConfig } from '../../runtime/notify-config.ts';
import { readConfigFile } from '../../runtime/config-file.ts';
import { parseRuntimePolicy } from '../../runtime/effects-policy.ts';
import { LOCAL_TRUST_FILE } from '../../proof/trust.ts';
import type { PreflightContext } from './checks.ts';

/** `file` is the repository-relative name shown in locations. */
export type PolicyFileCheck = (text: string, file: string, cel: CelEngine) => PcqIssue[];

const thrown = (parse: () => unknown): PcqIssue[] => {
  try {
    parse();
    return [];
  } catch (err) {
    return toIssues(err);
  }
};

export const POLICY_FILES: Record<string, PolicyFileCheck> = {
  'authority.yaml': (text, file, cel) => {
    try {
      return checkPolicyRules(parsePolicySet({ authority: { file, text } }), cel, file);
    } catch (err) {
      return toIssues(err);
    }
  },
  'licenses.yaml': (text, file) => thrown(() => parsePolicySet({ licenses: { file, text } })),
  'buttons.yaml': (text, file) => thrown(() => parseButtons(text, file)),
  'trust.yaml': (text, file) => parseTrustDocument(text, file).issues,
  'ombuds.yaml': (text, file) => thrown(() => parseRoster(text, file)),
  'connectors.yaml': (text, file) => thrown(() => parseConnectors(text, file)),
  'notify.yaml': (text, file) => thrown(() => parseNotifyConfig(text, file)),
  'pause.yaml': (text) => thrown(() => parsePauseSwitch(text)),
  'runtime-policy.json': (text, file) => thrown(() => parseRuntimePolicy(text, file)),
  'config.yaml': (text, file) => {
    const issues: PcqIssue[] = [];
    readConfigFile(file, text, issues);
    return issues;
  },
};

/** The policy files pcq reads that exist in the repository at `root`, repository-relative. */
export async function listPolicyFiles(root: string): Promise<string[]> {
  const names = await policyNames(root);
  const listed = names.filter((n) => POLICY_FILES[n] !== undefined).map((n) => `policies/${n}`);
  const overlay = await readFile(join(root, LOCAL_TRUST_FILE), 'utf8').then(
    () => true,
    () => false,
  );
  return overlay ? [...listed, LOCAL_TRUST_FILE] : listed;
}

async function policyNames(root: string): Promise<string[]> {
  try {
    return (await readdir(join(root, 'policies'), { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch {
    return []; // no policies/: every prover denies, no button can be pressed; nothing to check
  }
}

/** The policy files present, each checked; plus the dev trust overlay when it exists. */
export async function policyFileIssues(ctx: PreflightContext): Promise<PcqIssue[]> {
  const issues: PcqIssue[] = [];
  for (const name of await policyNames(ctx.root)) {
    const file = `policies/${name}`;
    const check = POLICY_FILES[name];
    if (!check) {
      if (name.startsWith('.') || /\.md$/i.test(name)) continue;
      issues.push({
        code: 'PCQ_POLICY_UNKNOWN_FILE',
        message: `${file} is not a policy file pcq reads`,
        hint: `pcq reads ${Object.keys(POLICY_FILES).join(', ')}; rename or remove it.${suggestion(name, Object.keys(POLICY_FILES))}`,
        location: { file, line: 1, col: 1 },
        severity: 'warning',
      });
      continue;
    }
    issues.push(...check(await readFile(join(ctx.root, file), 'utf8'), file, ctx.cel));
  }
  const overlay = await readFile(join(ctx.root, LOCAL_TRUST_FILE), 'utf8').catch(() => undefined);
  if (overlay !== undefined) issues.push(...parseTrustDocument(overlay, LOCAL_TRUST_FILE, { overlay: true }).issues);
  return issues;
}
