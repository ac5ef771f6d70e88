// Debian's chromium, started the one way the site's browser tests and the site bench drive it:
// headless, no GPU, and no network beyond the loopback server the test started (every other host
// resolves to nothing), so a page can only ever load what the test serves.
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium with its own profile in `profileDir` (a fresh temporary folder of the caller's). */
export function launchHeadless(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}
