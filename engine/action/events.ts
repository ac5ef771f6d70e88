// The GitHub event that started the job (GITHUB_EVENT_PATH), reduced to the fields pcq acts on.
// Parsed field by field, because the payload is input from outside: a missing or mistyped field is
// PCQ_EVENT_MALFORMED naming the field, never a crash. Shapes: GitHub's webhook payloads (the real
// samples are in engine/testing/vectors/github-webhooks).
import { readFile } from 'node:fs/promises';
import { PcqError } from '../base/errors.ts';

export interface EventUser {
  login: string;
  type: string;
}

/** What both pull-request events say about the PR itself. */
interface PullRequestFields {
  action: string;
  number: number;
  author: EventUser;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
}

export interface PullRequestEvent extends PullRequestFields {
  kind: 'pull_request';
}

export interface PullRequestReviewEvent extends PullRequestFields {
  kind: 'pull_request_review';
  review: { id: number; state: string; commitId: string; user: EventUser };
  /** The raw payload, for approval-rules.ts factsFromWebhook (which re-validates what it reads). */
  payload: unknown;
}

export interface WorkflowDispatchEvent {
  kind: 'workflow_dispatch';
  ref: string;
  sender: string;
  inputs: Record<string, string>;
}

export type PcqEvent = PullRequestEvent | PullRequestReviewEvent | WorkflowDispatchEvent;
export const SUPPORTED_EVENTS = ['pull_request', 'pull_request_review', 'workflow_dispatch'] as const;

function malformed(eventName: string, path: string, expected: string): PcqError {
  return new PcqError({
    code: 'PCQ_EVENT_MALFORMED',
    message: `${eventName} event: \`${path}\` is missing or not ${expected}.`,
    hint: 'pcq reads the payload GitHub writes to GITHUB_EVENT_PATH; run it from the workflow trigger it expects.',
    details: { path },
  });
}

function reader(eventName: string, payload: unknown) {
  const at = (path: string): unknown => {
    let here: unknown = payload;
    for (const part of path.split('.')) {
      if (here === null || typeof here !== 'object' || Array.isArray(here) || !Object.hasOwn(here, part)) return undefined;
      here = (here as Record<string, unknown>)[part];
    }
    return here;
  };
  const str = (path: string, pattern?: RegExp): string => {
    const v = at(path);
    if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v)))
      throw malformed(eventName, path, pattern ? `a string matching ${pattern}` : 'a non-empty string');
    return v;
  };
  const int = (path: string): number => {
    const v = at(path);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw malformed(eventName, path, 'a positive integer');
    return v;
  };
  const user = (path: string): EventUser => ({ login: str(`${path}.login`), type: str(`${path}.type`) });
  return { at, str, int, user };
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export function parseEvent(eventName: string, payload: unknown): PcqEvent {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw malformed(eventName, '(payload)', 'a JSON object');
  const r = reader(eventName, payload);
  const pr = () => ({
    number: r.int('pull_request.number'),
    author: r.user('pull_request.user'),
    headRef: r.str('pull_request.head.ref'),
    headSha: r.str('pull_request.head.sha', SHA),
    baseRef: r.str('pull_request.base.ref'),
    baseSha: r.str('pull_request.base.sha', SHA),
  });
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return { kind: 'pull_request', action: r.str('action'), ...pr() };
    case 'pull_request_review':
      return {
        kind: 'pull_request_review',
        action: r.str('action'),
        ...pr(),
        review: { id: r.int('review.id'), state: r.str('review.state'), commitId: r.str('review.commit_id', SHA), user: r.user('review.user') },
        payload,
      };
    case 'workflow_dispatch': {
      const raw = r.at('inputs');
      const inputs: Record<string, string> = {};
      if (raw !== undefined && raw !== null) {
        if (typeof raw !== 'object' || Array.isArray(raw)) throw malformed(eventName, 'inputs', 'an object');
        for (const [k, v] of Object.entries(raw)) {
          // GitHub sends boolean and number inputs as JSON values; pcq reads them as text like INPUT_*.
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') inputs[k] = String(v);
          else throw malformed(eventName, `inputs.${k}`, 'a string, number or boolean');
        }
      }
      return { kind: 'workflow_dispatch', ref: r.str('ref'), sender: r.str('sender.login'), inputs };
    }
    default:
      throw new PcqError({
        code: 'PCQ_EVENT_UNSUPPORTED',
        message: `pcq does not act on "${eventName}" events.`,
        hint: `Trigger the workflow on one of: ${SUPPORTED_EVENTS.join(', ')}.`,
      });
  }
}

/** Reads GITHUB_EVENT_NAME + GITHUB_EVENT_PATH (the edge); parsing stays pure. */
export async function readEvent(env: Record<string, string | undefined>): Promise<PcqEvent> {
  const name = env.GITHUB_EVENT_NAME;
  const path = env.GITHUB_EVENT_PATH;
  if (!name || !path) {
    throw new PcqError({
      code: 'PCQ_GITHUB_CONTEXT',
      message: 'GITHUB_EVENT_NAME or GITHUB_EVENT_PATH is not set.',
      hint: 'Run the Action inside a GitHub Actions job.',
    });
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_EVENT_MALFORMED',
      message: `cannot read the event payload ${path}: ${(err as Error).message}`,
      hint: 'GITHUB_EVENT_PATH must name the payload file the runner wrote.',
    });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_EVENT_MALFORMED',
      message: `the event payload ${path} is not JSON: ${(err as Error).message}`,
      hint: 'GITHUB_EVENT_PATH must name the payload file the runner wrote.',
    });
  }
  return parseEvent(name, payload);
}
