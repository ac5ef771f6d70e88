// `pcq export --format in-toto`: verify the manifest as `pcq verify` does, check that the runner key
// this machine holds is the manifest's `executedBy`, then write the signed layout, one signed link
// per step and a copy of every published output and export file (proof/export-in-toto.ts), so that
//   cd <out> && in-toto-verify --layout root.layout --key-types ed25519 --layout-keys layout-key.pub --link-dir links
// checks the files the run published against the chain of links (FORMATS.md "in-toto export").
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { Signer } from '../base/signer.ts';
import { exportInToto, LAYOUT_FILE, LAYOUT_KEY_FILE, LINK_DIR } from '../proof/export-in-toto.ts';
import { stepArtifacts } from '../proof/in-toto-layout.ts';
import { verifyManifestNode } from '../proof/verify-node.ts';
import { readRosterLogins } from '../review/roster.ts';
import { loadConfig } from '../runtime/config.ts';
import { DEV_KEY_FILE, loadRunnerSigner, RUNNER_SECRET_ENV, signerFromSecret } from '../runtime/keys.ts';
import { registerSecret } from '../base/secrets.ts';
import { loadTrust } from '../runtime/trust-store.ts';
import { grantFileChecks } from '../vault/verify-grant-files.ts';

const DAY_MS = 86_400_000;
// The only subject names that are files of an execution folder (FORMATS.md "Step attestation"); a
// private step's commitment name <runbookId>/<stepId> is not a file.
const PUBLISHED_NAME = /^(outputs|exports)\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const DEFAULT_LAYOUT_DAYS = 365;

export interface InTotoExportResult {
  files: string[];
  links: number;
  copied: number;
  layoutKeyid: string;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

/** The runner key without creating one: export signs only with a key that already signed the run. */
async function runnerSigner(cwd: string, env: Record<string, string | undefined>): Promise<Signer> {
  const config = await loadConfig({ env, cwd });
  if (config.signer.kind === 'env' && (config.env[RUNNER_SECRET_ENV] ?? '').trim() === '' && !(await exists(join(config.root, DEV_KEY_FILE)))) {
    throw new PcqError({
      code: 'PCQ_SECRET_MISSING',
      message: `export --format in-toto signs its links with the runner key, and neither ${RUNNER_SECRET_ENV} nor ${DEV_KEY_FILE} holds one`,
      hint: 'Export where the run was made (the same runner key), or set the runner signer as for `pcq run`.',
    });
  }
  return (await loadRunnerSigner({ env: config.env, root: config.root, mode: config.mode, signer: config.signer })).signer;
}

async function layoutSigner(path: string | undefined, runner: Signer): Promise<Signer> {
  if (path === undefined) return runner;
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PcqError({
      code: 'PCQ_FILE_NOT_FOUND',
      message: `cannot read the layout key ${path}: ${err.code ?? 'error'}`,
      hint: 'Pass a file holding an S… seed.',
    });
  });
  registerSecret(text.trim(), `layout key ${path}`);
  return signerFromSecret(text.trim(), path);
}

async function verifyFirst(text: string, cwd: string, mode: 'dev' | 'staging' | 'prod'): Promise<void> {
  const { trust } = await loadTrust({ root: cwd, includeLocal: mode === 'dev' });
  const roster = await readRosterLogins(cwd);
  const report = await verifyManifestNode(text, trust, { mode, now: Date.now(), ...(roster !== undefined ? { roster } : {}) });
  const failed = [...report.checks, ...(await grantFileChecks(text, cwd, mode))].filter((c) => !c.ok);
  if (failed.length > 0) {
    throw new PcqError({
      code: 'PCQ_EXPORT_UNVERIFIED',
      message: `the manifest does not verify (${failed.length} failed check(s), first: ${failed[0]!.code} ${failed[0]!.check}: ${failed[0]!.message})`,
      hint: 'Run `pcq verify` on it; only a manifest that verifies is exported with new signatures.',
    });
  }
}

export async function writeInTotoExport(input: {
  manifestPath: string;
  text: string;
  manifest: Record<string, unknown>;
  out: string;
  cwd: string;
  env: Record<string, string | undefined>;
  layoutKey?: string;
  expires?: string;
}): Promise<InTotoExportResult> {
  const mode = (await loadConfig({ env: input.env, cwd: input.cwd })).mode;
  await verifyFirst(input.text, input.cwd, mode);
  const runner = await runnerSigner(input.cwd, input.env);
  const m = input.manifest as {
    executedBy: string;
    runbookId: string;
    version: string;
    runbookDigest: string;
    executionId: string;
    steps: Array<{ stepId: string; attestation: unknown }>;
  };
  if (runner.keyid !== m.executedBy) {
    throw new PcqError({
      code: 'PCQ_EXPORT_KEY_MISMATCH',
      message: `the runner key here is ${runner.keyid}, the manifest was signed by ${m.executedBy}`,
      hint: 'Export with the runner key that made the run: in-toto links are signed by the functionary that ran the steps.',
    });
  }
  const expires = input.expires !== undefined ? new Date(input.expires) : new Date(Date.now() + DEFAULT_LAYOUT_DAYS * DAY_MS);
  if (Number.isNaN(expires.getTime()) || expires.getTime() <= Date.now()) {
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `export: --expires "${input.expires ?? ''}" is not a future ISO time`,
      hint: 'Use e.g. --expires 2027-12-31T00:00:00Z.',
    });
  }
  const execDir = dirname(input.manifestPath);
  const published = new Set<string>();
  for (const step of stepArtifacts(m)) {
    for (const name of Object.keys(step.products)) if (PUBLISHED_NAME.test(name) && (await exists(join(execDir, name)))) published.add(name);
  }
  const result = await exportInToto({ manifest: m, runner, layoutSigner: await layoutSigner(input.layoutKey, runner), published, expires });
  await mkdir(join(input.out, LINK_DIR), { recursive: true });
  const files: string[] = [];
  for (const [name, text] of result.files) {
    await writeFile(join(input.out, name), text);
    files.push(join(input.out, name));
  }
  for (const name of [...published].sort()) {
    const target = resolve(input.out, name);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(execDir, name), target);
    files.push(target);
  }
  return { files, links: result.links, copied: published.size, layoutKeyid: result.layoutKey.keyid };
}

export const IN_TOTO_VERIFY_COMMAND = `in-toto-verify --layout ${LAYOUT_FILE} --key-types ed25519 --layout-keys ${LAYOUT_KEY_FILE} --link-dir ${LINK_DIR}`;
