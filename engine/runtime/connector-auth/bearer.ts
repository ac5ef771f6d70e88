// A connector's static bearer token: CONNECTOR_<NAME>_TOKEN (name upper-cased, "-" → "_").
import { PcqError } from '../../base/errors.ts';

export function connectorTokenEnv(connector: string): string {
  return `CONNECTOR_${connector.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`;
}

export function bearerToken(connector: string, env: Record<string, string | undefined>): string {
  const name = connectorTokenEnv(connector);
  const value = env[name];
  if (value === undefined || value === '') {
    throw new PcqError({
      code: 'PCQ_SECRET_MISSING',
      message: `connector ${connector} needs the bearer token ${name}, which is not set`,
      hint: `Set ${name} from your secret store (a repository secret in GitHub Actions).`,
      details: { variable: name },
    });
  }
  return value;
}
