// Connector token events as the CLI progress shows them (runtime/connector-auth/token-manager.ts):
// one plain line each, carrying the connector and what happened, never a token (the event type
// holds none). Worded so that no line reads "token <word>": the redactor masks the word after
// "token" as a credential (runtime/redact.ts). Kept beside progress.ts, which renders the scheduler's step events.
import type { TokenEvent } from '../runtime/connector-auth/token-manager.ts';

export function formatTokenEventLine(event: TokenEvent): string {
  switch (event.type) {
    case 'authenticated':
      return `🔑 connector ${event.connector} authenticated (access valid until ${event.expiresAt})`;
    case 'token refreshed':
      return `🔑 connector ${event.connector} refreshed its access before expiry (valid until ${event.expiresAt})`;
    case 'refresh failed':
      return `⚠ connector ${event.connector} refresh failed: ${event.code}`;
    case 'credential revoked':
      return `⚠ connector ${event.connector} credential revoked: nothing more is sent with it`;
    case 're-authentication required':
      return `🔑 connector ${event.connector} re-authentication required: ${event.reason}`;
  }
}
