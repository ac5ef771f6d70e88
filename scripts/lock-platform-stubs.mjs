// The registry this project installs from (a mirror) serves only the Linux builds of some
// platform-specific optional packages (@astrojs/compiler-binding-*, @pagefind/*). npm then writes a
// lock file without the other platforms' entries, and `npm ci` refuses that lock as "out of sync".
// This script adds the missing entries as stubs carrying the package's os/cpu, so `npm ci` accepts
// the lock and skips them on Linux exactly as it would skip the real ones (it never fetches a
// package whose os/cpu does not match). Run it after `npm install` changes package-lock.json.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const platform = (name) => {
  const os = /android/.test(name)
    ? 'android'
    : /darwin/.test(name)
      ? 'darwin'
      : /win32|windows/.test(name)
        ? 'win32'
        : /freebsd/.test(name)
          ? 'freebsd'
          : /linux/.test(name)
            ? 'linux'
            : /wasm32|wasi/.test(name)
              ? undefined
              : undefined;
  const cpu = /arm64|aarch64/.test(name) ? 'arm64' : /x64|x86_64/.test(name) ? 'x64' : /wasm32/.test(name) ? 'wasm32' : undefined;
  return { os, cpu };
};
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const prefix = key === '' ? 'node_modules/' : `${key}/node_modules/`;
    if (lock.packages[prefix + dep] || lock.packages[`node_modules/${dep}`]) continue;
    const { os, cpu } = platform(dep);
    const stub = { version, optional: true };
    if (os) stub.os = [os];
    if (cpu) stub.cpu = [cpu];
    if (!os && !cpu) stub.cpu = ['wasm32'];
    lock.packages[`node_modules/${dep}`] = stub;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-stubs: ${added} platform stub(s) added`);
