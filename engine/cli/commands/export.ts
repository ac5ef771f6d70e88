// `pcq export <manifest.pcq> --format dsse --out <dir>`: writes <executionId>.intoto.jsonl (one
// standard DSSE envelope per line) and keys.json (keyid → {strkey, hex, pem}) so any DSSE
// verifier can check the attestations without pcq.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { exportDsse } from '../../proof/export-dsse.ts';
import { parseManifestText } from '../../proof/manifest.ts';
import { checkManifestShape } from '../../proof/manifest-shape.ts';

const USAGE = `Usage: pcq export <manifest.pcq> --format dsse --out <dir> [--json]

Writes the manifest's step attestations, reviews and the manifest signature as standard DSSE
envelopes, one per line, to <dir>/<executionId>.intoto.jsonl, and the signing public keys to
<dir>/keys.json (keyid → {strkey, hex, pem}). Use \`pcq verify\` to check the proofs themselves.

Options:
  --format F  dsse (the only format)
  --out D     output folder (created if missing)
  --json      print {files: [...], envelopes: n}
  -h, --help  this text

Exit codes: 0 written · 2 bad arguments · 3 unreadable or malformed manifest
`;

export const command: Command = {
  name: 'export',
  summary: "Export a manifest's attestations as standard DSSE envelopes",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { format: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } }, 'export');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || values.out === undefined) {
      throw new PcqError({ code: 'PCQ_USAGE', message: 'export: expected one manifest and --out <dir>', hint: 'Run `pcq export manifest.pcq --format dsse --out exports/`.' });
    }
    if ((values.format ?? 'dsse') !== 'dsse') {
      throw new PcqError({ code: 'PCQ_USAGE', message: `export: unknown format "${values.format}"`, hint: 'Use --format dsse.' });
    }
    const file = positionals[0]!;
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch (err) {
      throw new PcqError({ code: 'PCQ_FILE_NOT_FOUND', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, hint: 'Check the path to the .pcq file.' });
    }
    const manifest = parseManifestText(text);
    const shape = checkManifestShape(manifest);
    if (shape.length > 0) {
      throw new PcqError({ code: 'PCQ_SCHEMA_INVALID', message: `${file} is not a pcq manifest: ${shape[0]!.path || '/'} ${shape[0]!.message}`, hint: 'Run `pcq verify` on it for every problem.' });
    }
    const out = exportDsse(manifest as Record<string, unknown>);
    const dir = resolve(io.cwd, values.out);
    await mkdir(dir, { recursive: true });
    const bundle = join(dir, out.fileName);
    const keys = join(dir, 'keys.json');
    await writeFile(bundle, out.jsonl);
    await writeFile(keys, JSON.stringify(out.keys, null, 2) + '\n');
    const envelopes = out.jsonl.trim().split('\n').length;
    if (values.json) io.stdout(JSON.stringify({ files: [bundle, keys], envelopes }, null, 2) + '\n');
    else io.stdout(`wrote ${envelopes} DSSE envelopes to ${bundle}\nwrote ${Object.keys(out.keys).length} public key(s) to ${keys}\n`);
    return EXIT.ok;
  },
};
