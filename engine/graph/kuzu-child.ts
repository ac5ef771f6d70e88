// The child process that holds a run's kuzu database (kuzu-process-store.ts starts it). kuzu runs
// native code that neither a step timeout nor V8 can stop: `UNWIND range(1,100000000) AS x RETURN
// sum(x)` ignored the connection's query timeout and grew past 8 GB in 60 s here (kuzu 0.11.3;
// its Node binding does not expose Connection::interrupt). In a process of its own it can be
// stopped: the parent kills it when a step's time is up or its memory passes the run's ceiling.
// Protocol (IPC, advanced serialization): {id, op, args} in; {id, ok, value} or {id, ok: false,
// issue} out; {ready, dir} once open. Only the parent talks to it; it exits when the parent goes.
import { openKuzuStore, type KuzuGraphStore } from './kuzu-store.ts';
import { PcqError, toIssues } from '../base/errors.ts';

type Request = { id: number; op: 'query' | 'executeMany' | 'loadDataset' | 'close'; args: unknown[] };

const send = (message: unknown): void => {
  process.send?.(message);
};

async function serve(): Promise<void> {
  let store: KuzuGraphStore;
  try {
    store = await openKuzuStore();
  } catch (err) {
    send({ ready: false, issue: toIssues(err)[0] });
    return;
  }
  send({ ready: true, dir: store.dir });
  process.on('disconnect', () => {
    void store.close().finally(() => process.exit(0));
  });
  process.on('message', (raw) => {
    const req = raw as Request;
    void handle(store, req).then(
      (value) => send({ id: req.id, ok: true, value }),
      (err: unknown) => send({ id: req.id, ok: false, issue: err instanceof PcqError ? err.toIssue() : toIssues(err)[0] }),
    );
  });
}

async function handle(store: KuzuGraphStore, req: Request): Promise<unknown> {
  const [a, b] = req.args;
  switch (req.op) {
    case 'query':
      return store.query(String(a), b as Record<string, unknown>);
    case 'executeMany':
      return store.executeMany(String(a), b as Array<Record<string, unknown>>);
    case 'loadDataset':
      return store.loadDataset(a as Parameters<KuzuGraphStore['loadDataset']>[0]);
    case 'close':
      await store.close();
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

await serve();
