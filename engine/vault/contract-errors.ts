// The contract's error enum (contracts/prepaid-vault.spec.json) as PCQ codes: UnauthorizedRunner
// and BudgetExhausted keep codes of their own (the acceptance lines name them); the other contract
// errors are refusals of a malformed call and share PCQ_VAULT_REFUSED with the error's name.
import { PcqError } from '../base/errors.ts';
import type { VaultErrorName } from '../base/prepaid-vault.ts';
import { VaultContractError } from './vault-contract.ts';

export function vaultError(name: VaultErrorName, message: string, reason?: string): PcqError {
  const details = { contractError: name, ...(reason ? { reason } : {}) };
  if (name === 'UnauthorizedRunner') {
    return new PcqError({ code: 'PCQ_UNAUTHORIZED_RUNNER', message: `UnauthorizedRunner: ${message}`, hint: hintFor(reason), details });
  }
  if (name === 'BudgetExhausted') {
    return new PcqError({
      code: 'PCQ_BUDGET_EXHAUSTED',
      message: `BudgetExhausted: ${message}`,
      hint: 'Ask the user for a new grant with a larger budget (`pcq grant add`), or wait for open runs to finalize.',
      details,
    });
  }
  return new PcqError({
    code: 'PCQ_VAULT_REFUSED',
    message: `${name}: ${message}`,
    hint: 'The vault refused this call; see contracts/README.md "Errors".',
    details,
  });
}

function hintFor(reason: string | undefined): string {
  switch (reason) {
    case 'revoked':
      return 'The user revoked this runner; ask for a new grant (`pcq grant add`).';
    case 'expired':
      return 'The grant expired; ask the user for a new grant (`pcq grant add --expires …`).';
    case 'not-registered':
      return 'The runner key is not an active runner in the agent registry (policies/trust.yaml).';
    case 'runbook-not-granted':
      return 'The grant does not list this runbook; ask for a grant that does.';
    default:
      return 'Ask the user to grant this runner (`pcq grant add --runner G…`); in prod a run needs a grant in contracts/grants/.';
  }
}

/** Turns a thrown VaultContractError into its PcqError; anything else is rethrown unchanged. */
export function asPcqError(err: unknown): unknown {
  return err instanceof VaultContractError ? vaultError(err.errorName, err.message, err.reason) : err;
}
