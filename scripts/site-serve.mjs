// A tiny static file server for the built site, bound to 127.0.0.1 only (preview and browser tests).
//   node scripts/site-serve.mjs [dir=site/dist] [port=4321]
// GET/HEAD only, no directory listings, paths confined to the root (no .. escapes), index.html for
// folders (the site is built with trailing-slash directory URLs).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.pcq': 'application/json',
  '.jsonl': 'application/jsonl',
  '.gz': 'application/gzip',
  '.sig': 'text/plain; charset=utf-8',
  '.pub': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.pf_meta': 'application/octet-stream',
  // released exports of the sample runbooks
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.pdf': 'application/pdf',
};

/** Serves `dir` on 127.0.0.1:`port` (0 picks a free port); resolves to { url, close }. */
export async function serveStatic(dir, port = 0) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const address = server.address();
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((ok) => server.close(() => ok())) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? join(fileURLToPath(new URL('..', import.meta.url)), 'site/dist');
  const port = Number(process.argv[3] ?? 4321);
  try {
    await stat(join(dir, 'index.html'));
  } catch {
    console.error(`PCQ_SITE_NOT_BUILT: ${dir} has no index.html — build it first: npm run site:build (or npm start).`);
    process.exit(2); // class usage (docs/ERRORS.md)
  }
  try {
    const { url } = await serveStatic(dir, port);
    console.log(`serving ${dir} at ${url} (Ctrl-C to stop)`);
  } catch (err) {
    if (err?.code !== 'EADDRINUSE') throw err;
    console.error(`PCQ_PORT_IN_USE: 127.0.0.1:${port} is taken — stop the other server or pass a port: node scripts/site-serve.mjs ${dir} 4322`);
    process.exit(2); // class usage (docs/ERRORS.md)
  }
}
