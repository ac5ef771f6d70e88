// JSON bodies the emulator sends, shaped from GitHub's own example responses in the OpenAPI
// description and filled with the emulator's state. Every body is validated against the
// operation's response schema before it leaves (github-emulator.ts), so a field forgotten here
// fails the test that triggered it.
import { exampleResponse } from './github-emulator-openapi.ts';
import type { EmulatorState, EmuComment, EmuCommit, EmuPull, EmuReview } from './github-emulator-state.ts';

type Json = Record<string, unknown>;

export class EmulatorJson {
  private readonly state: EmulatorState;
  private readonly api: string; // http://127.0.0.1:port
  private readonly web = 'https://github.com';
  private readonly prTemplate: Json;

  constructor(state: EmulatorState, apiBase: string) {
    this.state = state;
    this.api = apiBase;
    this.prTemplate = exampleResponse('get', '/repos/{owner}/{repo}/pulls/{pull_number}', 200);
  }

  private get full() {
    return `${this.state.owner}/${this.state.repo}`;
  }

  user(login: string): Json {
    const u = this.state.user(login);
    const url = `${this.api}/users/${encodeURIComponent(login)}`;
    return {
      login,
      id: u.id,
      node_id: `U_${u.id}`,
      avatar_url: `${this.web}/images/${u.id}.png`,
      gravatar_id: '',
      url,
      html_url: `${this.web}/${encodeURIComponent(login)}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: u.type,
      site_admin: false,
    };
  }

  repository(): Json {
    const base = structuredClone((this.prTemplate.base as Json).repo) as Json;
    const url = `${this.api}/repos/${this.full}`;
    for (const [k, v] of Object.entries(base)) {
      if (typeof v === 'string')
        base[k] = v.replace(/https:\/\/api\.github\.com\/repos\/octocat\/Hello-World/g, url).replace(/octocat\/Hello-World/g, this.full);
    }
    return {
      ...base,
      name: this.state.repo,
      full_name: this.full,
      owner: this.user(this.state.owner),
      default_branch: this.state.defaultBranch,
      url,
      html_url: `${this.web}/${this.full}`,
    };
  }

  pull(pr: EmuPull): Json {
    const t = structuredClone(this.prTemplate);
    const url = `${this.api}/repos/${this.full}/pulls/${pr.number}`;
    const html = `${this.web}/${this.full}/pull/${pr.number}`;
    const headSha = this.state.headSha(pr);
    const baseSha = this.state.branchSha(pr.base);
    const side = (ref: string, sha: string) => ({ label: `${this.state.owner}:${ref}`, ref, sha, user: this.user(this.state.owner), repo: this.repository() });
    const files = this.state.pullFiles(pr);
    return {
      ...t,
      url,
      id: pr.number * 7919,
      node_id: `PR_${pr.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${this.api}/repos/${this.full}/issues/${pr.number}`,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.api}/repos/${this.full}/pulls/comments{/number}`,
      comments_url: `${this.api}/repos/${this.full}/issues/${pr.number}/comments`,
      statuses_url: `${this.api}/repos/${this.full}/statuses/${headSha}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      body: pr.body,
      user: this.user(pr.user),
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.state === 'closed' ? pr.updatedAt : null,
      merged_at: pr.mergedSha ? pr.updatedAt : null,
      merge_commit_sha: pr.mergedSha,
      assignee: null,
      assignees: [],
      requested_reviewers: pr.requestedReviewers.map((l) => this.user(l)),
      requested_teams: [],
      head: side(pr.head, headSha),
      base: side(pr.base, baseSha),
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: `${this.api}/repos/${this.full}/issues/${pr.number}` },
        comments: { href: `${this.api}/repos/${this.full}/issues/${pr.number}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${this.api}/repos/${this.full}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: `${this.api}/repos/${this.full}/statuses/${headSha}` },
      },
      author_association: this.state.permissions.has(pr.user) ? 'COLLABORATOR' : 'NONE',
      auto_merge: null,
      draft: false,
      merged: pr.mergedSha !== null,
      mergeable: pr.state === 'open' ? true : null,
      rebaseable: true,
      mergeable_state: pr.state === 'open' ? 'clean' : 'unknown',
      merged_by: pr.mergedBy ? this.user(pr.mergedBy) : null,
      comments: [...this.state.comments.values()].filter((c) => c.issue === pr.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: this.state.pullCommits(pr).length,
      additions: files.length,
      deletions: 0,
      changed_files: files.length,
    };
  }

  /** The list form (pull-request-simple) is the full form without the counters. */
  pullSimple(pr: EmuPull): Json {
    const full = this.pull(pr);
    for (const k of [
      'merged',
      'mergeable',
      'rebaseable',
      'mergeable_state',
      'merged_by',
      'comments',
      'review_comments',
      'maintainer_can_modify',
      'commits',
      'additions',
      'deletions',
      'changed_files',
    ])
      delete full[k];
    return full;
  }

