// In-memory repository state behind the GitHub emulator: git objects (blobs, trees as path maps,
// commits with parents), branches, pull requests, reviews, comments and collaborator permissions.
// Deliberately small: exactly what pcq's Scm port reads and writes, with GitHub's semantics where
// pcq depends on them (merge refuses a stale head SHA, updateRef refuses a non-fast-forward).
import { createHash } from 'node:crypto';

export interface EmuUser {
  login: string;
  type: 'User' | 'Bot';
  id: number;
}

export interface EmuCommit {
  sha: string;
  treeSha: string;
  files: Map<string, string>; // path → blob sha (the flattened tree)
  parents: string[];
  message: string;
  author: string | null; // GitHub login linked to the commit, if any
  committer: string | null;
}

export interface EmuReview {
  id: number;
  user: string;
  state: string;
  commitId: string;
  body: string;
  submittedAt: string;
}
export interface EmuComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface EmuPull {
  number: number;
  title: string;
  body: string;
  user: string;
  head: string; // branch
  base: string; // branch
  state: 'open' | 'closed';
  mergedSha: string | null;
  mergedBy: string | null;
  requestedReviewers: string[];
  reviews: EmuReview[];
  createdAt: string;
  updatedAt: string;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const sha1 = (s: string | Uint8Array) => createHash('sha1').update(s).digest('hex');

export class EmulatorState {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch = 'main';
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, EmuCommit>();
  readonly branches = new Map<string, string>();
  readonly pulls = new Map<number, EmuPull>();
  readonly comments = new Map<number, EmuComment>();
  readonly permissions = new Map<string, string>(); // login → admin|maintain|write|triage|read
  /** Workflow runs of the repository (GET /actions/runs); status is GitHub's: queued, in_progress, completed… */
  readonly workflowRuns: Array<{ id: number; name: string; status: string; event: string }> = [];
  readonly users = new Map<string, EmuUser>();
  private nextId = 1000;
  private nextNumber = 1;
  private clockMs = Date.parse('2026-03-01T12:00:00Z');

  constructor(owner: string, repo: string) {
    this.owner = owner;
    this.repo = repo;
    this.user('github-actions[bot]', 'Bot');
  }

  /** Deterministic time: each call advances one second (no wall clock in tests). */
  now(): string {
    this.clockMs += 1000;
    return new Date(this.clockMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  id(): number {
    return this.nextId++;
  }

  user(login: string, type: 'User' | 'Bot' = login.endsWith('[bot]') ? 'Bot' : 'User'): EmuUser {
    let u = this.users.get(login);
    if (!u) {
      u = { login, type, id: this.id() };
      this.users.set(login, u);
    }
    return u;
  }

  putBlob(content: Buffer): string {
    const sha = sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
    this.blobs.set(sha, content);
    return sha;
  }

  putTree(files: Map<string, string>): string {
    const sha = sha1(
      [...files]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([p, s]) => `${p}\0${s}`)
        .join('\n'),
    );
    this.trees.set(sha, new Map(files));
    return sha;
  }

  putCommit(input: { treeSha: string; parents: string[]; message: string; author: string | null; committer: string | null }): EmuCommit {
    const files = this.trees.get(input.treeSha);
    if (!files) throw new HttpError(422, `Tree ${input.treeSha} does not exist`);
    for (const p of input.parents) if (!this.commits.has(p)) throw new HttpError(422, `Parent ${p} does not exist`);
    const sha = sha1(JSON.stringify({ ...input, n: this.id() }));
    const commit: EmuCommit = { sha, files: new Map(files), ...input };
    this.commits.set(sha, commit);
    return commit;
  }

  /** Test helper: a commit of text files on a branch, as `pusher` (creates the branch if needed). */
  push(branch: string, files: Record<string, string | null>, pusher: string, message = 'update'): string {
    const parent = this.branches.get(branch);
    const tree = new Map(parent ? this.commit(parent).files : []);
    for (const [path, text] of Object.entries(files)) {
      if (text === null) tree.delete(path);
      else tree.set(path, this.putBlob(Buffer.from(text)));
    }
    this.user(pusher);
    const c = this.putCommit({ treeSha: this.putTree(tree), parents: parent ? [parent] : [], message, author: pusher, committer: pusher });
    this.branches.set(branch, c.sha);
    return c.sha;
  }

  commit(sha: string): EmuCommit {
    const c = this.commits.get(sha);
    if (!c) throw new HttpError(404, `No commit found for SHA: ${sha}`);
    return c;
  }

  branchSha(branch: string): string {
    const sha = this.branches.get(branch);
    if (!sha) throw new HttpError(404, `Branch ${branch} not found`);
    return sha;
  }

  /** SHA of a branch name or a commit SHA, as `?ref=` accepts both. */
  resolveRef(ref: string): string {
    const name = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '');
    if (this.branches.has(name)) return this.branches.get(name)!;
    if (this.commits.has(ref)) return ref;
    throw new HttpError(404, `No commit found for the ref ${ref}`);
  }

