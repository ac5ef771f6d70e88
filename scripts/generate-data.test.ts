// The committed sample data must be exactly what the seeded generator writes (so anyone can
// regenerate it and a hand edit is caught), and it must keep the shape the sample runbooks need.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_SEED, generateDataFiles, generateIntelData } from './generate-data.ts';

const DATA = join(import.meta.dirname, '..', 'runbooks', 'data');

describe('generate-data', () => {
  it("the committed files are byte-for-byte the generator's output", () => {
    for (const [rel, text] of Object.entries(generateDataFiles(DATA_SEED))) {
      assert.equal(readFileSync(join(DATA, rel), 'utf8'), text, `runbooks/data/${rel} drifted: run scripts/generate-data.ts`);
    }
  });

  it('another seed gives other data (the PRNG drives it), the same seed the same', () => {
    assert.notDeepEqual(generateIntelData(1).entities, generateIntelData(2).entities);
    assert.deepEqual(generateIntelData(7), generateIntelData(7));
  });

  it('keeps the shape the runbooks rely on: ~25% missing emails, enrichment files that cover all / about half of them', () => {
    const data = generateIntelData();
    const missing = data.entities.filter((e) => e.email === null).map((e) => e.id);
    assert.ok(missing.length / data.entities.length > 0.2 && missing.length / data.entities.length < 0.3);
    const files = generateDataFiles();
    const full = JSON.parse(files['enrichment/full.json'] ?? '{}') as Record<string, string>;
    const partial = JSON.parse(files['enrichment/partial.json'] ?? '{}') as Record<string, string>;
    assert.deepEqual(Object.keys(full).sort(), [...missing].sort());
    assert.ok(Object.keys(partial).every((id) => full[id] === partial[id]));
    assert.ok(Math.abs(Object.keys(partial).length - missing.length / 2) <= 1);
    const completeAfterPartial = (data.entities.length - missing.length + Object.keys(partial).length) / data.entities.length;
    assert.ok(completeAfterPartial < 0.95);
    for (const m of data.mentions) {
      const entity = data.entities.find((e) => e.id === m.entity);
      const doc = data.documents.find((d) => d.id === m.document);
      assert.ok(entity && doc && entity.createdAt <= doc.publishedAt, 'a document only mentions entities already known');
    }
  });
});
