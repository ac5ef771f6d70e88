// `pcq grant add|revoke|list`: grants as signed, versioned files (contracts/grants/, FORMATS.md
// "Grants") registered on the PrepaidVault (config.vault: the embedded ledger by default).
import { PcqError } from '../../base/errors.ts';
import { registerSecret } from '../../base/secrets.ts';
import type { Signer } from '../../base/signer.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig, type PcqConfig } from '../../runtime/config.ts';
import { signerFromSecret } from '../../runtime/keys.ts';
import { loadTrust } from '../../runtime/trust-store.ts';
import { localUserSigner } from '../../vault/dev-grant.ts';
import { addGrant, listGrants, revokeGrant } from '../../vault/grant-actions.ts';
import { openVault } from '../../vault/open-vault.ts';
import { EmbeddedLedger } from '../../vault/embedded-ledger.ts';

export const GRANT_USER_SECRET_ENV = 'PCQ_GRANT_USER_SECRET';

const USAGE = `Usage: pcq grant add --runner G… [--runbook ID]… --budget N --expires ISO-8601 [--local] [--json]
       pcq grant revoke <grantId> [--json]
       pcq grant revoke --runner G… [--json]
       pcq grant list [--json]

add     the user (key: ${GRANT_USER_SECRET_ENV}=S…, in dev the local .pcq/keys/grant-user.secret)
        grants the runner the runbooks (default: all), a budget in step units and an expiry; signs
        contracts/grants/<grantId>/v1.json and registers it on the vault (grant_runner).
        --local writes it to the dev overlay .pcq/grants/ instead (read in dev mode only).
revoke  records revoke_runner on the vault and writes the next signed version (revoked, with the
        ledger sequence). New runs refuse at once (UnauthorizedRunner); a run already open finalizes.
        --runner G… revokes every grant you (the signing user) gave that runner and that is not
        revoked yet (key rotation: revoke the old runner's grants).
list    every grant: user, runner, runbooks, budget, expiry, status, and the vault's spent/reserved.

Exit codes: 0 ok · 1 refused by the vault · 2 bad arguments · 3 invalid grant file
`;

export const command: Command = {
  name: 'grant',
  summary: 'Grant a runner runbooks, a budget and an expiry; revoke; list grants',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        runner: { type: 'string' },
        runbook: { type: 'string', multiple: true },
        budget: { type: 'string' },
        expires: { type: 'string' },
        local: { type: 'boolean' },
        json: { type: 'boolean' },
        ...CONFIG_FLAG_OPTIONS,
      },
      'grant',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const [action, ...rest] = positionals;
    const out = (json: object, text: string): number => {
      if (values.json) printJson(io, json);
      else io.stdout(text);
      return EXIT.ok;
    };
    if (action === 'add' && rest.length === 0) {
      if (typeof values.runner !== 'string' || typeof values.budget !== 'string' || typeof values.expires !== 'string')
        throw usage('grant add needs --runner, --budget and --expires');
      if (values.local && config.mode !== 'dev') throw usage('--local grants are read in dev mode only');
      const user = await userSigner(config, io.env);
      const r = await addGrant({
        root: config.root,
        user,
        runner: values.runner,
        runbooks: (values.runbook as string[] | undefined) ?? [],
        budget: /^\d+$/.test(values.budget) ? Number(values.budget) : NaN,
        expiresAt: values.expires,
        local: values.local === true,
        vault: await vaultFor(config, user),
      });
      return out(
        r,
        `granted ${r.terms.grantId}: user ${r.terms.user} → runner ${r.terms.runner}, runbooks ${r.terms.runbooks.join(', ')}, budget ${r.terms.budget} step units, until ${r.terms.expiresAt}\nwrote ${r.file} (${r.digest}); registered at ledger ${r.ledger}\n`,
      );
    }
    if (action === 'revoke' && rest.length === 0 && typeof values.runner === 'string') {
      const user = await userSigner(config, io.env);
      const includeLocal = config.mode === 'dev';
      const vault = await vaultFor(config, user);
      const ids = (await listGrants({ root: config.root, includeLocal, now: new Date() }))
        .filter((g) => g.runner === values.runner && g.user === user.keyid && g.status !== 'revoked')
        .map((g) => g.grantId);
      const revoked = [];
      for (const grantId of ids) revoked.push({ grantId, ...(await revokeGrant({ root: config.root, user, grantId, includeLocal, vault })) });
      return out(
        { revoked },
        revoked.length === 0
          ? `no grant of yours for runner ${values.runner} is left to revoke\n`
          : revoked.map((r) => `revoked ${r.grantId} at ledger ${r.ledger}; wrote ${r.file}`).join('\n') + '\n',
      );
    }
    if (action === 'revoke' && rest.length === 1) {
      const user = await userSigner(config, io.env);
      const r = await revokeGrant({ root: config.root, user, grantId: rest[0]!, includeLocal: config.mode === 'dev', vault: await vaultFor(config, user) });
      return out(r, `revoked ${rest[0]} at ledger ${r.ledger}: new runs refuse with UnauthorizedRunner; open runs still finalize\nwrote ${r.file}\n`);
    }
    if (action === 'list' && rest.length === 0) {
      const ledger = config.vault.backend === 'embedded' ? new EmbeddedLedger({ root: config.root, isRegisteredRunner: () => false }) : undefined;
      const grants = await listGrants({
        root: config.root,
        includeLocal: config.mode === 'dev',
        now: new Date(),
        ...(ledger ? { ledger: (id: string) => ledger.grantState(id) } : {}),
      });
      const lines = grants.map(
        (g) =>
          `${g.grantId}  ${g.status.padEnd(7)}  runner ${g.runner}  user ${g.user}  runbooks ${g.runbooks.join(',')}  spent ${g.spent ?? '—'}/${g.budget} (reserved ${g.reserved ?? '—'})  until ${g.expiresAt}  ${g.source}`,
      );
      return out({ grants }, (lines.length > 0 ? lines.join('\n') : 'no grants') + '\n');
    }
    throw usage('expected add, revoke <grantId> or list');
  },
};

function usage(message: string): PcqError {
  return new PcqError({ code: 'PCQ_USAGE', message: `grant: ${message}`, hint: 'See `pcq grant --help`.' });
}

async function userSigner(config: PcqConfig, env: Record<string, string | undefined>): Promise<Signer> {
  const secret = env[GRANT_USER_SECRET_ENV];
  // The user's key is a secret of the one registry (base/secrets.ts): no output path may carry it.
  registerSecret(secret, `env ${GRANT_USER_SECRET_ENV}`);
  registerSecret(secret?.trim(), `env ${GRANT_USER_SECRET_ENV}`);
  if (secret !== undefined && secret.trim() !== '') return signerFromSecret(secret, GRANT_USER_SECRET_ENV);
  if (config.mode !== 'dev')
    throw new PcqError({
      code: 'PCQ_SECRET_MISSING',
      message: `PCQ_MODE=${config.mode} needs ${GRANT_USER_SECRET_ENV} (the granting user's S… key)`,
      hint: `Set ${GRANT_USER_SECRET_ENV}; dev mode uses the local .pcq/keys/grant-user.secret.`,
    });
  return localUserSigner(config.root);
}

async function vaultFor(config: PcqConfig, user: Signer) {
  const { trust } = await loadTrust({ root: config.root, includeLocal: config.mode === 'dev' });
  return openVault(config, trust, user);
}