  fileAt(path: string, ref: string): Buffer | null {
    const blob = this.commit(this.resolveRef(ref)).files.get(path);
    return blob === undefined ? null : this.blobs.get(blob)!;
  }

  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...this.commit(s).parents);
    }
    return seen;
  }

  /** Commits on the PR head that are not on its base, oldest first (what GitHub lists). */
  pullCommits(pr: EmuPull): EmuCommit[] {
    const onBase = this.ancestors(this.branchSha(pr.base));
    const out: EmuCommit[] = [];
    for (const sha of this.ancestors(this.headSha(pr))) if (!onBase.has(sha)) out.push(this.commit(sha));
    return out.reverse();
  }

  headSha(pr: EmuPull): string {
    return pr.mergedSha && !this.branches.has(pr.head) ? pr.mergedSha : this.branchSha(pr.head);
  }

  mergeBase(pr: EmuPull): string {
    const onBase = this.ancestors(this.branchSha(pr.base));
    const stack = [this.headSha(pr)];
    const seen = new Set<string>();
    while (stack.length) {
      const s = stack.shift()!;
      if (onBase.has(s)) return s;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...this.commit(s).parents);
    }
    return this.branchSha(pr.base);
  }

  pullFiles(pr: EmuPull): Array<{ path: string; status: string; sha: string | null }> {
    const before = this.commit(this.mergeBase(pr)).files;
    const after = this.commit(this.headSha(pr)).files;
    const out: Array<{ path: string; status: string; sha: string | null }> = [];
    for (const [path, sha] of after) {
      if (!before.has(path)) out.push({ path, status: 'added', sha });
      else if (before.get(path) !== sha) out.push({ path, status: 'modified', sha });
    }
    for (const [path] of before) if (!after.has(path)) out.push({ path, status: 'removed', sha: null });
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  pull(number: number): EmuPull {
    const pr = this.pulls.get(number);
    if (!pr) throw new HttpError(404, `Pull request #${number} not found`);
    return pr;
  }

  openPull(input: { title: string; body: string; user: string; head: string; base: string }): EmuPull {
    this.branchSha(input.head);
    this.branchSha(input.base);
    for (const pr of this.pulls.values()) {
      if (pr.state === 'open' && pr.head === input.head && pr.base === input.base)
        throw new HttpError(422, `A pull request already exists for ${this.owner}:${input.head}.`);
    }
    const at = this.now();
    const pr: EmuPull = {
      number: this.nextNumber++,
      ...input,
      state: 'open',
      mergedSha: null,
      mergedBy: null,
      requestedReviewers: [],
      reviews: [],
      createdAt: at,
      updatedAt: at,
    };
    this.user(input.user);
    this.pulls.set(pr.number, pr);
    return pr;
  }

  /** Test helper: a review as GitHub records it (commitId defaults to the current head). */
  review(number: number, login: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED', commitId?: string, body = ''): EmuReview {
    const pr = this.pull(number);
    this.user(login);
    const review: EmuReview = { id: this.id(), user: login, state, commitId: commitId ?? this.headSha(pr), body, submittedAt: this.now() };
    pr.reviews.push(review);
    return review;
  }

  merge(number: number, by: string, expectedSha: string | undefined, title: string): string {
    const pr = this.pull(number);
    if (pr.state !== 'open') throw new HttpError(405, 'Pull Request is not mergeable');
    const head = this.headSha(pr);
    if (expectedSha !== undefined && expectedSha !== head) throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
    const baseSha = this.branchSha(pr.base);
    // Squash merge: the PR's own changes applied on top of the base as it is now.
    const tree = new Map(this.commit(baseSha).files);
    const headFiles = this.commit(head).files;
    for (const f of this.pullFiles(pr)) {
      if (f.status === 'removed') tree.delete(f.path);
      else tree.set(f.path, headFiles.get(f.path)!);
    }
    const c = this.putCommit({ treeSha: this.putTree(tree), parents: [baseSha], message: title, author: by, committer: 'web-flow' });
    this.branches.set(pr.base, c.sha);
    pr.state = 'closed';
    pr.mergedSha = c.sha;
    pr.mergedBy = by;
    pr.updatedAt = this.now();
    return c.sha;
  }
}
