// A loopback GitHub (127.0.0.1:0) serving exactly the REST operations pcq's Scm adapter uses, with
// in-memory state. Every request is checked against GitHub's OpenAPI description before it is
// handled (a mismatch answers 422 with the ajv errors, as GitHub would refuse it) and every response
// is checked before it is sent (a mismatch is recorded in `problems` and answered 500, and `stop()`
// rejects), so the emulator can neither accept what GitHub rejects nor invent what GitHub never sends.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest, validateResponse, type ValidationProblem } from './github-emulator-openapi.ts';
import { EmulatorJson } from './github-emulator-json.ts';
import { EmulatorState, HttpError } from './github-emulator-state.ts';

type Json = Record<string, unknown>;
interface Ctx {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  login: string;
}
type Handler = (ctx: Ctx) => { status: number; body: unknown; headers?: Record<string, string> };
interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

export interface RecordedCall {
  method: string;
  operation: string;
  status: number;
  login: string;
}

export class GitHubEmulator {
  readonly state: EmulatorState;
  /** Responses the emulator was about to send that GitHub's description does not allow. */
  readonly problems: Array<{ operation: string; problems: ValidationProblem[] }> = [];
  /** Requests refused because they did not match the description (answered 422). */
  readonly rejectedRequests: Array<{ operation: string; problems: ValidationProblem[] }> = [];
  readonly calls: RecordedCall[] = [];
  /** token → login of the caller (the Actions token is github-actions[bot]). */
  readonly tokens = new Map<string, string>([['test-token', 'github-actions[bot]']]);
  private server: Server | undefined;
  private json!: EmulatorJson;
  private readonly routes: Route[] = [];
  url = '';

