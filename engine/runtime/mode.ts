// The environment mode (dev, staging, prod) and its spellings: on its own so that the verifier's
// lean entry (cli/verify-main.ts) reads PCQ_MODE without loading the whole configuration.
export type Mode = 'dev' | 'staging' | 'prod';

export function parseMode(text: string): Mode | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'dev' || t === 'development') return 'dev';
  if (t === 'staging') return 'staging';
  if (t === 'prod' || t === 'production') return 'prod';
  return undefined;
}
