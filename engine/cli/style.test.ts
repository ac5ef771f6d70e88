import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourEnabled, colourText, stripAnsi, styleFor } from './style.ts';
import { parseCommandArgs } from './args.ts';
import { main } from './main.ts';
import { PcqError } from '../base/errors.ts';

test('colour only on a terminal; NO_COLOR always wins; FORCE_COLOR turns it on elsewhere', () => {
  assert.equal(colourEnabled({ isTTY: true, env: {} }), true);
  assert.equal(colourEnabled({ isTTY: false, env: {} }), false);
  assert.equal(colourEnabled({ isTTY: true, env: { NO_COLOR: '1' } }), false);
  assert.equal(colourEnabled({ isTTY: true, env: { NO_COLOR: '' } }), true, 'an empty NO_COLOR is unset (no-color.org)');
  assert.equal(colourEnabled({ isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '1' } }), false);
  assert.equal(colourEnabled({ isTTY: false, env: { FORCE_COLOR: '1' } }), true);
  assert.equal(colourEnabled({ isTTY: true, env: { FORCE_COLOR: '0' } }), false);
  assert.equal(colourEnabled({ isTTY: true, env: { TERM: 'dumb' } }), false);
});

test('glyphs and codes are coloured, the text is otherwise unchanged', () => {
  const on = styleFor({ isTTY: false, env: { FORCE_COLOR: '1' } });
  const text = '✓ a\n⛔ b blocked\nrunbooks/x.yaml:3:5: PCQ_PROVER_UNKNOWN no such prover\n';
  const coloured = colourText(text, on);
  assert.notEqual(coloured, text);
  assert.equal(stripAnsi(coloured), text);
  assert.match(coloured, /\x1b\[32m✓\x1b\[39m/);
  assert.match(coloured, /\x1b\[1m\x1b\[31mPCQ_PROVER_UNKNOWN/);
  assert.equal(colourText(text, styleFor({ isTTY: false, env: {} })), text);
});

test('main colours human output on a terminal, never --json and never with NO_COLOR', async () => {
  const capture = async (env: Record<string, string>, ...argv: string[]): Promise<string> => {
    let out = '';
    await main(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), isTTY: true, env, cwd: process.cwd() });
    return out;
  };
  assert.match(await capture({}, 'nosuchverb'), /\x1b\[/);
  assert.doesNotMatch(await capture({ NO_COLOR: '1' }, 'nosuchverb'), /\x1b\[/);
  const json = await capture({ FORCE_COLOR: '1' }, 'runs', '--status', 'nope', '--json');
  assert.doesNotMatch(json, /\x1b\[/);
  assert.equal((JSON.parse(json) as { schemaVersion: number }).schemaVersion, 1);
});

test('an unknown flag is a usage error naming the closest flag', () => {
  const options = { json: { type: 'boolean' }, 'as-of': { type: 'string' } } as const;
  const refused = (argv: string[]): PcqError => {
    try {
      parseCommandArgs(argv, options, 'run');
    } catch (err) {
      return err as PcqError;
    }
    throw new Error('accepted');
  };
  assert.match(refused(['--jsno']).message, /unknown flag --jsno — did you mean --json\?/);
  assert.match(refused(['--as-off=2026']).message, /unknown flag --as-off — did you mean --as-of\?/);
  assert.doesNotMatch(refused(['--zzzzzzzz']).message, /did you mean/);
  assert.equal(refused(['--json=1']).code, 'PCQ_USAGE');
});
