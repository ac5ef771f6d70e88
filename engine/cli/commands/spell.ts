// `pcq spell install|list|show` (seed 004 §1–§3): install a bundle under <PCQ_HOME>/spells/<id_key>/,
// list what resolves, show one spell with its digest and what its signature check says now.
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError, toIssues } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { installSpell } from '../../spells/install.ts';
import { listSpells } from '../../spells/list-spells.ts';
import { resolveSpell } from '../../spells/resolve.ts';
import { idKey, parseUses } from '../../spells/id-key.ts';
import { checkSpellSignature } from '../../spells/verify-spell.ts';
import { bundleDigest } from '../../spells/bundle.ts';

const USAGE = `Usage: pcq spell install <dir> [--json]
       pcq spell list [--json]
       pcq spell show <id>@<version> [--json]

install  copies a bundle to <PCQ_HOME>/spells/<id_key>/<version>/ (PCQ_HOME default ~/.pcq;
         id_key = base64url(utf8(id)), no padding) and keeps spell.id.txt beside the versions; fails
         when an existing spell.id.txt (or one in the bundle) names another id than spell.yaml.
list     every spell that resolves: the repository's spells/<id>/<version>/, then installed ones.
show     one spell by id@version: manifest, bundle digest, and its signature check against
         policies/publishers/ as \`pcq run\` would make it.

Exit codes: 0 ok · 2 bad arguments · 3 invalid bundle, id mismatch or not found
`;

export const command: Command = {
  name: 'spell',
  summary: 'Install, list and show spells (signed step bundles)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'spell');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const [action, ...rest] = positionals;
    const out = (value: object, text: string): number => {
      if (values.json) printJson(io, value);
      else io.stdout(text);
      return EXIT.ok;
    };
    if (action === 'install' && rest.length === 1) {
      const r = await installSpell({ source: resolve(io.cwd, rest[0]!), home: config.home });
      return out(
        r,
        `${r.installed ? 'installed' : 'already installed'} ${r.id}@${r.version} (${r.bundleDigest}${r.signed ? ', signed' : ', unsigned'}) at ${r.dir}\n`,
      );
    }
    if (action === 'list' && rest.length === 0) {
      const spells = await listSpells(config.root, config.home);
      return out({ spells }, spells.length === 0 ? 'no spells\n' : spells.map((s) => `${s.id}@${s.version}\t${s.source}\t${s.dir}\n`).join(''));
    }
    if (action === 'show' && rest.length === 1) {
      const ref = parseUses(rest[0]!);
      if (!ref) throw new PcqError({ code: 'PCQ_USAGE', message: `"${rest[0]}" is not <id>@<version>`, hint: 'Run `pcq spell list`.' });
      const s = await resolveSpell({ root: config.root, home: config.home, ...ref });
      let signature: unknown;
      let digest: string | undefined;
      try {
        const checked = await checkSpellSignature({
          root: config.root,
          bundle: s.bundle,
          id: s.id,
          version: s.version,
          policy: { allowUnsigned: false, requiredBy: [] },
        });
        signature = checked.signature;
        digest = checked.digest;
      } catch (err) {
        const issue = toIssues(err)[0]!;
        signature = { result: 'refused', code: issue.code, message: issue.message };
      }
      digest ??= bundleDigest(s.bundle.files);
      const m = s.manifest;
      const view = {
        id: m.id,
        idKey: idKey(m.id),
        version: m.version,
        name: m.name,
        description: m.description ?? '',
        source: s.source,
        dir: s.dir,
        bundleDigest: digest,
        runtime: m.runtime,
        effects: m.effects,
        connectors: m.connectors,
        risk: m.risk ?? 'low',
        billing: m.billing ?? { enabled: false },
        signature,
        files: s.bundle.files.map((f) => f.path),
      };
      const sig = signature as { result: string; publisher?: string; keyId?: string; code?: string; message?: string };
      return out(
        view,
        `${m.id}@${m.version} — ${m.name}\n  source:   ${s.source} (${s.dir})\n  id_key:   ${view.idKey}\n  digest:   ${digest}\n  runtime:  ${m.runtime.kind} ${m.runtime.entry.join(' ')}\n  effects:  ${m.effects.map((e) => `${e.type}→${e.target}${e.mutates ? ' (mutates)' : ''}`).join(', ') || 'none'}\n  connectors: ${m.connectors.join(', ') || 'none'}\n  signature: ${sig.result === 'verified' ? `verified, ${sig.publisher}/${sig.keyId}` : `${sig.code}: ${sig.message}`}\n`,
      );
    }
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `spell: unknown or incomplete command ${JSON.stringify(positionals.join(' '))}`,
      hint: 'Run `pcq spell --help`.',
    });
  },
};
