// Where a run came from, as links (issue 14: run pages link the Actions run, the publishing commit
// and the review PR). Only from what was recorded: run.json `ci` (run/ci-context.ts), the git
// history of the published tree (the commit that added the manifest), the pull request numbers the
// signed review decisions name. Where a fact was not recorded, the view says so in words instead
// of inventing a link; the one derived link (a search for the review branch pcq names) says it is
// a search.
import { execFileSync } from 'node:child_process';
import { asObject, pickString, type Loose } from './loose-json.ts';
import type { SiteRepository } from './dispatch-command.ts';
import type { ExecutionView, RunLink } from './site-model.ts';

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const SERVER = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/;

/** The commit that added each execution's manifest.pcq ("<runbookId>/<executionId>" → sha), from `git log`; empty outside git. */
export function publishingCommits(root: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = execFileSync('git', ['log', '--diff-filter=A', '--relative', '--format=%x00%H', '--name-only', '--', 'attestations'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return out;
  }
  for (const block of text.split('\0')) {
    const [sha, ...files] = block.split('\n').filter(Boolean);
    if (!sha || !/^[0-9a-f]{40}$/.test(sha)) continue;
    for (const f of files) {
      const m = /^attestations\/([^/]+)\/([^/]+)\/manifest\.pcq$/.exec(f);
      // git log lists newest first: the oldest commit that added the file is the publishing one.
      if (m) out.set(`${m[1]}/${m[2]}`, sha);
    }
  }
  return out;
}

export interface LinkFacts {
  run: unknown; // run.json, parsed
  commit?: string;
  repo?: SiteRepository;
}

/** The three links of a run page, each a link or a sentence saying why there is none. */
export function runLinks(e: Pick<ExecutionView, 'runbookId' | 'executionId' | 'decisions' | 'ticket'>, facts: LinkFacts): ExecutionView['links'] {
  const ci = asObject(asObject(facts.run)['ci']);
  const server = ciServer(ci) ?? facts.repo?.server;
  const repository = ciRepository(ci) ?? facts.repo?.repository;
  const base = server && repository ? `${server}/${repository}` : undefined;
  const actionsRun = actionsRunLink(ci);
  const commit: RunLink = facts.commit
    ? base
      ? { href: `${base}/commit/${facts.commit}`, label: facts.commit.slice(0, 12) }
      : { text: `${facts.commit.slice(0, 12)} (the repository is unknown to this build, so no link)` }
    : { text: 'not in this build’s git history (a local run, or a checkout without history)' };
  return { actionsRun, commit, reviewPr: reviewPrLink(e, base) };
}

function ciServer(ci: Loose): string | undefined {
  const s = pickString(ci, 'server');
  return s !== undefined && SERVER.test(s) ? s : undefined;
}

function ciRepository(ci: Loose): string | undefined {
  const r = pickString(ci, 'repository');
  return r !== undefined && REPOSITORY.test(r) ? r : undefined;
}

function actionsRunLink(ci: Loose): RunLink {
  const server = ciServer(ci);
  const repository = ciRepository(ci);
  const runId = pickString(ci, 'runId');
  if (!server || !repository || runId === undefined || !/^\d{1,20}$/.test(runId))
    return { text: 'none recorded: run.json has no GitHub Actions run (a local run)' };
  const attempt = pickString(ci, 'runAttempt');
  const suffix = attempt !== undefined && /^\d{1,6}$/.test(attempt) && attempt !== '1' ? `/attempts/${attempt}` : '';
  const workflow = pickString(ci, 'workflow');
  return {
    href: `${server}/${repository}/actions/runs/${runId}${suffix}`,
    label: `${workflow ? `${workflow} ` : ''}run ${runId}${suffix ? ` attempt ${attempt}` : ''}`,
  };
}

function reviewPrLink(e: Pick<ExecutionView, 'runbookId' | 'executionId' | 'decisions' | 'ticket'>, base: string | undefined): RunLink {
  const numbers = [...e.decisions.map((d) => d.pullRequest), ...(e.ticket?.decisions ?? []).map((d) => d.pullRequest)].filter(
    (n): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0,
  );
  if (e.ticket?.decisionUrl) return { href: e.ticket.decisionUrl, label: e.ticket.decisionUrl };
  if (numbers.length > 0) {
    const n = numbers[numbers.length - 1]!;
    return base ? { href: `${base}/pull/${n}`, label: `#${n}` } : { text: `#${n} (the repository is unknown to this build, so no link)` };
  }
  if (!e.ticket) return { text: 'none: no prover failed, so no review was opened' };
  const branch = `pcq/review/${e.runbookId}/${e.executionId}`;
  if (!base) return { text: `not recorded; the review branch is ${branch}` };
  return {
    href: `${base}/pulls?q=${encodeURIComponent(`is:pr head:${branch}`)}`,
    label: `search for the PR of branch ${branch} (its number is not recorded until a decision)`,
  };
}
