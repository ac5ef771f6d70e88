// `pcq keys generate` prints a fresh Ed25519 pair as Stellar strkeys (the one place pcq ever prints
// a secret); `pcq keys inspect <G…>` shows a public key in the forms other tools read.
import { parseCommandArgs } from '../args.ts';
import { EXIT, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { generateKeyPair, publicKeyBytes } from '../../runtime/keys.ts';
import { toHex } from '../../proof/bytes.ts';
import { ed25519PublicKeyPem } from '../../proof/export-dsse.ts';

const USAGE = `Usage: pcq keys generate [--json]
       pcq keys inspect <G…public key> [--json]

generate  prints a new Ed25519 key pair: the S… secret seed (store it as the RUNNER_SECRET secret,
          never commit it) and the G… public key (add it to policies/trust.yaml).
inspect   prints a G… public key as raw hex and PEM (SubjectPublicKeyInfo).

Options:
  --json      machine-readable output
  -h, --help  this text

Exit codes: 0 ok · 2 bad arguments · 3 not a valid key
`;

export const command: Command = {
  name: 'keys',
  summary: 'Generate and inspect Ed25519 keys (Stellar strkeys)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, 'keys');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const [action, ...rest] = positionals;
    if (action === 'generate' && rest.length === 0) {
      const pair = generateKeyPair();
      if (values.json) io.stdout(JSON.stringify({ secret: pair.secret, publicKey: pair.publicKey }, null, 2) + '\n');
      else io.stdout(`secret (S…, keep it secret):  ${pair.secret}\npublic (G…, for trust.yaml): ${pair.publicKey}\n`);
      return EXIT.ok;
    }
    if (action === 'inspect' && rest.length === 1) {
      const raw = publicKeyBytes(rest[0]!);
      const info = { strkey: rest[0]!, hex: toHex(raw), pem: ed25519PublicKeyPem(raw) };
      if (values.json) io.stdout(JSON.stringify(info, null, 2) + '\n');
      else io.stdout(`strkey: ${info.strkey}\nhex:    ${info.hex}\n${info.pem}`);
      return EXIT.ok;
    }
    throw new PcqError({ code: 'PCQ_USAGE', message: 'keys: expected `generate` or `inspect <G…>`', hint: 'Run `pcq keys --help`.' });
  },
};
