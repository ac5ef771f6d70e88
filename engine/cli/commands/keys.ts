// `pcq keys generate` prints a fresh Ed25519 pair as Stellar strkeys (the one place pcq ever prints
// a secret); `pcq keys generate --reviewer <login>` makes an ombuds' own signing key on this machine
// (runtime/reviewer-keys.ts; the secret goes to a 0600 file, never to the screen);
// `pcq keys inspect <G…>` shows a public key in the forms other tools read.
import { join } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { generateKeyPair, publicKeyBytes } from '../../runtime/keys.ts';
import { generateReviewerKey } from '../../runtime/reviewer-keys.ts';
import { OMBUDS_FILE, loadRoster, rosterLogins } from '../../review/roster.ts';
import { toHex } from '../../proof/bytes.ts';
import { ed25519PublicKeyPem } from '../../proof/export-dsse.ts';

const USAGE = `Usage: pcq keys generate [--json]
       pcq keys generate --reviewer <login> [--json]
       pcq keys inspect <G…public key> [--json]

generate  prints a new Ed25519 key pair: the S… secret seed (store it as the RUNNER_SECRET secret,
          never commit it) and the G… public key (add it to policies/trust.yaml).
generate --reviewer <login>
          makes YOUR reviewer key for an ombuds login of policies/ombuds.yaml: the secret goes to
          .pcq/keys/reviewer-<login>.secret (0600, kept if it exists), the G… key is listed in the
          dev overlay .pcq/trust.local.yaml (role reviewer, that login). \`pcq review\` signs with it.
          Outside dev, add the printed entry to policies/trust.yaml instead.
inspect   prints a G… public key as raw hex and PEM (SubjectPublicKeyInfo).

Options:
  --reviewer L  the ombuds login the key belongs to
  --json        machine-readable output
  -h, --help    this text

Exit codes: 0 ok · 2 bad arguments · 3 not a valid key, or the login is not on the roster
`;

export const command: Command = {
  name: 'keys',
  summary: 'Generate and inspect Ed25519 keys (Stellar strkeys)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, reviewer: { type: 'string' } }, 'keys');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const [action, ...rest] = positionals;
    if (action === 'generate' && rest.length === 0 && typeof values.reviewer === 'string') {
      const roster = await loadRoster(join(io.cwd, OMBUDS_FILE));
      const key = await generateReviewerKey(io.cwd, values.reviewer, rosterLogins(roster));
      if (values.json) printJson(io, key);
      else {
        io.stdout(
          `${key.created ? 'created' : 'kept the existing'} reviewer key for ${key.login}: ${key.file} (secret, 0600; never commit it)\n` +
            `public (G…): ${key.publicKey}\nlisted in the dev overlay .pcq/trust.local.yaml (dev mode only). For staging/prod add to policies/trust.yaml:\n` +
            `  - name: ${key.login}-reviewer\n    publicKey: ${key.publicKey}\n    roles: [reviewer]\n    login: ${key.login}\n    status: active\n    validFrom: null\n    validUntil: null\n`,
        );
      }
      return EXIT.ok;
    }
    if (action === 'generate' && rest.length === 0) {
      const pair = generateKeyPair();
      if (values.json) printJson(io, { secret: pair.secret, publicKey: pair.publicKey });
      else io.stdout(`secret (S…, keep it secret):  ${pair.secret}\npublic (G…, for trust.yaml): ${pair.publicKey}\n`);
      return EXIT.ok;
    }
    if (action === 'inspect' && rest.length === 1) {
      const raw = publicKeyBytes(rest[0]!);
      const info = { strkey: rest[0]!, hex: toHex(raw), pem: ed25519PublicKeyPem(raw) };
      if (values.json) printJson(io, info);
      else io.stdout(`strkey: ${info.strkey}\nhex:    ${info.hex}\n${info.pem}`);
      return EXIT.ok;
    }
    throw new PcqError({ code: 'PCQ_USAGE', message: 'keys: expected `generate` or `inspect <G…>`', hint: 'Run `pcq keys --help`.' });
  },
};
