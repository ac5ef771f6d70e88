// `pcq verify-verdict <score.json> <evidence.tar.gz> <verdict.sig> <verdict.pub>`: the Forge
// runbook's offline verdict check (seed 002), four files in, ✅/❌ out, no network, no repository
// needed beyond an optional trust store. See verdict/verify-verdict.ts for what is checked.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { jsonChecks } from '../verify-sources.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { loadTrustStore } from '../../runtime/trust-store.ts';
import { nodeVerify } from '../../proof/ed25519-node.ts';
import { sha256Node } from '../../proof/hash-node.ts';
import { verifyVerdict } from '../../verdict/verify-verdict.ts';
import { DEFAULT_EVIDENCE_LIMITS } from '../../verdict/evidence-reader.ts';
import { readRosterLogins } from '../../review/roster.ts';

const USAGE = `Usage: pcq verify-verdict <score.json> <evidence.tar.gz> <verdict.sig> <verdict.pub>
                          [--trust <trust.yaml> | --no-trust-check] [--roster <ombuds.yaml>] [--json]

Checks a run's verdict offline:
  - verdict.sig is the DSSE signature (PAE application/vnd.pcq.verdict+json) of JCS(score.json)
    by the key in verdict.pub;
  - that key is trusted as runner or verdict key, unrevoked, valid at the score's executedAt;
  - the evidence bundle has the digest in score.evidence, the manifest inside it has the digest
    in score.manifestDigest and verifies (as \`pcq verify\`), and its outputs and exports are the
    attested ones;
  - the score's verdict, prover results and decisions are what the manifest says.

Options:
  --trust F         trust store (default: policies/trust.yaml, plus .pcq/trust.local.yaml in dev)
  --no-trust-check  only the four files are at hand: check integrity, trust the keys they name
  --roster F        ombuds roster the decisions are checked against (default: policies/ombuds.yaml;
                    without one, a manifest with decisions fails PCQ_REVIEW_ROSTER_MISSING)
  --json            {ok, checks[{code, check, ok, message}]}
  -h, --help        this text

Exit codes: 0 the verdict holds · 1 a check failed · 2 bad arguments · 3 unreadable file or trust store
`;

async function readInput(cwd: string, file: string): Promise<Buffer> {
  const path = resolve(cwd, file);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (info.size > DEFAULT_EVIDENCE_LIMITS.maxCompressed) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
    return await readFile(path);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_FILE_NOT_FOUND',
      message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      hint: 'Pass score.json, evidence.tar.gz, verdict.sig and verdict.pub from one execution folder.',
    });
  }
}

export const command: Command = {
  name: 'verify-verdict',
  summary: 'Verify a verdict offline: score, evidence, signature, key',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { trust: { type: 'string' }, roster: { type: 'string' }, 'no-trust-check': { type: 'boolean' }, json: { type: 'boolean' } },
      'verify-verdict',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 4) {
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: `verify-verdict: expected 4 files (score.json evidence.tar.gz verdict.sig verdict.pub), got ${positionals.length}`,
        hint: 'Run `pcq verify-verdict --help`.',
      });
    }
    if (values.trust !== undefined && values['no-trust-check']) {
      throw new PcqError({ code: 'PCQ_USAGE', message: 'verify-verdict: --trust and --no-trust-check exclude each other', hint: 'Pick one.' });
    }
    const [score, evidence, sig, pub] = await Promise.all(positionals.map((f) => readInput(io.cwd, f)));
    const mode = io.env.PCQ_MODE ?? 'dev';
    const trust = values['no-trust-check']
      ? ('skip' as const)
      : await loadTrustStore(
          values.trust !== undefined ? { root: io.cwd, file: resolve(io.cwd, values.trust) } : { root: io.cwd, includeLocal: mode === 'dev' },
        );
    const roster = await readRosterLogins(io.cwd, values.roster);
    const report = await verifyVerdict({
      scoreText: score!.toString('utf8'),
      evidence: new Uint8Array(evidence!),
      sigText: sig!.toString('utf8'),
      pubText: pub!.toString('utf8'),
      trust,
      ...(roster !== undefined ? { roster } : {}),
      verify: nodeVerify,
      sha256: sha256Node,
    });
    if (values.json) {
      printJson(io, { ok: report.ok, checks: jsonChecks(report.checks) });
    } else if (report.ok) {
      io.stdout(`✅ Verdict verified\n${report.checks.map((c) => `  ✓ ${c.check}: ${c.message}`).join('\n')}\n`);
    } else {
      io.stdout(
        `❌ Verdict verification failed\n${report.checks
          .filter((c) => !c.ok)
          .map((c) => `  ${c.code} ${c.check}: ${c.message}`)
          .join('\n')}\n`,
      );
    }
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};
