// Runbooks for the site: runbooks/*.yaml|*.json as the runbook page shows them (steps, needs,
// provers, inputs) plus how to start one. Needs are resolved as FORMATS says: absent means the
// step listed before, `[]` means a root.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PcqIssue } from '../runtime/errors.ts';
import { dagLevels } from './dag-svg.ts';
import { asArray, asObject, pickString, pickStrings } from './loose-json.ts';
import type { ButtonView, RunbookStepView, RunbookView } from './site-model.ts';

export async function readRunbooks(root: string, buttons: ButtonView[], problems: PcqIssue[]): Promise<RunbookView[]> {
  let names: string[];
  try {
    names = (await readdir(join(root, 'runbooks'))).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RunbookView[] = [];
  for (const name of names) {
    const file = `runbooks/${name}`;
    const bytes = await readFile(join(root, file));
    let doc: Record<string, unknown>;
    try {
      doc = asObject(parse(bytes.toString('utf8')));
    } catch (err) {
      problems.push({ code: 'PCQ_YAML_INVALID', message: `${file} is not valid YAML: ${(err as Error).message}`, hint: 'Run `pcq validate` for every problem with its line.' });
      continue;
    }
    const runbookId = pickString(doc, 'runbookId');
    if (runbookId === undefined) {
      problems.push({ code: 'PCQ_SCHEMA_INVALID', message: `${file} has no runbookId`, hint: 'Run `pcq validate` for every problem with its line.' });
      continue;
    }
    out.push(runbookView(doc, file, 'sha256:' + createHash('sha256').update(bytes).digest('hex'), buttons));
  }
  return out;
}

export function runbookView(doc: Record<string, unknown>, file: string, digest: string, buttons: ButtonView[]): RunbookView {
  const runbookId = pickString(doc, 'runbookId') ?? '';
  const version = pickString(doc, 'version') ?? '';
  const steps: RunbookStepView[] = [];
  let previous: string | undefined;
  for (const s of asArray(doc['steps']).map(asObject)) {
    const stepId = pickString(s, 'stepId') ?? `step-${steps.length + 1}`;
    const needs = Array.isArray(s['needs']) ? pickStrings(s, 'needs') : previous !== undefined ? [previous] : [];
    const view: RunbookStepView = { stepId, type: pickString(s, 'type') ?? '', needs, preconditions: pickStrings(s, 'preconditions'), postconditions: pickStrings(s, 'postconditions') };
    const description = pickString(s, 'description');
    if (description !== undefined) view.description = description;
    steps.push(view);
    previous = stepId;
  }
  const provers: RunbookView['provers'] = [];
  const proverDoc = asObject(doc['provers']);
  for (const [key, phase] of [['preconditions', 'precondition'], ['postconditions', 'postcondition']] as const) {
    for (const [id, spec] of Object.entries(asObject(proverDoc[key]))) {
      const { type, ...config } = asObject(spec);
      provers.push({ id, phase, type: typeof type === 'string' ? type : '', config });
    }
  }
  const inputs = Object.entries(asObject(doc['inputs'])).map(([name, spec]) => {
    const o = asObject(spec);
    const input: RunbookView['inputs'][number] = { name, type: pickString(o, 'type') ?? 'string' };
    const description = pickString(o, 'description');
    if (description !== undefined) input.description = description;
    if (o['default'] !== undefined) input.default = o['default'];
    if (o['required'] === true) input.required = true;
    if (Array.isArray(o['enum'])) input.enum = o['enum'];
    return input;
  });
  const button = buttons.find((b) => b.runbookId === runbookId && (b.version === undefined || b.version === version));
  const view: RunbookView = {
    runbookId,
    name: pickString(doc, 'name') ?? runbookId,
    version,
    file,
    digest,
    inputs,
    steps,
    provers,
    levels: dagLevels(steps),
    cliLine: `npx pcq run ${file}`,
  };
  const description = pickString(doc, 'description');
  if (description !== undefined) view.description = description;
  if (button !== undefined) view.button = button;
  return view;
}
