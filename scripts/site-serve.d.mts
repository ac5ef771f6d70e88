// Types for scripts/site-serve.mjs (plain JS so `node scripts/site-serve.mjs` runs without tsx).
export declare function serveStatic(dir: string, port?: number): Promise<{ url: string; close: () => Promise<void> }>;
