import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArtifactCollector } from './artifact-collector.ts';
import { PcqError } from '../base/errors.ts';
import { isRetryable } from './retry-policy.ts';

const bytes = new TextEncoder().encode('report');

test('artifacts are collected by name with their digest; names are plain and unique per step', async () => {
  const collector = new ArtifactCollector();
  const ref = await collector.sinkFor('export').write('report.md', bytes, 'text/markdown');
  assert.equal(ref.digest, 'sha256:' + (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
  assert.deepEqual(await collector.sinkFor('notify').read?.('report.md'), bytes);
  await assert.rejects(collector.sinkFor('export').write('../escape.md', bytes, 'text/plain'), { code: 'PCQ_ARTIFACT_NAME' });
  await assert.rejects(collector.sinkFor('other').write('report.md', bytes, 'text/plain'), { code: 'PCQ_ARTIFACT_DUPLICATE' });
});

test('after a failed postcondition no artifact can leave the run through a read (notify attachment)', async () => {
  let blocked = false;
  const collector = new ArtifactCollector(() => blocked);
  await collector.sinkFor('export').write('weekly-report.pdf', bytes, 'application/pdf');
  assert.ok(await collector.sinkFor('notify').read?.('weekly-report.pdf'));
  blocked = true;
  await assert.rejects(
    collector.sinkFor('notify').read!('weekly-report.pdf'),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_EXPORT_BLOCKED' && !isRetryable(err),
  );
});