  constructor(owner = 'pcq-org', repo = 'pcq') {
    this.state = new EmulatorState(owner, repo);
    this.defineRoutes();
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // A bug in the emulator itself must fail the test, not hang the client.
        this.problems.push({
          operation: `${req.method} ${req.url}`,
          problems: [{ where: 'emulator', errors: [{ instancePath: '', message: String(err), params: {} }] }],
        });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'emulator error' }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.json = new EmulatorJson(this.state, this.url);
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
    if (this.problems.length)
      throw new Error(`GitHub emulator sent responses that break GitHub's OpenAPI description:\n${JSON.stringify(this.problems, null, 2)}`);
  }

  private on(method: string, template: string, handler: Handler): void {
    const names: string[] = [];
    // `{path}` and `{ref}` may hold slashes (contents/a/b.yaml, git/ref/heads/x).
    const pattern = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return name === 'path' || name === 'ref' ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, template, regex: new RegExp(`^${pattern}$`), names, handler });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toLowerCase();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    let route: Route | undefined;
    let match: RegExpExecArray | null = null;
    for (const r of this.routes) {
      if (r.method !== method) continue;
      match = r.regex.exec(url.pathname);
      if (match) {
        route = r;
        break;
      }
    }
    if (!route || !match)
      return send(404, { message: `Emulator does not serve ${method.toUpperCase()} ${url.pathname}`, documentation_url: 'https://docs.github.com/rest' });
    const op = `${method.toUpperCase()} ${route.template}`;
    const auth = String(req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
    const login = this.tokens.get(auth);
    if (!login) {
      this.calls.push({ method, operation: op, status: 401, login: '' });
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => {
      params[n] = decodeURIComponent(match![i + 1]!);
    });
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      return send(400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' });
    }
    const requestProblems = validateRequest(method, route.template, params, url.searchParams, body);
    if (requestProblems.length) {
      this.rejectedRequests.push({ operation: op, problems: requestProblems });
      this.calls.push({ method, operation: op, status: 422, login });
      return send(422, {
        message: "Validation Failed (request does not match GitHub's OpenAPI description)",
        errors: requestProblems,
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    let out: { status: number; body: unknown; headers?: Record<string, string> };
    try {
      out = route.handler({ params, query: url.searchParams, body: (body ?? {}) as Json, login });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      out = { status: err.status, body: this.json.error(err.message) };
    }
    const responseProblems = validateResponse(method, route.template, out.status, out.body, true);
    this.calls.push({ method, operation: op, status: out.status, login });
    if (responseProblems.length) {
      this.problems.push({ operation: op, problems: responseProblems });
      return send(500, { message: "Emulator response does not match GitHub's OpenAPI description", errors: responseProblems });
    }
    send(out.status, out.body, out.headers);
  }

  private page<T>(items: T[], query: URLSearchParams, path: string): { status: number; body: T[]; headers: Record<string, string> } {
    const perPage = Number(query.get('per_page') ?? 30);
    const page = Number(query.get('page') ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      headers.link = `<${this.url}${path}?${next}>; rel="next"`;
    }
    return { status: 200, body: slice, headers };
  }

  private defineRoutes(): void {
    const s = () => this.state;
    const R = '/repos/{owner}/{repo}';
    const repoGuard = (p: Record<string, string>) => {
      if (p.owner !== s().owner || p.repo !== s().repo) throw new HttpError(404, 'Not Found');
    };
    const num = (v: string | undefined) => Number(v);

    this.on('get', `${R}/pulls/{pull_number}`, ({ params }) => {
      repoGuard(params);
      return { status: 200, body: this.json.pull(s().pull(num(params.pull_number))) };
    });
    this.on('get', `${R}/pulls/{pull_number}/commits`, ({ params, query }) => {
      repoGuard(params);
      const pr = s().pull(num(params.pull_number));
      return this.page(
        s()
          .pullCommits(pr)
          .map((c) => this.json.prCommit(c)),
        query,
        `/repos/${s().owner}/${s().repo}/pulls/${pr.number}/commits`,
      );
    });
    this.on('get', `${R}/pulls/{pull_number}/files`, ({ params, query }) => {
      repoGuard(params);
      const pr = s().pull(num(params.pull_number));
      const head = s().headSha(pr);
      return this.page(
        s()
          .pullFiles(pr)
          .map((f) => this.json.diffEntry(f, head)),
        query,
        `/repos/${s().owner}/${s().repo}/pulls/${pr.number}/files`,
      );
    });
    this.on('get', `${R}/pulls/{pull_number}/reviews/{review_id}`, ({ params }) => {
      repoGuard(params);
      const pr = s().pull(num(params.pull_number));
      const review = pr.reviews.find((r) => r.id === num(params.review_id));
      if (!review) throw new HttpError(404, 'Not Found');
      return { status: 200, body: this.json.review(pr, review) };
    });
    this.on('get', `${R}/pulls`, ({ params, query }) => {
      repoGuard(params);
      const state = query.get('state') ?? 'open';
      const head = query.get('head');
      const list = [...s().pulls.values()].filter((p) => (state === 'all' || p.state === state) && (!head || `${s().owner}:${p.head}` === head));
      return this.page(
        list.map((p) => this.json.pullSimple(p)),
        query,
        `/repos/${s().owner}/${s().repo}/pulls`,
      );
    });
    this.on('post', `${R}/pulls`, ({ params, body, login }) => {
      repoGuard(params);
      const pr = s().openPull({ title: String(body.title), body: String(body.body ?? ''), user: login, head: String(body.head), base: String(body.base) });
      return { status: 201, body: this.json.pull(pr) };
    });
    this.on('patch', `${R}/pulls/{pull_number}`, ({ params, body }) => {
      repoGuard(params);
      const pr = s().pull(num(params.pull_number));
      if (typeof body.title === 'string') pr.title = body.title;
      if (typeof body.body === 'string') pr.body = body.body;
      if (body.state === 'closed' || body.state === 'open') pr.state = body.state;
      pr.updatedAt = s().now();
      return { status: 200, body: this.json.pull(pr) };
    });
    this.on('post', `${R}/pulls/{pull_number}/requested_reviewers`, ({ params, body }) => {
      repoGuard(params);
      const pr = s().pull(num(params.pull_number));
      for (const l of (body.reviewers as string[] | undefined) ?? []) {
        if (l === pr.user) throw new HttpError(422, 'Review cannot be requested from pull request author.');
        if (!pr.requestedReviewers.includes(l)) pr.requestedReviewers.push(l);
      }
      return { status: 201, body: this.json.pullSimple(pr) };
    });
    this.on('put', `${R}/pulls/{pull_number}/merge`, ({ params, body, login }) => {
      repoGuard(params);
      const sha = s().merge(num(params.pull_number), login, body.sha as string | undefined, String(body.commit_title ?? 'Merge'));
      return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
    });
    this.on('get', `${R}/contents/{path}`, ({ params, query }) => {
      repoGuard(params);
      const ref = query.get('ref') ?? s().defaultBranch;
      const sha = s().resolveRef(ref);
      const blob = s().commit(sha).files.get(params.path!);
      if (blob === undefined) throw new HttpError(404, 'Not Found');
      return { status: 200, body: this.json.contentFile(params.path!, ref, s().blobs.get(blob)!, blob) };
    });
    this.on('get', `${R}/issues/{issue_number}/comments`, ({ params, query }) => {
      repoGuard(params);
      const list = [...s().comments.values()].filter((c) => c.issue === num(params.issue_number));
      return this.page(
        list.map((c) => this.json.comment(c)),
        query,
        `/repos/${s().owner}/${s().repo}/issues/${params.issue_number}/comments`,
      );
    });
    this.on('post', `${R}/issues/{issue_number}/comments`, ({ params, body, login }) => {
      repoGuard(params);
      s().pull(num(params.issue_number));
      const at = s().now();
      const c = { id: s().id(), issue: num(params.issue_number), body: String(body.body), user: login, createdAt: at, updatedAt: at };
      s().comments.set(c.id, c);
      return { status: 201, body: this.json.comment(c) };
    });
    this.on('patch', `${R}/issues/comments/{comment_id}`, ({ params, body }) => {
      repoGuard(params);
      const c = s().comments.get(num(params.comment_id));
      if (!c) throw new HttpError(404, 'Not Found');
      c.body = String(body.body);
      c.updatedAt = s().now();
      return { status: 200, body: this.json.comment(c) };
    });
    this.on('get', `${R}/git/ref/{ref}`, ({ params }) => {
      repoGuard(params);
      const branch = params.ref!.replace(/^heads\//, '');
      const sha = s().branches.get(branch);
      if (!params.ref!.startsWith('heads/') || !sha) throw new HttpError(404, 'Not Found');
      return { status: 200, body: this.json.ref(branch, sha) };
    });
    this.on('post', `${R}/git/refs`, ({ params, body }) => {
      repoGuard(params);
      const ref = String(body.ref);
      if (!ref.startsWith('refs/heads/')) throw new HttpError(422, 'Reference name must start with refs/heads/ in this emulator');
      const branch = ref.slice('refs/heads/'.length);
      if (s().branches.has(branch)) throw new HttpError(422, 'Reference already exists');
      s().commit(String(body.sha));
      s().branches.set(branch, String(body.sha));
      return { status: 201, body: this.json.ref(branch, String(body.sha)) };
    });
    this.on('patch', `${R}/git/refs/{ref}`, ({ params, body }) => {
      repoGuard(params);
      const branch = params.ref!.replace(/^heads\//, '');
      const current = s().branchSha(branch);
      const next = String(body.sha);
      if (body.force !== true && !s().ancestors(next).has(current)) throw new HttpError(422, 'Update is not a fast forward');
      s().branches.set(branch, next);
      return { status: 200, body: this.json.ref(branch, next) };
    });
    this.on('get', `${R}/git/commits/{commit_sha}`, ({ params }) => {
      repoGuard(params);
      return { status: 200, body: this.json.gitCommit(s().commit(params.commit_sha!)) };
    });
    this.on('post', `${R}/git/blobs`, ({ params, body }) => {
      repoGuard(params);
      const sha = s().putBlob(Buffer.from(String(body.content), body.encoding === 'base64' ? 'base64' : 'utf8'));
      return { status: 201, body: { sha, url: `${this.url}/repos/${s().owner}/${s().repo}/git/blobs/${sha}` } };
    });
    this.on('post', `${R}/git/trees`, ({ params, body }) => {
      repoGuard(params);
      const base = body.base_tree ? s().trees.get(String(body.base_tree)) : new Map<string, string>();
      if (!base) throw new HttpError(422, 'base_tree does not exist');
      const files = new Map(base);
      for (const e of body.tree as Array<{ path: string; sha?: string | null; content?: string }>) {
        if (typeof e.content === 'string') files.set(e.path, s().putBlob(Buffer.from(e.content)));
        else if (e.sha === null) files.delete(e.path);
        else if (e.sha && s().blobs.has(e.sha)) files.set(e.path, e.sha);
        else throw new HttpError(422, `tree.sha ${e.sha} is not a valid blob`);
      }
      return { status: 201, body: this.json.tree(s().putTree(files)) };
    });
    this.on('post', `${R}/git/commits`, ({ params, body, login }) => {
      repoGuard(params);
      const c = s().putCommit({
        treeSha: String(body.tree),
        parents: (body.parents as string[]) ?? [],
        message: String(body.message),
        author: login,
        committer: login,
      });
      return { status: 201, body: this.json.gitCommit(c) };
    });
    this.on('get', `${R}/collaborators/{username}/permission`, ({ params }) => {
      repoGuard(params);
      const p = s().permissions.get(params.username!);
      if (!p) throw new HttpError(404, `${params.username} is not a user`);
      return { status: 200, body: this.json.permission(params.username!, p) };
    });
    // Paginated like GitHub (per_page ≤ 100, page from 1), filtered by `status` when given.
    this.on('get', `${R}/actions/runs`, ({ params, query }) => {
      repoGuard(params);
      const status = query.get('status');
      const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
      const page = Number(query.get('page') ?? 1);
      const runs = s().workflowRuns.filter((r) => !status || r.status === status);
      const body = this.json.workflowRuns(runs.slice((page - 1) * perPage, page * perPage));
      return { status: 200, body: { ...body, total_count: runs.length } };
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
