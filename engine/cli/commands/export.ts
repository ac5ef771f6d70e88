// `pcq export <manifest.pcq> --format dsse|sigstore|in-toto --out <dir>`: writes (dsse) <executionId>.intoto.jsonl (one
// standard DSSE envelope per line) and keys.json (keyid → {strkey, hex, pem}) so any DSSE
// verifier can check the attestations without pcq.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { exportDsse, exportKeys } from '../../proof/export-dsse.ts';
import { exportSigstore } from '../../proof/export-sigstore.ts';
import { DEFAULT_LAYOUT_DAYS, IN_TOTO_VERIFY_COMMAND, writeInTotoExport } from '../in-toto-export.ts';
import { parseManifestText } from '../../proof/manifest.ts';
import { checkManifestShape } from '../../proof/manifest-shape.ts';

const USAGE = `Usage: pcq export <manifest.pcq> --format dsse|sigstore|in-toto --out <dir> [--json]

Writes the manifest's step attestations, reviews and the manifest signature as standard DSSE
envelopes and the signing public keys to <dir>/keys.json (keyid → {strkey, hex, pem}).
Use \`pcq verify\` to check the proofs themselves.

Options:
  --format F  dsse (default): one envelope per line in <dir>/<executionId>.intoto.jsonl
              sigstore: one Sigstore bundle v0.3 per envelope, <dir>/<executionId>.<n>-<label>.sigstore.json,
              public-key verification material (hint = the signer's strkey; PEM in keys.json)
              in-toto: a root layout mirroring the run's DAG (signed by the layout key), one link per
              step signed by the runner key (which must be the manifest's executedBy; the manifest is
              verified first) and a copy of every published output/export file; then, in <dir>:
              ${IN_TOTO_VERIFY_COMMAND}
  --layout-key F  in-toto: a file holding the S… seed that signs the layout (default: the runner key)
  --expires T     in-toto: the layout's expiry, ISO time (default: ${DEFAULT_LAYOUT_DAYS} days from now)
  --out D     output folder (created if missing)
  --json      print {files: [...], envelopes: n}
  -h, --help  this text

Exit codes: 0 written · 1 (in-toto) the manifest does not verify or another runner key · 2 bad arguments · 3 unreadable or malformed manifest
`;

export const command: Command = {
  name: 'export',
  summary: "Export a manifest's attestations as DSSE envelopes, Sigstore bundles or in-toto layout and links",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { format: { type: 'string' }, out: { type: 'string' }, 'layout-key': { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' } },
      'export',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || values.out === undefined) {
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: 'export: expected one manifest and --out <dir>',
        hint: 'Run `pcq export manifest.pcq --format dsse --out exports/`.',
      });
    }
    const format = values.format ?? 'dsse';
    if (format !== 'dsse' && format !== 'sigstore' && format !== 'in-toto') {
      throw new PcqError({ code: 'PCQ_USAGE', message: `export: unknown format "${format}"`, hint: 'Use --format dsse, sigstore or in-toto.' });
    }
    const file = positionals[0]!;
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch (err) {
      throw new PcqError({
        code: 'PCQ_FILE_NOT_FOUND',
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        hint: 'Check the path to the .pcq file.',
      });
    }
    const manifest = parseManifestText(text);
    const shape = checkManifestShape(manifest);
    if (shape.length > 0) {
      throw new PcqError({
        code: 'PCQ_SCHEMA_INVALID',
        message: `${file} is not a pcq manifest: ${shape[0]!.path || '/'} ${shape[0]!.message}`,
        hint: 'Run `pcq verify` on it for every problem.',
      });
    }
    const dir = resolve(io.cwd, values.out);
    await mkdir(dir, { recursive: true });
    const keys = join(dir, 'keys.json');
    const files: string[] = [];
    let envelopes: number;
    if (format === 'in-toto') {
      const r = await writeInTotoExport({
        manifestPath: resolve(io.cwd, file),
        text,
        manifest: manifest as Record<string, unknown>,
        out: dir,
        cwd: io.cwd,
        env: io.env,
        ...(values['layout-key'] !== undefined ? { layoutKey: resolve(io.cwd, values['layout-key']) } : {}),
        ...(values.expires !== undefined ? { expires: values.expires } : {}),
      });
      if (values.json) io.stdout(JSON.stringify({ files: r.files, links: r.links, copied: r.copied, layoutKeyid: r.layoutKeyid }, null, 2) + '\n');
      else
        io.stdout(
          `wrote root.layout, ${r.links} signed links and ${r.copied} published files to ${dir}\nverify with: cd ${dir} && ${IN_TOTO_VERIFY_COMMAND}\n`,
        );
      return EXIT.ok;
    }
    if (format === 'sigstore') {
      const out = exportSigstore(manifest as Record<string, unknown>);
      for (const { fileName, bundle } of out.bundles) {
        files.push(join(dir, fileName));
        await writeFile(join(dir, fileName), JSON.stringify(bundle, null, 2) + '\n');
      }
      await writeFile(keys, JSON.stringify(exportKeys(out.bundles.map((b) => b.bundle.dsseEnvelope)), null, 2) + '\n');
      envelopes = out.bundles.length;
      if (!values.json) io.stdout(`wrote ${envelopes} Sigstore bundles (v0.3, public key) to ${dir}\nwrote the public keys to ${keys}\n`);
    } else {
      const out = exportDsse(manifest as Record<string, unknown>);
      const bundle = join(dir, out.fileName);
      files.push(bundle);
      await writeFile(bundle, out.jsonl);
      await writeFile(keys, JSON.stringify(out.keys, null, 2) + '\n');
      envelopes = out.jsonl.trim().split('\n').length;
      if (!values.json) io.stdout(`wrote ${envelopes} DSSE envelopes to ${bundle}\nwrote ${Object.keys(out.keys).length} public key(s) to ${keys}\n`);
    }
    if (values.json) printJson(io, { files: [...files, keys], envelopes });
    return EXIT.ok;
  },
};
