// The Scm port over @octokit/rest with the retry and throttling plugins. This is the ONLY file in
// the engine that imports @octokit/* (engine/github/octokit-boundary.test.ts enforces it), so an
// Octokit upgrade or a switch to another client touches one file.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { PcqError } from '../base/errors.ts';
import { redactText } from '../base/secrets.ts';
import type { FileChange, IssueComment, Permission, PullRequest, PullRequestCommit, PullRequestFile, Review, Scm, ScmUser } from './scm.ts';

const PcqOctokit = Octokit.plugin(retry, throttling);
type Client = InstanceType<typeof PcqOctokit>;

export interface OctokitScmOptions {
  token: string;
  /** "owner/name", as in GITHUB_REPOSITORY. */
  repository: string;
  /** GITHUB_API_URL; tests point it at the loopback emulator. */
  baseUrl?: string;
  /** Rate-limit retries before giving up (throttling plugin); keep low in tests. */
  maxRateLimitRetries?: number;
  /** Space out writes per GitHub's secondary-rate-limit advice; default on except for loopback URLs. */
  throttle?: boolean;
}

function isLoopback(baseUrl: string | undefined): boolean {
  if (!baseUrl) return false;
  try {
    const host = new URL(baseUrl).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

export function octokitScmFromEnv(env: Record<string, string | undefined>, token: string): OctokitScm {
  const repository = env.GITHUB_REPOSITORY;
  if (!repository)
    throw new PcqError({
      code: 'PCQ_GITHUB_CONTEXT',
      message: 'GITHUB_REPOSITORY is not set.',
      hint: 'Run inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name.',
    });
  const options: OctokitScmOptions = { token, repository };
  if (env.GITHUB_API_URL) options.baseUrl = env.GITHUB_API_URL;
  return new OctokitScm(options);
}

export class OctokitScm implements Scm {
  readonly owner: string;
  readonly repo: string;
  private readonly client: Client;

  constructor(options: OctokitScmOptions) {
    const [owner, repo, extra] = options.repository.split('/');
    if (!owner || !repo || extra !== undefined) {
      throw new PcqError({
        code: 'PCQ_GITHUB_CONTEXT',
        message: `Repository "${options.repository}" is not "owner/name".`,
        hint: 'Set GITHUB_REPOSITORY=owner/name.',
      });
    }
    this.owner = owner;
    this.repo = repo;
    const maxRetries = options.maxRateLimitRetries ?? 2;
    this.client = new PcqOctokit({
      auth: options.token,
      baseUrl: options.baseUrl ?? 'https://api.github.com',
      userAgent: 'pcq',
      // Failed requests become coded PcqErrors (call() below); Octokit's own per-request log lines would repeat them.
      log: { debug: () => {}, info: () => {}, warn: (m: string) => console.warn(m), error: () => {} },
      // GitHub's guidance: no retry on client errors; a 409 (stale head, moved ref) will not heal by retrying.
      retry: { doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451] },
      throttle: {
        // The throttler spaces content-creating requests a second apart (GitHub's secondary-limit
        // advice). A loopback API (the emulator) has no such limit, so it is off there.
        enabled: options.throttle ?? !isLoopback(options.baseUrl),
        onRateLimit: (_after: number, _opts: unknown, _o: unknown, retryCount: number) => retryCount < maxRetries,
        onSecondaryRateLimit: (_after: number, _opts: unknown, _o: unknown, retryCount: number) => retryCount < maxRetries,
      },
    });
  }

  private get r() {
    return { owner: this.owner, repo: this.repo };
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    const { data } = await call(`get pull request #${number}`, () => this.client.rest.pulls.get({ ...this.r, pull_number: number }));
    return toPullRequest(data);
  }

  async listPullRequestCommits(number: number): Promise<PullRequestCommit[]> {
    const data = await call(`list commits of #${number}`, () =>
      this.client.paginate(this.client.rest.pulls.listCommits, { ...this.r, pull_number: number, per_page: 100 }),
    );
    return data.map((c) => ({ sha: c.sha, authorLogin: loginOf(c.author), committerLogin: loginOf(c.committer) }));
  }

  async listPullRequestFiles(number: number): Promise<PullRequestFile[]> {
    const data = await call(`list files of #${number}`, () =>
      this.client.paginate(this.client.rest.pulls.listFiles, { ...this.r, pull_number: number, per_page: 100 }),
    );
    return data.map((f) =>
      f.previous_filename ? { path: f.filename, status: f.status, previousPath: f.previous_filename } : { path: f.filename, status: f.status },
    );
  }

  async getReview(pullNumber: number, reviewId: number): Promise<Review> {
    const { data } = await call(`get review ${reviewId}`, () => this.client.rest.pulls.getReview({ ...this.r, pull_number: pullNumber, review_id: reviewId }));
    return {
      id: data.id,
      reviewer: data.user ? toUser(data.user) : null,
      state: data.state,
      commitId: data.commit_id,
      body: data.body,
      htmlUrl: data.html_url,
    };
  }

  async findOpenPullRequestByHead(branch: string): Promise<PullRequest | null> {
    const { data } = await call(`find PR for ${branch}`, () =>
      this.client.rest.pulls.list({ ...this.r, state: 'open', head: `${this.owner}:${branch}`, per_page: 10 }),
    );
    const match = data.find((p) => p.head.ref === branch);
    return match ? this.getPullRequest(match.number) : null;
  }

  async createPullRequest(input: { head: string; base: string; title: string; body: string }): Promise<PullRequest> {
    // Text leaving for GitHub passes the secret registry (base/secrets.ts), like every output.
    const { data } = await call(`open PR ${input.head}`, () =>
      this.client.rest.pulls.create({ ...this.r, ...input, title: redactText(input.title), body: redactText(input.body), maintainer_can_modify: false }),
    );
    return toPullRequest(data);
  }

  async updatePullRequest(number: number, input: { title?: string; body?: string }): Promise<PullRequest> {
    const text = {
      ...(input.title !== undefined ? { title: redactText(input.title) } : {}),
      ...(input.body !== undefined ? { body: redactText(input.body) } : {}),
    };
    const { data } = await call(`update PR #${number}`, () => this.client.rest.pulls.update({ ...this.r, pull_number: number, ...text }));
    return toPullRequest(data);
  }

  async requestReviewers(number: number, logins: string[]): Promise<void> {
    if (logins.length === 0) return;
    await call(`request reviewers on #${number}`, () => this.client.rest.pulls.requestReviewers({ ...this.r, pull_number: number, reviewers: logins }));
  }

  async mergePullRequest(number: number, input: { expectedHeadSha: string; commitTitle: string }): Promise<{ sha: string }> {
    const { data } = await call(`merge PR #${number}`, () =>
      this.client.rest.pulls.merge({ ...this.r, pull_number: number, sha: input.expectedHeadSha, commit_title: input.commitTitle, merge_method: 'squash' }),
    );
    return { sha: data.sha };
  }

  async closePullRequest(number: number): Promise<void> {
    await call(`close PR #${number}`, () => this.client.rest.pulls.update({ ...this.r, pull_number: number, state: 'closed' }));
  }

  async getFileContent(path: string, ref: string): Promise<string | null> {
    const res = await callOr404(`read ${path}@${ref}`, () => this.client.rest.repos.getContent({ ...this.r, path, ref }));
    if (res === null) return null;
    const data = res.data as { type?: string; content?: string; encoding?: string };
    if (Array.isArray(res.data) || data.type !== 'file' || typeof data.content !== 'string') {
      throw new PcqError({ code: 'PCQ_GITHUB_NOT_A_FILE', message: `${path} at ${ref} is not a file.`, hint: 'Point the setting at a file, not a folder.' });
    }
    return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
  }

  async getBranchSha(branch: string): Promise<string | null> {
    const res = await callOr404(`read branch ${branch}`, () => this.client.rest.git.getRef({ ...this.r, ref: `heads/${branch}` }));
    return res ? res.data.object.sha : null;
  }

  async createBranch(branch: string, fromSha: string): Promise<void> {
    await call(`create branch ${branch}`, () => this.client.rest.git.createRef({ ...this.r, ref: `refs/heads/${branch}`, sha: fromSha }));
  }

  async commitFiles(input: { branch: string; message: string; files: FileChange[] }): Promise<string> {
    const parent = await this.getBranchSha(input.branch);
    if (parent === null)
      throw new PcqError({
        code: 'PCQ_GITHUB_NO_BRANCH',
        message: `Branch ${input.branch} does not exist.`,
        hint: 'Create the branch first (or check the publish branch setting).',
      });
    const { data: parentCommit } = await call('read parent commit', () => this.client.rest.git.getCommit({ ...this.r, commit_sha: parent }));
    const tree: Array<{ path: string; mode: '100644'; type: 'blob'; sha?: string | null; content?: string }> = [];
    for (const file of input.files) {
      if (file.content === null) {
        tree.push({ path: file.path, mode: '100644', type: 'blob', sha: null }); // git data API: sha null deletes
      } else if (typeof file.content === 'string') {
        tree.push({ path: file.path, mode: '100644', type: 'blob', content: file.content });
      } else {
        const bytes = file.content;
        const { data: blob } = await call(`upload ${file.path}`, () =>
          this.client.rest.git.createBlob({ ...this.r, content: Buffer.from(bytes).toString('base64'), encoding: 'base64' }),
        );
        tree.push({ path: file.path, mode: '100644', type: 'blob', sha: blob.sha });
      }
    }
    const { data: newTree } = await call('write tree', () => this.client.rest.git.createTree({ ...this.r, base_tree: parentCommit.tree.sha, tree }));
    const { data: commit } = await call('write commit', () =>
      this.client.rest.git.createCommit({ ...this.r, message: input.message, tree: newTree.sha, parents: [parent] }),
    );
    // force: false — if someone else moved the branch meanwhile, GitHub refuses instead of losing their work.
    await call(`advance ${input.branch}`, () => this.client.rest.git.updateRef({ ...this.r, ref: `heads/${input.branch}`, sha: commit.sha, force: false }));
    return commit.sha;
  }

  async listIssueComments(issueNumber: number): Promise<IssueComment[]> {
    const data = await call(`list comments of #${issueNumber}`, () =>
      this.client.paginate(this.client.rest.issues.listComments, { ...this.r, issue_number: issueNumber, per_page: 100 }),
    );
    return data.map(toComment);
  }

  async createIssueComment(issueNumber: number, body: string): Promise<IssueComment> {
    const { data } = await call(`comment on #${issueNumber}`, () =>
      this.client.rest.issues.createComment({ ...this.r, issue_number: issueNumber, body: redactText(body) }),
    );
    return toComment(data);
  }

  async updateIssueComment(commentId: number, body: string): Promise<IssueComment> {
    const { data } = await call(`update comment ${commentId}`, () =>
      this.client.rest.issues.updateComment({ ...this.r, comment_id: commentId, body: redactText(body) }),
    );
    return toComment(data);
  }

  async countPendingWorkflowRuns(): Promise<number> {
    // total_count counts every run of that status, so one page of one run is enough (needs `actions: read`).
    let n = 0;
    for (const status of ['queued', 'in_progress'] as const) {
      const { data } = await call(`list ${status} workflow runs`, () => this.client.rest.actions.listWorkflowRunsForRepo({ ...this.r, status, per_page: 1 }));
      n += data.total_count;
    }
    return n;
  }

  async getPermission(login: string): Promise<Permission> {
    const res = await callOr404(`read permission of ${login}`, () => this.client.rest.repos.getCollaboratorPermissionLevel({ ...this.r, username: login }));
    if (res === null) return 'none';
    // role_name carries the finer roles (maintain, triage); permission folds them into write/read.
    const known: Permission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];
    const role = res.data.role_name as Permission;
    return known.includes(role) ? role : known.includes(res.data.permission as Permission) ? (res.data.permission as Permission) : 'none';
  }
}

