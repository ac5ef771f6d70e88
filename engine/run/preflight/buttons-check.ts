// Each button in policies/buttons.yaml names a runbook and version that exist in runbooks/ (the
// lookup runtime/buttons.ts `runbookFileForButton` makes when the button is pressed); the shape and
// the roles are checked by parseButtons with the other policy files.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PcqIssue } from '../../base/errors.ts';
import { suggestion } from '../../base/did-you-mean.ts';
import { BUTTONS_FILE, parseButtons, type Button } from '../../runtime/buttons.ts';
import { readYamlSource } from '../../model/yaml-source.ts';
import type { PreflightContext } from './checks.ts';

export async function buttonIssues(ctx: PreflightContext): Promise<PcqIssue[]> {
  const text = await readFile(join(ctx.root, BUTTONS_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  let buttons: Map<string, Button>;
  try {
    buttons = parseButtons(text, BUTTONS_FILE);
  } catch {
    return []; // reported by the policies check
  }
  const source = readYamlSource(text, BUTTONS_FILE);
  const issues: PcqIssue[] = [];
  for (const button of buttons.values()) {
    const sameId = ctx.repositoryRunbooks.filter((r) => r.runbookId === button.runbook);
    if (sameId.some((r) => r.version === button.version)) continue;
    const found = sameId.map((r) => `${r.file} (version ${r.version})`);
    issues.push({
      code: 'PCQ_BUTTON_RUNBOOK_MISSING',
      message: `button "${button.id}" runs ${button.runbook}@${button.version}, but runbooks/ has ${found.length ? found.join(', ') : `no ${button.runbook}`}`,
      hint:
        sameId.length > 0
          ? "Update the button's version together with the runbook, in one reviewed PR."
          : `Fix the button's runbook, or add the runbook.${suggestion(
              button.runbook,
              ctx.repositoryRunbooks.map((r) => r.runbookId),
            )}`,
      location: source.locate(['buttons', button.id, sameId.length > 0 ? 'version' : 'runbook']),
    });
  }
  return issues;
}
