// `pcq verify <manifest.pcq>` (also the seed's `pcq-verify --manifest <file>`): checks a manifest
// offline against the trust store — canonical bytes, schema, every step signature, the chain,
// parents, proofs, inclusion proofs, Merkle root, manifest signature, reviews — and prints
// "✅ Proofs verified" or "❌ Verification failed" with one coded line per failed check.
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError, formatIssue } from '../../base/errors.ts';
import { parseMode } from '../../runtime/mode.ts';
import { verifyManifestFile } from '../../proof/verify-node.ts';
import { grantFileChecks, grantFilesPresent, grantUncheckedWarning } from '../../vault/verify-grant-files.ts';
import { retryLinkChecks } from '../../vault/retry-link.ts';
import { standardPredicateChecks } from '../../verdict/verify-standard-predicates.ts';
import { VSA_FILE } from '../../verdict/standard-predicates.ts';
import { ManifestFactsFold } from '../../verdict/manifest-facts.ts';
import { formatDigest } from '../../proof/digest.ts';
import { nodeVerify } from '../../proof/ed25519-node.ts';
import { readRosterLogins } from '../../review/roster.ts';
import { parseManifestText } from '../../proof/manifest.ts';
import type { Manifest } from '../../base/signed-records.ts';
import { describeKeysRelied } from '../../proof/verify-trust.ts';
import { recoverBeforeRead, storeOfManifest } from '../../store/recover-before-read.ts';
import { formatVerifiedSummary, jsonChecks, resolveTrust, verifiedSummary } from '../verify-sources.ts';
import { timeAnchorOptions, timeAnchorWarnings } from '../verify-time-anchor-options.ts';

const USAGE = `Usage: pcq verify <manifest.pcq> [--trust <trust.yaml>] [--key G…]… [--roster <ombuds.yaml>] [--private-dir DIR] [--json]
       pcq-verify --manifest <manifest.pcq>

Verifies a .pcq manifest offline: canonical bytes, schema, every step's Ed25519 signature and
key (trusted, unrevoked, valid at executedAt), the attestation chain, parents, proofs, each RFC 9162
inclusion proof, the Merkle root, the manifest signature and any review attestations: each
review's signer (a reviewer-signed decision by the reviewer's own bound key, a
runner-attested-github one by a trusted runner), its reviewer (on the roster, not the run's actor,
not a bot), its date (not before the run) and the sequence (one final decision, in order). It says
which kind each decision is. Without a roster, a manifest with reviews fails
PCQ_REVIEW_ROSTER_MISSING: membership is never assumed. The runner key is re-checked with the
same authorization check \`pcq run\` made before the run (listed as runner, not revoked, valid at
executedAt; executedAt not more than 5 minutes ahead of this clock), and every key relied on is
printed with the trust source that vouched for it: policies/trust.yaml, or — loudly — the dev
overlay .pcq/trust.local.yaml, read in dev mode only (PCQ_MODE). It first says what was verified
(runbook, version, execution, verdict, time, actor, runner, grant) and which trust it used; when
the default finds no trust store at all it warns (PCQ_TRUST_MISSING) instead of failing silently.
Outside a repository (--key/--trust, no contracts/grants/ here) the grant file and its revocations
cannot be read: it warns (PCQ_GRANT_UNCHECKED) and checks what the manifest itself binds.
The RFC 3161 time anchor, when the manifest has one, is reported (TSA name, genTime) and checked
against the TSA trust (timeAnchor.trust / PCQ_TSA_TRUST): a token that does not stamp this
manifest fails PCQ_TIME_ANCHOR_INVALID, a TSA outside the trust PCQ_TIME_ANCHOR_UNTRUSTED, and an
executedAt later than the anchor's genTime PCQ_AS_OF_AFTER_ANCHOR. No anchor is a warning
(PCQ_TIME_ANCHOR_MISSING), a failure where timeAnchor.required (PCQ_TSA_REQUIRED) is set.

Options:
  --manifest F  the manifest (same as the positional argument)
  --trust F     trust store to use (default: policies/trust.yaml, plus .pcq/trust.local.yaml in dev)
  --key G…      trust this runner key (repeatable); alone, nothing else is read: verify a run
                against the key you expect rather than the repository's own trust store
  --roster F    ombuds roster the reviews are checked against (default: policies/ombuds.yaml)
  --private-dir DIR  also check private data you hold against the signed commitments: the run's
                private/ folder, or the folder \`pcq unseal\` wrote (steps/*.json, withheld/*)
  --json        machine-readable report (schemas/cli/verify.schema.json): {schemaVersion, ok, manifest,
                mode, trustSource{kind, files, keys, description}, summary{runbookId, version, executionId,
                verdict, executedAt, actor, runner, runnerName, grant, merkleRoot}, checks[{check, stepId?,
                ok, message, code (failed checks only)}], keys[{role, keyid, trusted, name?, source?,
                devOverlay?, origin?, login?, reviewer?}], warnings[]}
  -h, --help    this text

Exit codes: 0 every check holds · 1 verification failed · 2 bad arguments · 3 unreadable file or trust store
            4 every check holds but the run is PAUSED at an approval step (not complete)
`;