  prCommit(c: EmuCommit): Json {
    const url = `${this.api}/repos/${this.full}/commits/${c.sha}`;
    const person = (login: string | null) => ({
      name: login ?? 'unknown',
      email: `${login ?? 'unknown'}@users.noreply.github.com`,
      date: '2026-03-01T12:00:00Z',
    });
    return {
      url,
      sha: c.sha,
      node_id: `C_${c.sha.slice(0, 12)}`,
      html_url: `${this.web}/${this.full}/commit/${c.sha}`,
      comments_url: `${url}/comments`,
      commit: {
        url: `${this.api}/repos/${this.full}/git/commits/${c.sha}`,
        author: person(c.author),
        committer: person(c.committer),
        message: c.message,
        comment_count: 0,
        tree: { sha: c.treeSha, url: `${this.api}/repos/${this.full}/git/trees/${c.treeSha}` },
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
      author: c.author ? this.user(c.author) : null,
      committer: c.committer ? this.user(c.committer) : null,
      parents: c.parents.map((p) => ({ sha: p, url: `${this.api}/repos/${this.full}/commits/${p}`, html_url: `${this.web}/${this.full}/commit/${p}` })),
    };
  }

  diffEntry(f: { path: string; status: string; sha: string | null }, headSha: string): Json {
    return {
      sha: f.sha,
      filename: f.path,
      status: f.status,
      additions: 1,
      deletions: f.status === 'removed' ? 1 : 0,
      changes: 1,
      blob_url: `${this.web}/${this.full}/blob/${headSha}/${f.path}`,
      raw_url: `${this.web}/${this.full}/raw/${headSha}/${f.path}`,
      contents_url: `${this.api}/repos/${this.full}/contents/${f.path}?ref=${headSha}`,
    };
  }

  review(pr: EmuPull, r: EmuReview): Json {
    const html = `${this.web}/${this.full}/pull/${pr.number}#pullrequestreview-${r.id}`;
    const prUrl = `${this.api}/repos/${this.full}/pulls/${pr.number}`;
    return {
      id: r.id,
      node_id: `PRR_${r.id}`,
      user: this.user(r.user),
      body: r.body,
      state: r.state,
      html_url: html,
      pull_request_url: prUrl,
      _links: { html: { href: html }, pull_request: { href: prUrl } },
      submitted_at: r.submittedAt,
      commit_id: r.commitId,
      author_association: this.state.permissions.has(r.user) ? 'COLLABORATOR' : 'NONE',
    };
  }

  comment(c: EmuComment): Json {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.api}/repos/${this.full}/issues/comments/${c.id}`,
      html_url: `${this.web}/${this.full}/pull/${c.issue}#issuecomment-${c.id}`,
      body: c.body,
      user: this.user(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      issue_url: `${this.api}/repos/${this.full}/issues/${c.issue}`,
      author_association: 'CONTRIBUTOR',
    };
  }

  contentFile(path: string, ref: string, bytes: Buffer, blobSha: string): Json {
    const url = `${this.api}/repos/${this.full}/contents/${path}?ref=${ref}`;
    const git = `${this.api}/repos/${this.full}/git/blobs/${blobSha}`;
    const html = `${this.web}/${this.full}/blob/${ref}/${path}`;
    return {
      type: 'file',
      encoding: 'base64',
      size: bytes.length,
      name: path.split('/').pop(),
      path,
      content: bytes.toString('base64'),
      sha: blobSha,
      url,
      git_url: git,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${this.full}/${ref}/${path}`,
      _links: { git, self: url, html },
    };
  }

  ref(branch: string, sha: string): Json {
    return {
      ref: `refs/heads/${branch}`,
      node_id: `REF_${branch}`,
      url: `${this.api}/repos/${this.full}/git/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${this.api}/repos/${this.full}/git/commits/${sha}` },
    };
  }

  gitCommit(c: EmuCommit): Json {
    const person = { name: c.author ?? 'unknown', email: 'noreply@github.com', date: '2026-03-01T12:00:00Z' };
    return {
      sha: c.sha,
      node_id: `C_${c.sha.slice(0, 12)}`,
      url: `${this.api}/repos/${this.full}/git/commits/${c.sha}`,
      html_url: `${this.web}/${this.full}/commit/${c.sha}`,
      author: person,
      committer: person,
      message: c.message,
      tree: { sha: c.treeSha, url: `${this.api}/repos/${this.full}/git/trees/${c.treeSha}` },
      parents: c.parents.map((p) => ({ sha: p, url: `${this.api}/repos/${this.full}/git/commits/${p}`, html_url: `${this.web}/${this.full}/commit/${p}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  tree(sha: string): Json {
    const files = this.state.trees.get(sha)!;
    return {
      sha,
      url: `${this.api}/repos/${this.full}/git/trees/${sha}`,
      truncated: false,
      tree: [...files].map(([path, blob]) => ({
        path,
        mode: '100644',
        type: 'blob',
        sha: blob,
        size: this.state.blobs.get(blob)!.length,
        url: `${this.api}/repos/${this.full}/git/blobs/${blob}`,
      })),
    };
  }

  permission(login: string, permission: string): Json {
    const folded = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
    return { permission: folded, role_name: permission, user: { ...this.user(login), role_name: permission } };
  }

  /** GitHub's example workflow run, re-filled with the emulator's id, name, status and repository. */
  workflowRuns(runs: Array<{ id: number; name: string; status: string; event: string }>): Json {
    const example = exampleResponse('get', '/repos/{owner}/{repo}/actions/runs', 200) as { workflow_runs: Json[] };
    const template = example.workflow_runs[0]!;
    const base = `${this.api}/repos/${this.full}/actions/runs`;
    return {
      total_count: runs.length,
      workflow_runs: runs.map((r) => ({
        ...template,
        id: r.id,
        name: r.name,
        status: r.status,
        conclusion: r.status === 'completed' ? 'success' : null,
        event: r.event,
        url: `${base}/${r.id}`,
        html_url: `${this.web}/${this.full}/actions/runs/${r.id}`,
      })),
    };
  }

  error(message: string): Json {
    return { message, documentation_url: 'https://docs.github.com/rest' };
  }
}
