// The one GitHub port (docs/design.md §4, §5 "GitHub"). Everything pcq asks of GitHub is a method here, in
// pcq's own vocabulary; engine/github/octokit-scm.ts is the only adapter, and tests run it against
// the loopback emulator (engine/testing/github-emulator.ts).
//
// Annotations are NOT part of this port: they go out as workflow commands (`::error file=…::`) via
// @actions/core, which needs no `checks: write` permission and works for fork PRs too.

export interface ScmUser {
  login: string;
  /** "User", "Bot" or "Organization", as GitHub reports it. */
  type: string;
}

export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  author: ScmUser;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  htmlUrl: string;
}

export interface PullRequestCommit {
  sha: string;
  /** GitHub logins linked to the commit's author and committer (null when unlinked). */
  authorLogin: string | null;
  committerLogin: string | null;
}

export interface PullRequestFile {
  path: string;
  status: string; // added | removed | modified | renamed | copied | changed | unchanged
  previousPath?: string;
}

export interface Review {
  id: number;
  reviewer: ScmUser | null;
  state: string; // APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING (case varies)
  commitId: string | null;
  body: string;
  htmlUrl: string;
}

export interface IssueComment {
  id: number;
  body: string;
  author: string | null;
  htmlUrl: string;
}

/** A file to write in a commit: UTF-8 text, raw bytes for binaries (evidence archives, PDFs), or null to delete it. */
export interface FileChange {
  path: string;
  content: string | Uint8Array | null;
}

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface Scm {
  readonly owner: string;
  readonly repo: string;

  getPullRequest(number: number): Promise<PullRequest>;
  listPullRequestCommits(number: number): Promise<PullRequestCommit[]>;
  listPullRequestFiles(number: number): Promise<PullRequestFile[]>;
  getReview(pullNumber: number, reviewId: number): Promise<Review>;
  /** Open PR whose head is `branch` in this repository, if any (so re-runs update, not duplicate). */
  findOpenPullRequestByHead(branch: string): Promise<PullRequest | null>;
  createPullRequest(input: { head: string; base: string; title: string; body: string }): Promise<PullRequest>;
  updatePullRequest(number: number, input: { title?: string; body?: string }): Promise<PullRequest>;
  requestReviewers(number: number, logins: string[]): Promise<void>;
  /** Merges only if the head is still `expectedHeadSha` (GitHub refuses otherwise: no TOCTOU). */
  mergePullRequest(number: number, input: { expectedHeadSha: string; commitTitle: string }): Promise<{ sha: string }>;
  closePullRequest(number: number): Promise<void>;

  /** File text at a ref (branch, tag or SHA); null when the file does not exist there. */
  getFileContent(path: string, ref: string): Promise<string | null>;
  /** Commit SHA a branch points at; null when the branch does not exist. */
  getBranchSha(branch: string): Promise<string | null>;
  createBranch(branch: string, fromSha: string): Promise<void>;
  /** One atomic commit of all `files` on top of `branch` (git data API), returning the new SHA. */
  commitFiles(input: { branch: string; message: string; files: FileChange[] }): Promise<string>;

  listIssueComments(issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;

  /** Workflow runs queued or in progress in the repository (pending dispatches, for `pcq status`). */
  countPendingWorkflowRuns(): Promise<number>;
  /** The caller's permission on the repository (for button roles). */
  getPermission(login: string): Promise<Permission>;
}

export const PERMISSION_RANK: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };
