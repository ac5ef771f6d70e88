// Part of site.e2e.test.ts (issue 16 item 5): the browser verifier must give the RFC 3161 time
// anchor the verdict `pcq verify` gives. Two copies of a real run's manifest are anchored with
// tokens from the loopback TSA's CA (engine/testing/tsa.ts): one stamped now, one stamped the day
// before the run's asOf (PCQ_AS_OF_AFTER_ANCHOR). The site is built with that CA as
// timeAnchor.trust (PCQ_TSA_TRUST), so the page checks against the same trust as the CLI.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Page } from 'playwright-core';
import { createTestTsaPki, issueToken, type TestTsaPki } from '../testing/tsa.ts';
import { buildTimeStampRequest, freshNonce } from '../runtime/tsa-client.ts';
import { anchoredManifestText, serializeManifest } from '../proof/manifest.ts';
import { toBase64, utf8 } from '../proof/bytes.ts';

export interface AnchoredFiles {
  caPath: string;
  anchoredPath: string;
  backdatedPath: string;
}

async function token(pki: TestTsaPki, data: Uint8Array, genTime?: Date): Promise<string> {
  const der = buildTimeStampRequest(new Uint8Array(createHash('sha256').update(data).digest()), freshNonce());
  const request = new pkijs.TimeStampReq({ schema: asn1js.fromBER(der.slice().buffer).result });
  return toBase64(await issueToken(pki, request, genTime ? { genTime } : {}));
}

/** Writes the TSA CA and the two anchored copies of `manifestText` into `dir`. */
export async function prepareAnchoredManifests(dir: string, manifestText: string): Promise<AnchoredFiles> {
  const manifest = JSON.parse(manifestText) as Record<string, unknown>;
  const asOf = Date.parse(String(manifest.executedAt));
  const pki = await createTestTsaPki({ notBefore: new Date(asOf - 30 * 86_400_000) });
  const data = utf8(anchoredManifestText(manifest));
  const files: AnchoredFiles = { caPath: join(dir, 'tsa-ca.pem'), anchoredPath: join(dir, 'anchored.pcq'), backdatedPath: join(dir, 'backdated.pcq') };
  await writeFile(files.caPath, pki.caPem);
  await writeFile(files.anchoredPath, serializeManifest({ ...manifest, timeAnchor: { format: 'rfc3161', token: await token(pki, data) } }));
  const before = new Date(asOf - 86_400_000);
  await writeFile(files.backdatedPath, serializeManifest({ ...manifest, timeAnchor: { format: 'rfc3161', token: await token(pki, data, before) } }));
  return files;
}

/** The verify page on both files: the same verdict and codes as the CLI's reference reports. */
export async function checkAnchorsInBrowser(page: Page, files: AnchoredFiles, cliCodes: { anchored: string[]; backdated: string[] }): Promise<void> {
  assert.deepEqual(cliCodes.anchored, [], 'the CLI accepts the anchored manifest');
  assert.deepEqual(cliCodes.backdated, ['PCQ_AS_OF_AFTER_ANCHOR']);
  await page.locator('#manifest-file').setInputFiles(files.anchoredPath);
  await page.locator('#verdict[data-ok="true"]').waitFor();
  const anchorRow = page.locator('#checks tr', { hasText: 'time-anchor' });
  assert.match((await anchorRow.textContent()) ?? '', /stamped by CN=pcq loopback TSA at/);
  await page.locator('#manifest-file').setInputFiles(files.backdatedPath);
  await page.locator('#verdict[data-ok="false"]').waitFor();
  const codes = ((await page.locator('#verdict').getAttribute('data-codes')) ?? '').split(' ').filter(Boolean).sort();
  assert.deepEqual(codes, cliCodes.backdated);
}
