// `pcq trust add|list|inspect|revoke-key|restore-key|remove-key` (seed 004 §12): the publisher
// trust store under policies/publishers/, one file per publisher, a lifecycle per key.
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { addPublisherKey, keyFingerprint, loadAllPublishers, loadPublisher, removePublisherKey, setPublisherKeyStatus } from '../../spells/publisher-trust.ts';

const USAGE = `Usage: pcq trust add --publisher P --key-id K --public-key G… [--json]
       pcq trust list [--json]
       pcq trust inspect <publisher> [--json]
       pcq trust revoke-key <publisher> <key_id>
       pcq trust restore-key <publisher> <key_id>
       pcq trust remove-key <publisher> <key_id>

Publisher trust (policies/publishers/<publisher>.yaml): the keys whose signatures on spell bundles
pcq accepts. add creates the file with its first key; list shows every key with its status
(active | revoked); inspect shows key_id, status, algorithm and a short fingerprint (first 64 bits
of sha256 of the raw key); revoke-key / restore-key change one key's status and keep the file;
remove-key deletes one key, and the publisher file with its last key. Signatures by a revoked key
are refused (PCQ_SPELL_KEY_REVOKED).

Exit codes: 0 ok · 2 bad arguments, or no such publisher or key · 3 invalid trust file
`;

export const command: Command = {
  name: 'trust',
  summary: 'Manage publisher trust for spells: add, list, inspect, revoke/restore/remove a key',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { publisher: { type: 'string' }, 'key-id': { type: 'string' }, 'public-key': { type: 'string' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS },
      'trust',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const root = config.root;
    const [action, ...rest] = positionals;
    const out = (value: object, text: string): number => {
      if (values.json) printJson(io, value);
      else io.stdout(text);
      return EXIT.ok;
    };
    if (action === 'add') {
      const [p, k, g] = rest;
      const publisher = values.publisher ?? p;
      const keyId = values['key-id'] ?? k;
      const publicKey = values['public-key'] ?? g;
      if (!publisher || !keyId || !publicKey) throw usage('trust add needs --publisher, --key-id and --public-key');
      const trust = await addPublisherKey(root, { publisher, keyId, publicKey });
      return out(
        { publisher, keyId, status: 'active', file: trust.file },
        `added ${publisher}/${keyId} (active, ${keyFingerprint(publicKey)}) to ${trust.file}\n`,
      );
    }
    if (action === 'list' && rest.length === 0) {
      const all = await loadAllPublishers(root);
      const rows = all.flatMap((t) => t.keys.map((k) => ({ publisher: t.publisher, key_id: k.key_id, status: k.status })));
      return out(
        { keys: rows },
        rows.length === 0 ? 'no trusted publishers (policies/publishers/ is empty)\n' : rows.map((r) => `${r.publisher}\t${r.key_id}\t${r.status}\n`).join(''),
      );
    }
    if (action === 'inspect' && rest.length === 1) {
      const trust = await loadPublisher(root, rest[0]!);
      if (!trust)
        throw new PcqError({
          code: 'PCQ_PUBLISHER_KEY_NOT_FOUND',
          message: `no trust file for publisher ${rest[0]}`,
          hint: 'List what is trusted with `pcq trust list`.',
        });
      const keys = trust.keys.map((k) => ({ key_id: k.key_id, status: k.status, algorithm: k.algorithm, fingerprint: keyFingerprint(k.public_key) }));
      return out(
        { publisher: trust.publisher, file: trust.file, keys },
        `publisher ${trust.publisher} (${trust.file})\n` + keys.map((k) => `  ${k.key_id}\t${k.status}\t${k.algorithm}\t${k.fingerprint}\n`).join(''),
      );
    }
    if ((action === 'revoke-key' || action === 'restore-key') && rest.length === 2) {
      const status = action === 'revoke-key' ? 'revoked' : 'active';
      const { trust, changed } = await setPublisherKeyStatus(root, rest[0]!, rest[1]!, status);
      return out(
        { publisher: trust.publisher, keyId: rest[1], status, changed },
        `${trust.publisher}/${rest[1]} is ${status}${changed ? '' : ' (it already was)'} in ${trust.file}\n`,
      );
    }
    if (action === 'remove-key' && rest.length === 2) {
      const { fileDeleted } = await removePublisherKey(root, rest[0]!, rest[1]!);
      return out(
        { publisher: rest[0], keyId: rest[1], removed: true, fileDeleted },
        `removed ${rest[0]}/${rest[1]}${fileDeleted ? `; it was the last key, so policies/publishers/${rest[0]}.yaml is deleted` : ''}\n`,
      );
    }
    throw usage(`trust: unknown or incomplete command ${JSON.stringify(positionals.join(' '))}`);
  },
};

function usage(message: string): PcqError {
  return new PcqError({ code: 'PCQ_USAGE', message, hint: 'Run `pcq trust --help`.' });
}