interface RawUser {
  login: string;
  type: string;
}
const toUser = (u: RawUser): ScmUser => ({ login: u.login, type: u.type });
const loginOf = (u: unknown): string | null => (u && typeof u === 'object' && 'login' in u ? String((u as RawUser).login) : null);

function toPullRequest(d: {
  number: number;
  state: string;
  merged?: boolean;
  merged_at: string | null;
  title: string;
  body: string | null;
  user: RawUser | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  html_url: string;
}): PullRequest {
  return {
    number: d.number,
    state: d.state === 'closed' ? 'closed' : 'open',
    merged: d.merged ?? d.merged_at !== null,
    title: d.title,
    body: d.body ?? '',
    author: d.user ? toUser(d.user) : { login: 'ghost', type: 'User' },
    headRef: d.head.ref,
    headSha: d.head.sha,
    baseRef: d.base.ref,
    baseSha: d.base.sha,
    htmlUrl: d.html_url,
  };
}

function toComment(d: { id: number; body?: string; user: RawUser | null; html_url: string }): IssueComment {
  return { id: d.id, body: d.body ?? '', author: d.user?.login ?? null, htmlUrl: d.html_url };
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : undefined;
}

/** Turns Octokit's RequestError into a coded error that names the call and the HTTP status. */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const status = statusOf(err);
    const detail = err instanceof Error ? err.message : String(err);
    const hint =
      status === 401 || status === 403
        ? 'Check the token and the workflow `permissions:` (contents/pull-requests: write where pcq writes).'
        : status === 409 || status === 422
          ? 'GitHub refused the change as it stands (stale head, existing ref or invalid input); re-run after checking the PR.'
          : 'Check GITHUB_API_URL and the network; the call was retried where GitHub allows.';
    // No answer, 429 or 5xx may pass (Octokit's retry plugin already tried); 4xx is GitHub's answer.
    const transient = status === undefined || Number.isNaN(status) || status === 429 || status >= 500;
    throw new PcqError(
      {
        code: transient ? 'PCQ_GITHUB_UNAVAILABLE' : 'PCQ_GITHUB_API',
        message: `GitHub refused to ${what}: ${status ?? 'no status'} ${detail}`,
        hint,
        details: { status },
      },
      { cause: err },
    );
  }
}

async function callOr404<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (statusOf(err) === 404) return null;
    return call(what, () => Promise.reject(err));
  }
}
