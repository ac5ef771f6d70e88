// Where a run ran, when it ran on GitHub Actions (run.json `ci`, FORMATS.md "Run record"): the
// repository, the workflow run and the commit it started from, read from the runner's own
// environment (GITHUB_*). Unsigned, like the rest of run.json: it only lets the site link the
// Actions run; the manifest is what proves anything. Every value is checked before it is kept, so
// a hostile environment cannot put a javascript: link or a path on the site.
import type { RunCiRecord } from '../base/run-record.ts';

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const SERVER = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/;

export function ciContext(env: Record<string, string | undefined>): RunCiRecord | undefined {
  if (env.GITHUB_ACTIONS !== 'true') return undefined;
  const repository = env.GITHUB_REPOSITORY ?? '';
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID ?? '';
  if (!REPOSITORY.test(repository) || !SERVER.test(server) || !/^\d{1,20}$/.test(runId)) return undefined;
  const record: RunCiRecord = { server, repository, runId };
  const attempt = env.GITHUB_RUN_ATTEMPT ?? '';
  if (/^\d{1,6}$/.test(attempt)) record.runAttempt = attempt;
  const sha = env.GITHUB_SHA ?? '';
  if (/^[0-9a-f]{40}$/.test(sha)) record.sha = sha;
  const workflow = env.GITHUB_WORKFLOW ?? '';
  if (workflow.length > 0 && workflow.length <= 200 && !/[\u0000-\u001f]/.test(workflow)) record.workflow = workflow;
  return record;
}

/** The Actions run's page, e.g. https://github.com/o/r/actions/runs/123/attempts/2. */
export function ciRunUrl(ci: RunCiRecord): string {
  return `${ci.server}/${ci.repository}/actions/runs/${ci.runId}${ci.runAttempt && ci.runAttempt !== '1' ? `/attempts/${ci.runAttempt}` : ''}`;
}
