// Events parsed from GitHub's real webhook payloads (vendored vectors), and malformed ones refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvent, readEvent } from './events.ts';
import type { PcqError } from '../base/errors.ts';

const vector = (name: string) =>
  JSON.parse(readFileSync(new URL(`../testing/vectors/github-webhooks/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

test('pull_request opened (real payload)', () => {
  const e = parseEvent('pull_request', vector('pull_request_opened.payload.json'));
  assert.deepEqual(e, {
    kind: 'pull_request',
    action: 'opened',
    number: 2,
    author: { login: 'Codertocat', type: 'User' },
    headRef: 'changes',
    headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    baseRef: 'master',
    baseSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
  });
  assert.equal(parseEvent('pull_request', vector('pull_request_synchronize.payload.json')).kind, 'pull_request');
});

test('pull_request_review submitted (real payloads, with and without organization)', () => {
  for (const name of ['pull_request_review_submitted.payload.json', 'pull_request_review_submitted.with-organization.payload.json']) {
    const e = parseEvent('pull_request_review', vector(name));
    assert.equal(e.kind, 'pull_request_review');
    if (e.kind !== 'pull_request_review') return;
    assert.equal(e.action, 'submitted');
    assert.match(e.review.commitId, /^[0-9a-f]{40}$/);
    assert.equal(typeof e.review.id, 'number');
    assert.equal(e.review.user.type, 'User');
  }
  const dismissed = parseEvent('pull_request_review', vector('pull_request_review_dismissed.payload.json'));
  assert.equal(dismissed.kind === 'pull_request_review' && dismissed.action, 'dismissed');
});

test('workflow_dispatch (real payload)', () => {
  assert.deepEqual(parseEvent('workflow_dispatch', vector('workflow_dispatch_payload.json')), {
    kind: 'workflow_dispatch',
    ref: 'refs/heads/master',
    sender: 'Codertocat',
    inputs: { name: 'Mona the Octocat' },
  });
});

test('malformed payloads are coded errors naming the field', () => {
  const review = vector('pull_request_review_submitted.payload.json');
  const cases: Array<[string, unknown, string]> = [
    ['pull_request', null, '(payload)'],
    ['pull_request', [], '(payload)'],
    ['pull_request', { ...vector('pull_request_opened.payload.json'), pull_request: { number: '2' } }, 'pull_request.number'],
    ['pull_request_review', { ...review, review: { ...(review.review as object), commit_id: 'HEAD' } }, 'review.commit_id'],
    ['pull_request_review', { ...review, review: { ...(review.review as object), user: { login: 'x' } } }, 'review.user.type'],
    ['workflow_dispatch', { ...vector('workflow_dispatch_payload.json'), inputs: { a: { nested: 1 } } }, 'inputs.a'],
    ['workflow_dispatch', { inputs: {} }, 'ref'],
  ];
  for (const [name, payload, path] of cases) {
    assert.throws(
      () => parseEvent(name, payload),
      (e: PcqError) => e.code === 'PCQ_EVENT_MALFORMED' && (e.details as { path: string }).path === path,
      path,
    );
  }
  assert.throws(
    () => parseEvent('push', {}),
    (e: PcqError) => e.code === 'PCQ_EVENT_UNSUPPORTED',
  );
});

test('readEvent: missing context, unreadable and non-JSON files are coded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcq-event-'));
  await assert.rejects(readEvent({}), (e: PcqError) => e.code === 'PCQ_GITHUB_CONTEXT');
  await assert.rejects(
    readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: join(dir, 'nope.json') }),
    (e: PcqError) => e.code === 'PCQ_EVENT_MALFORMED',
  );
  writeFileSync(join(dir, 'bad.json'), '{not json');
  await assert.rejects(
    readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: join(dir, 'bad.json') }),
    (e: PcqError) => e.code === 'PCQ_EVENT_MALFORMED' && /not JSON/.test(e.message),
  );
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(vector('workflow_dispatch_payload.json')));
  assert.equal((await readEvent({ GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_EVENT_PATH: join(dir, 'ok.json') })).kind, 'workflow_dispatch');
});
