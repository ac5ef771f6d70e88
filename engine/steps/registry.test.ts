import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepKinds } from './registry.ts';
import { STEP_TYPES } from '../model/step-types.ts';

test('the registry implements exactly the step types the schema accepts', () => {
  assert.deepEqual([...stepKinds.keys()].sort(), [...STEP_TYPES].sort());
});
