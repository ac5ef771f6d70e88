import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { notifyStep } from './notify.ts';
import { createNotifier } from '../runtime/notifier.ts';
import { DEFAULT_NOTIFY_YAML, parseNotifyConfig } from '../runtime/notify-config.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { PcqError } from '../base/errors.ts';
import { MemoryArtifactSink, testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

test('renders {{ CEL }} placeholders, attaches the exported artifact, returns the effect', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pcq-notify-step-'));
  try {
    const sink = new MemoryArtifactSink();
    const pdf = await sink.write('weekly-report.pdf', new TextEncoder().encode('%PDF-1.7 x'), 'application/pdf');
    const notifier = createNotifier(parseNotifyConfig(DEFAULT_NOTIFY_YAML), { mode: 'live', asOf: '2026-01-12T00:00:00Z', outboxDir: dir });
    const step = testStep(
      'notify',
      'notify',
      {
        channel: 'email',
        to: ['team@example.org'],
        subject: 'Weekly report {{ params.week }}',
        text: '{{ steps.stats.newEntities }} new entities; report {{ input.digest }}',
        attach: ['weekly-report.pdf'],
      },
      ['export'],
    );
    const exported = { artifact: pdf.name, mediaType: pdf.mediaType, digest: pdf.digest, size: pdf.size };
    const result = await notifyStep.run(
      testContext(step, {
        upstream: { export: exported },
        steps: { stats: { newEntities: 42 }, export: exported },
        params: { week: '2026-W02' },
        ports: { artifacts: sink, notifier },
      }),
    );
    const effect = result.effects?.[0];
    assert.deepEqual(result.output, { channel: 'email', to: ['team@example.org'], digest: effect?.digest });
    assert.deepEqual(result.inputs, { subject: 'Weekly report 2026-W02', text: `42 new entities; report ${pdf.digest}`, attach: ['weekly-report.pdf'] });
    const [eml] = await readdir(dir);
    const raw = await readFile(path.join(dir, eml as string), 'utf8');
    assert.match(raw, /Subject: Weekly report 2026-W02/);
    assert.match(raw, /Content-Type: application\/pdf; name=weekly-report\.pdf/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('attaching an artifact no step wrote is PCQ_ATTACHMENT_MISSING at the attach field', async () => {
  const step = testStep('notify', 'notify', { channel: 'email', to: ['a@b.c'], subject: 's', text: 't', attach: ['nope.pdf'] }, []);
  await assert.rejects(
    notifyStep.run(testContext(step)),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_ATTACHMENT_MISSING' && err.location?.line === step.fieldLocations?.['attach']?.line,
  );
});

test('check: channel, recipients, templates and attachments', () => {
  const cel = createCelEngine();
  const bad = testStep('n', 'notify', { channel: 'sms', to: [], subject: 'Hi {{ params. }}', text: 3 }, []);
  assert.deepEqual(
    notifyStep
      .check(bad, testRunbook([bad]), cel)
      .map((i) => i.code)
      .sort(),
    ['PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG', 'PCQ_STEP_CONFIG', 'PCQ_STEP_CONFIG'],
  );
  const badAddress = testStep('n', 'notify', { channel: 'email', to: ['not-an-address'], subject: 's', text: 't' }, []);
  assert.match(notifyStep.check(badAddress, testRunbook([badAddress]), cel)[0]?.message ?? '', /not an email address/);
  const hook = testStep('n', 'notify', { channel: 'webhook', to: ['ombuds'], subject: 's', text: 't', attach: ['x.pdf'] }, []);
  assert.match(notifyStep.check(hook, testRunbook([hook]), cel)[0]?.message ?? '', /no attachments/);
  const good = testStep('n', 'notify', { channel: 'email', to: ['a@b.c'], subject: '{{ params.week }}', text: 'ok' }, []);
  assert.deepEqual(notifyStep.check(good, testRunbook([good]), cel), []);
});