export const command: Command = {
  name: 'verify',
  summary: 'Verify a .pcq manifest offline (signatures, chain, Merkle, trust)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        manifest: { type: 'string' },
        trust: { type: 'string' },
        key: { type: 'string', multiple: true },
        roster: { type: 'string' },
        'private-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
      'verify',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const files = [...positionals, ...(values.manifest !== undefined ? [values.manifest] : [])];
    if (files.length !== 1) {
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: 'verify: expected exactly one manifest file',
        hint: 'Run `pcq verify attestations/R1/<executionId>/manifest.pcq`.',
      });
    }
    const file = files[0]!;
    // A manifest in a store a killed process left mid-change: finish that change first (FORMATS.md "Store").
    const recoveryIssues = await recoverBeforeRead(await storeOfManifest(resolve(io.cwd, file)));
    const path = resolve(io.cwd, file);
    try {
      // The file is streamed (bounded memory, however many steps): only that it is a readable file is checked here.
      if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    } catch (err) {
      throw new PcqError({
        code: 'PCQ_FILE_NOT_FOUND',
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        hint: 'Check the path to the .pcq file.',
      });
    }
    const mode = parseMode(io.env.PCQ_MODE ?? 'dev');
    if (mode === undefined)
      throw new PcqError({ code: 'PCQ_CONFIG_INVALID', message: `PCQ_MODE: unknown mode "${io.env.PCQ_MODE ?? ''}"`, hint: 'Use dev, staging or prod.' });
    const { trust, warnings, source } = await resolveTrust(io.cwd, mode, { trust: values.trust, keys: values.key ?? [] });
    const roster = await readRosterLogins(io.cwd, values.roster);
    // node:crypto Ed25519 (libuv pool) and SHA-256; the wall clock bounds executedAt (AS_OF_SKEW_MS).
    // The verdict summary is folded from the steps as they stream past (light: flags, not every step's facts).
    const facts = new ManifestFactsFold(true);
    // The TSA trust and whether an anchor is required: timeAnchor.* of the configuration (PCQ_TSA_*).
    const timeAnchor = await timeAnchorOptions(io.cwd, io.env);
    const verified = await verifyManifestFile(path, trust, {
      mode,
      now: Date.now(),
      timeAnchor,
      ...(roster !== undefined ? { roster } : {}),
      onStep: (step, statement) => facts.add(step, statement),
      fileDigest: existsSync(join(dirname(path), VSA_FILE)),
    });
    const { report, header } = verified;
    warnings.push(...timeAnchorWarnings(report.checks));
    // Who authorized the run: the grant file it binds, and whether it was revoked before the run opened.
    // Outside any repository (an auditor holding the manifest and the key it expects, --key/--trust,
    // and no contracts/grants/ here) there are no grant files to read: say so instead of failing a
    // check nobody here can make. Inside a repository (the default trust), a missing file still fails.
    const auditorElsewhere = source.kind !== 'repository' && source.kind !== 'none' && !(await grantFilesPresent(io.cwd, mode));
    if (auditorElsewhere) warnings.push(grantUncheckedWarning(io.cwd));
    const grantChecks = auditorElsewhere ? [] : await grantFileChecks(header, io.cwd, mode);
    report.checks.push(...grantChecks);
    report.ok = report.ok && grantChecks.every((c) => c.ok);
    // A retry: the original run's manifest, when it is in the store beside this one, is the one signed.
    const retryChecks = await retryLinkChecks(header, path);
    report.checks.push(...retryChecks);
    report.ok = report.ok && retryChecks.every((c) => c.ok);
    // The verdict and decisions as published predicates beside the manifest (SLSA VSA, in-toto human review).
    const standardChecks = await standardPredicateChecks({
      manifestPath: path,
      manifest: header,
      manifestDigest: verified.fileDigest ? formatDigest(verified.fileDigest) : '',
      trust,
      verify: nodeVerify,
    });
    report.checks.push(...standardChecks);
    report.ok = report.ok && standardChecks.every((c) => c.ok);
    if (values['private-dir'] !== undefined && report.ok) {
      // Loaded only here: opening private data needs the age stack, verifying a manifest does not.
      const { checkPrivateDir } = await import('../../review/unseal.ts');
      const privateChecks = await checkPrivateDir(parseManifestText(await readFile(path, 'utf8')) as Manifest, resolve(io.cwd, values['private-dir']));
      report.checks.push(...privateChecks);
      report.ok = privateChecks.every((c) => c.ok);
    }
    const keys = report.keys ?? [];
    const summary = verifiedSummary(header, facts, trust);
    // A paused run (FORMATS.md "Approval steps") verifies as far as it ran, but is never a complete
    // run: it says so, and exits 4 (like a blocked run) so no script takes it for a pass.
    const paused = report.ok && report.checks.some((c) => c.check === 'paused' && c.ok);
    const exit = !report.ok ? EXIT.failed : paused ? EXIT.blocked : EXIT.ok;
    if (values.json) {
      printJson(io, {
        ok: report.ok,
        state: paused ? 'paused' : 'complete',
        manifest: file,
        mode,
        trustSource: source,
        summary,
        checks: jsonChecks(report.checks),
        keys,
        warnings: [...recoveryIssues, ...warnings],
      });
      return exit;
    }
    for (const w of [...recoveryIssues, ...warnings]) io.stderr(formatIssue(w) + '\n');
    const trusted =
      keys.length > 0
        ? `keys relied on (${mode} mode):\n${describeKeysRelied(keys)
            .map((l) => `  ${l}`)
            .join('\n')}\n`
        : '';
    const what = formatVerifiedSummary(summary, source);
    if (report.ok) {
      const lines = report.checks.map((c) => `  ✓ ${c.check}: ${c.message}`).join('\n');
      io.stdout(`${paused ? '⏸ Proofs verified so far — the run is PAUSED, not complete' : '✅ Proofs verified'}\n${what}${lines}\n${trusted}`);
    } else {
      const failed = report.checks.filter((c) => !c.ok);
      const lines = failed.slice(0, 200).map((c) => `  ${c.code} ${c.stepId !== undefined ? `step ${c.stepId} ` : ''}${c.check}: ${c.message}`);
      if (failed.length > 200) lines.push(`  … and ${failed.length - 200} more failed checks (use --json for all)`);
      io.stdout(`❌ Verification failed\n${what}${lines.join('\n')}\n${trusted}`);
    }
    return exit;
  },
};
