// The dispatch allow-list: the repository's own policies/buttons.yaml resolves to real runbook
// files at pinned versions; unknown buttons and callers without a role are refused with codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { authorizeButton, loadButtons, parseButtons, runbookFileForButton } from './buttons.ts';
import type { PcqError, PcqErrors } from '../base/errors.ts';

const root = new URL('../..', import.meta.url).pathname;

test('every button in the repository resolves to a runbook file at its pinned version', async () => {
  const buttons = await loadButtons(root);
  assert.ok(buttons.size >= 3);
  for (const b of buttons.values()) {
    const file = await runbookFileForButton(root, b);
    assert.match(basename(file), new RegExp(`^${b.runbook}-`));
  }
});

test('unknown button and missing role are refused before anything runs', async () => {
  const buttons = await loadButtons(root);
  assert.throws(
    () => authorizeButton(buttons, 'rm-rf', 'eve', 'admin'),
    (e: PcqError) => e.code === 'PCQ_BUTTON_UNKNOWN' && /enrich-entities/.test(e.hint ?? ''),
  );
  assert.throws(
    () => authorizeButton(buttons, 'infer-relationships', 'wes', 'write'),
    (e: PcqError) => e.code === 'PCQ_BUTTON_FORBIDDEN' && /wes \(repository permission: write\)/.test(e.message),
  );
  assert.throws(
    () => authorizeButton(buttons, 'enrich-entities', 'rita', 'read'),
    (e: PcqError) => e.code === 'PCQ_BUTTON_FORBIDDEN',
  );
  assert.throws(
    () => authorizeButton(buttons, 'enrich-entities', 'nobody', 'none'),
    (e: PcqError) => e.code === 'PCQ_BUTTON_FORBIDDEN',
  );
  assert.equal(authorizeButton(buttons, 'enrich-entities', 'mia', 'maintain').runbook, 'R1');
});

test('a button pinned to a version the runbook no longer has is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcq-buttons-'));
  mkdirSync(join(dir, 'runbooks'));
  copyFileSync(join(root, 'runbooks/R1-entity-enrichment.yaml'), join(dir, 'runbooks/R1-entity-enrichment.yaml'));
  await assert.rejects(
    runbookFileForButton(dir, { id: 'x', runbook: 'R1', version: '0.9', roles: ['admin'], description: '' }),
    (e: PcqError) => e.code === 'PCQ_BUTTON_RUNBOOK_MISSING' && /R1-entity-enrichment\.yaml \(version/.test(e.message),
  );
  await assert.rejects(
    runbookFileForButton(dir, { id: 'x', runbook: 'R9', version: '1', roles: ['admin'], description: '' }),
    (e: PcqError) => e.code === 'PCQ_BUTTON_RUNBOOK_MISSING',
  );
  await assert.rejects(loadButtons(dir), (e: PcqError) => e.code === 'PCQ_BUTTON_UNKNOWN');
  writeFileSync(join(dir, 'x'), '');
});

test('malformed allow-lists report every problem with file:line', () => {
  const text =
    'buttons:\n  ok:\n    runbook: R1\n    version: "1"\n    roles: [admin]\n  Bad_Id:\n    runbook: R1\n  no-version:\n    runbook: R1\n    version: 1\n    roles: [admin]\n  bad-role:\n    runbook: R1\n    version: "1"\n    roles: [owner]\n';
  assert.throws(
    () => parseButtons(text),
    (e: PcqErrors) => {
      assert.deepEqual(
        e.issues.map((i) => [i.code, i.location?.line]),
        [
          ['PCQ_BUTTONS_INVALID', 7],
          ['PCQ_BUTTONS_INVALID', 9],
          ['PCQ_BUTTONS_INVALID', 13],
        ],
      );
      return true;
    },
  );
  assert.throws(
    () => parseButtons('buttons: [a]'),
    (e: PcqErrors) => e.issues[0]!.code === 'PCQ_BUTTONS_INVALID',
  );
  assert.throws(
    () => parseButtons('buttons:\n  a: 1\n  a: 2\n'),
    (e: PcqErrors) => e.issues[0]!.code === 'PCQ_POLICY_YAML',
  );
});
