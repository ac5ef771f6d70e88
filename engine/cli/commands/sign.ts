// `pcq sign keygen` and `pcq sign bundle` (seed 004 §12): make a publisher key, sign a bundle.
import { join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { defaultKeyFile, readPublisherKey, writePublisherKey } from '../../spells/publisher-key.ts';
import { bundleDigest, readBundle, SIGNATURE_FILE } from '../../spells/bundle.ts';
import { manifestOf } from '../../spells/resolve.ts';
import { signBundleDigest } from '../../spells/signature.ts';
import { writeFileAtomic } from '../../store/atomic-write.ts';

const USAGE = `Usage: pcq sign keygen --publisher P --key-id K [--out FILE] [--json]
       pcq sign bundle <dir> --key FILE [--json]

keygen  makes an Ed25519 publisher key: the key file (secret inside, mode 0600, never overwritten;
        default .pcq/keys/publisher-<P>-<K>.json) and prints the public key and the
        \`pcq trust add\` line that trusts it.
bundle  writes <dir>/spell.sig.json: the key's signature over the bundle digest (every file's path
        and bytes, sorted, spell.sig.json excluded; engine/FORMATS.md "Spells") with the spell's id
        and version.

Exit codes: 0 ok · 2 bad arguments or key file · 3 invalid bundle
`;

export const command: Command = {
  name: 'sign',
  summary: 'Make a publisher key; sign a spell bundle (spell.sig.json)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { publisher: { type: 'string' }, 'key-id': { type: 'string' }, out: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } },
      'sign',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const [action, ...rest] = positionals;
    const out = (value: object, text: string): number => {
      if (values.json) printJson(io, value);
      else io.stdout(text);
      return EXIT.ok;
    };
    if (action === 'keygen' && rest.length === 0 && typeof values.publisher === 'string' && typeof values['key-id'] === 'string') {
      const file = resolve(io.cwd, values.out ?? defaultKeyFile(values.publisher, values['key-id']));
      const { publicKey } = await writePublisherKey(file, values.publisher, values['key-id']);
      return out(
        { publisher: values.publisher, keyId: values['key-id'], publicKey, keyFile: file },
        `publisher key ${values.publisher}/${values['key-id']}: ${file} (secret inside, 0600; never commit it)\npublic key: ${publicKey}\ntrust it:   pcq trust add --publisher ${values.publisher} --key-id ${values['key-id']} --public-key ${publicKey}\n`,
      );
    }
    if (action === 'bundle' && rest.length === 1 && typeof values.key === 'string') {
      const key = await readPublisherKey(resolve(io.cwd, values.key));
      const dir = resolve(io.cwd, rest[0]!);
      const bundle = await readBundle(dir);
      const manifest = manifestOf(bundle, rest[0]!);
      const digest = bundleDigest(bundle.files);
      const sig = await signBundleDigest({
        id: manifest.id,
        version: manifest.version,
        digest,
        publisher: key.publisher,
        keyId: key.keyId,
        signer: key.signer,
      });
      await writeFileAtomic(join(dir, SIGNATURE_FILE), JSON.stringify(sig, null, 2) + '\n');
      return out(
        { id: manifest.id, version: manifest.version, bundleDigest: digest, publisher: key.publisher, keyId: key.keyId, file: join(dir, SIGNATURE_FILE) },
        `signed ${manifest.id}@${manifest.version} (${digest}) as ${key.publisher}/${key.keyId}: ${join(dir, SIGNATURE_FILE)}\n`,
      );
    }
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: 'sign: expected `keygen --publisher P --key-id K` or `bundle <dir> --key FILE`',
      hint: 'Run `pcq sign --help`.',
    });
  },
};
