import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteBaseUrl } from './dispatch-run.ts';

test('the site URL: PCQ_SITE_URL wins; else the Pages address of a project or user site', () => {
  assert.equal(siteBaseUrl({ PCQ_SITE_URL: 'https://proofs.example.org/' }), 'https://proofs.example.org');
  assert.equal(siteBaseUrl({ GITHUB_REPOSITORY: 'Octo-Org/pcq' }), 'https://octo-org.github.io/pcq');
  assert.equal(siteBaseUrl({ GITHUB_REPOSITORY: 'octocat/octocat.github.io' }), 'https://octocat.github.io');
  assert.equal(siteBaseUrl({ GITHUB_REPOSITORY: 'not a repo' }), undefined);
  assert.equal(siteBaseUrl({}), undefined);
});
