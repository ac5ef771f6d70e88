import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance, suggestion } from './did-you-mean.ts';

test('edit distance counts a transposition as one edit', () => {
  assert.equal(editDistance('validate', 'valdiate'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('a plausible typo gets the closest name; a far one gets none', () => {
  assert.equal(didYouMean('authority:write_entites', ['authority:read_entities', 'authority:write_entities']), 'authority:write_entities');
  assert.equal(didYouMean('valdiate', ['validate', 'verify', 'run']), 'validate');
  assert.equal(didYouMean('deploy', ['validate', 'verify', 'run']), undefined);
  assert.equal(didYouMean('run', ['run']), undefined, 'an exact match is not a suggestion');
  assert.equal(suggestion('ombud.yaml', ['ombuds.yaml']), ' Did you mean "ombuds.yaml"?');
  assert.equal(suggestion('x', []), '');
});
