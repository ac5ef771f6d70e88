// The runbook page as a console (issue 14 "the site as the console a static site can be"): the
// repository's Run-workflow page and a ready `gh workflow run` line built from the runbook's inputs.
// Everything here is text a user pastes into a shell, built from files anyone can edit in a pull
// request (input names, defaults, enum values, button ids): each argument is single-quoted the
// POSIX way, so no byte of it is ever interpreted by the shell (dispatch-command.test.ts runs the
// line through /bin/sh and gets the arguments back unchanged).
import type { RunbookView } from './site-model.ts';

export interface SiteRepository {
  /** https://github.com or a GitHub Enterprise server. */
  server: string;
  /** owner/name */
  repository: string;
  /** The workflow file that dispatches runs (policies' `button` + `params` inputs). */
  runWorkflow: string;
}

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const SERVER = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/;
const WORKFLOW = /^[A-Za-z0-9._-]{1,100}\.ya?ml$/;

/** The repository the site belongs to, from the build's environment; undefined when unknown or malformed. */
export function siteRepository(env: Record<string, string | undefined>): SiteRepository | undefined {
  const repository = env.PCQ_SITE_REPOSITORY || env.GITHUB_REPOSITORY || '';
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runWorkflow = env.PCQ_SITE_RUN_WORKFLOW || 'run.yml';
  if (!REPOSITORY.test(repository) || !SERVER.test(server) || !WORKFLOW.test(runWorkflow)) return undefined;
  return { server, repository, runWorkflow };
}

/** One shell word: bare when it is only safe characters, else single-quoted ('\'' for a quote). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The params object a dispatch needs: each input's default, else its first allowed value, else an empty value of its type. */
export function dispatchParams(inputs: RunbookView['inputs']): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const input of inputs) {
    if (input.default !== undefined) params[input.name] = input.default;
    else if (input.enum && input.enum.length > 0) params[input.name] = input.enum[0];
    else params[input.name] = EMPTY[input.type] ?? '';
  }
  return params;
}
const EMPTY: Record<string, unknown> = { string: '', number: 0, integer: 0, boolean: false, array: [], object: {} };

/** `gh workflow run run.yml -R owner/repo -f button=… -f params='{…}'`; without -R when the repository is unknown. */
export function ghWorkflowRunLine(button: string, inputs: RunbookView['inputs'], repo: SiteRepository | undefined): string {
  const words = ['gh', 'workflow', 'run', repo?.runWorkflow ?? 'run.yml'];
  if (repo) words.push('-R', repo.repository);
  words.push('-f', `button=${button}`);
  if (inputs.length > 0) words.push('-f', `params=${JSON.stringify(dispatchParams(inputs))}`);
  return words.map(shellQuote).join(' ');
}

/** The repository's "Run workflow" page for the run workflow. */
export function runWorkflowUrl(repo: SiteRepository): string {
  return `${repo.server}/${repo.repository}/actions/workflows/${encodeURIComponent(repo.runWorkflow)}`;
}
