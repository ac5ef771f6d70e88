// The agent registry (contracts/README.md): the runners the PrepaidVault accepts are the trust
// store's active `runner` keys (policies/trust.yaml). `pcq registry add|retire|list` edit that file
// the way the runner playbook's key rotation needs (docs/operations.md "Runner key rotation"):
// add the new runner (active from now), and — once no active grant names it and none of its runs
// is still open — retire the old one (status retired, validUntil now), so what it signed keeps
// verifying while it can open no new run. Edits keep the file's comments and layout (yaml Document)
// and are re-parsed with the trust store's own parser before the atomic write.
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { PcqError, PcqErrors } from '../base/errors.ts';
import { isPublicStrKey } from '../proof/strkey.ts';
import { TRUST_FILE } from '../proof/trust.ts';
import { parseTrustDocument } from '../runtime/trust-document.ts';
import { readOptional } from '../store/read-optional.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { loadGrants } from './grant-store.ts';
import { readLedgerState, LEDGER_FILE } from './embedded-ledger.ts';

export interface RegistryRunner {
  name: string;
  publicKey: string;
  status: string;
  validFrom: string | null;
  validUntil: string | null;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function checkKey(publicKey: string): void {
  if (!isPublicStrKey(publicKey))
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `"${publicKey}" is not a G… public key`,
      hint: 'Pass the runner’s G… key (`pcq keys generate` prints one).',
    });
}

async function readTrust(root: string) {
  const text = (await readOptional(join(root, TRUST_FILE))) ?? 'keys: []\n';
  const doc = parseDocument(text);
  const keys = doc.get('keys', true);
  if (!isSeq(keys)) throw new PcqError({ code: 'PCQ_TRUST_INVALID', message: `${TRUST_FILE} has no keys: list`, hint: 'See policies/trust.yaml.' });
  return { doc, keys };
}

async function writeTrust(root: string, text: string): Promise<void> {
  const parsed = parseTrustDocument(text, TRUST_FILE);
  if (parsed.issues.length > 0) throw new PcqErrors(parsed.issues);
  await writeFileAtomic(join(root, TRUST_FILE), text);
}

const entryOf = (item: unknown): YAMLMap | undefined => (isMap(item) ? item : undefined);

export async function listRunners(root: string): Promise<RegistryRunner[]> {
  const parsed = parseTrustDocument((await readOptional(join(root, TRUST_FILE))) ?? 'keys: []\n', TRUST_FILE);
  return parsed.trust.keys
    .filter((k) => k.roles.includes('runner'))
    .map((k) => ({ name: k.name, publicKey: k.publicKey, status: k.status, validFrom: k.validFrom, validUntil: k.validUntil }));
}

/** Step 1 of the rotation: the new runner is an active runner key from `from` (default now). */
export async function addRunner(input: { root: string; publicKey: string; name: string; from: Date }): Promise<{ added: boolean }> {
  checkKey(input.publicKey);
  const { doc, keys } = await readTrust(input.root);
  const existing = keys.items.map(entryOf).find((m) => m?.get('publicKey') === input.publicKey);
  if (existing) {
    if (existing.get('status') === 'active') return { added: false };
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `${input.publicKey} is already in ${TRUST_FILE} with status ${String(existing.get('status'))}`,
      hint: 'A retired or revoked key is not brought back; generate a new runner key.',
    });
  }
  keys.add(doc.createNode({ name: input.name, publicKey: input.publicKey, roles: ['runner'], status: 'active', validFrom: iso(input.from), validUntil: null }));
  await writeTrust(input.root, doc.toString());
  return { added: true };
}

/**
 * Step 5: retire the old runner. Refused (PCQ_RUNNER_IN_USE) while a grant that is neither revoked
 * nor expired names it, or a run it opened is still open on the embedded ledger: the contract
 * re-checks the registry at finalize, so retiring earlier would fail that run.
 */
export async function retireRunner(input: { root: string; publicKey: string; at: Date; includeLocal: boolean }): Promise<{ validUntil: string }> {
  checkKey(input.publicKey);
  const { grants } = await loadGrants(input.root, { includeLocal: input.includeLocal });
  const live = grants.filter(
    (g) => g.granted.terms.runner === input.publicKey && !g.latest.terms.revoked && Date.parse(g.granted.terms.expiresAt) > input.at.getTime(),
  );
  const ledger = await readLedgerState(join(input.root, LEDGER_FILE));
  const open = Object.values(ledger.runs).filter((r) => r.runner === input.publicKey && r.state === 'open');
  if (live.length > 0 || open.length > 0)
    throw new PcqError({
      code: 'PCQ_RUNNER_IN_USE',
      message: `runner ${input.publicKey} still has ${live.length} active grant(s)${live.length ? ` (${live.map((g) => g.grantId).join(', ')})` : ''} and ${open.length} open run(s)`,
      hint: 'Revoke its grants first (`pcq grant revoke --runner G…`) and let open runs finalize (`pcq status`), then retire it.',
      details: { grants: live.map((g) => g.grantId), openRuns: open.map((r) => r.runId) },
    });
  const { doc, keys } = await readTrust(input.root);
  const entry = keys.items.map(entryOf).find((m) => m?.get('publicKey') === input.publicKey);
  if (!entry) throw new PcqError({ code: 'PCQ_USAGE', message: `${input.publicKey} is not in ${TRUST_FILE}`, hint: 'List runners with `pcq registry list`.' });
  const until = iso(input.at);
  if (entry.get('status') !== 'active') return { validUntil: String(entry.get('validUntil') ?? until) };
  entry.set('status', 'retired');
  entry.set('validUntil', until);
  await writeTrust(input.root, doc.toString());
  return { validUntil: until };
}
