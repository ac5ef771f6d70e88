// Which PrepaidVault a command talks to (config.vault.backend): the embedded ledger under .pcq/
// (default) or the Soroban contract at RUNNER_RPC_URL. The agent registry is the trust store's
// active runner keys (policies/trust.yaml, plus the dev overlay in dev mode) at the wall clock.
import type { PcqConfig } from '../runtime/config.ts';
import type { PrepaidVault } from '../base/prepaid-vault.ts';
import type { TrustStore } from '../proof/trust.ts';
import { keyStatusAt } from '../proof/trust.ts';
import type { Signer } from '../base/signer.ts';
import { EmbeddedLedger } from './embedded-ledger.ts';
import { SorobanVault } from './soroban-vault.ts';

export function registryFrom(trust: TrustStore, now: () => Date): (runner: string) => boolean {
  return (runner) => {
    const v = keyStatusAt(trust, runner, now().toISOString(), 'runner');
    return v.ok && v.key.status === 'active';
  };
}

/** `source`: who signs the vault's transactions (Soroban: the runner for runs, the user for grants). */
export function openVault(config: PcqConfig, trust: TrustStore, source: Signer & { secret?: string }, now: () => Date = () => new Date()): PrepaidVault {
  if (config.vault.backend === 'soroban') {
    return new SorobanVault({
      rpcUrl: config.vault.rpcUrl,
      networkPassphrase: config.vault.networkPassphrase,
      contractId: config.vault.contractId!,
      source,
      pollIntervalMs: config.vault.pollIntervalMs,
    });
  }
  return new EmbeddedLedger({ root: config.root, isRegisteredRunner: registryFrom(trust, now), now });
}
