// Signs the in-toto layout and links derived in in-toto-layout.ts (FORMATS.md "in-toto export").
// in-toto 1.x metadata is a Metablock `{signed, signatures: [{keyid, sig}]}` whose signature is
// Ed25519 over the OLPC canonical JSON of `signed` (securesystemslib), `sig` in lowercase hex and
// `keyid` the securesystemslib keyid — not DSSE, which in-toto-verify 1.x does not read.
//
// Links are derived at export, not signed at run time: the runner key signs them only after the
// caller has verified the manifest with that same key as `executedBy`, and a link restates, for one
// step, exactly the materials (its parents' subjects) and products (its own subjects) of the DSSE
// statement the runner signed during the run. A link therefore proves nothing the statement does not
// (in particular nothing about when), and adds what in-toto-verify needs: the legacy signature
// format and the materials↔products chain the layout's rules check.
import type { Signer } from '../base/signer.ts';
import { toHex, utf8 } from './bytes.ts';
import { decodeStrKey } from './strkey.ts';
import { encodeOlpcCanonical } from './olpc-canonical.ts';
import {
  buildLayout,
  inTotoTime,
  linkFileName,
  sslibEd25519Key,
  sslibPublicKeyFile,
  stepArtifacts,
  stepLink,
  type InTotoLayout,
  type InTotoLink,
  type SslibKey,
} from './in-toto-layout.ts';

export interface Metablock<T> {
  signatures: Array<{ keyid: string; sig: string }>;
  signed: T;
}

export interface InTotoExport {
  /** Relative path → file text: root.layout, layout-key.pub, links/<step>.<keyid8>.link. */
  files: Map<string, string>;
  layoutKey: SslibKey;
  runnerKey: SslibKey;
  links: number;
}

export const LAYOUT_FILE = 'root.layout';
export const LAYOUT_KEY_FILE = 'layout-key.pub';
export const LINK_DIR = 'links';

async function signMetablock<T>(signed: T, signer: Signer, key: SslibKey): Promise<Metablock<T>> {
  const sig = await signer.sign(utf8(encodeOlpcCanonical(signed)));
  return { signatures: [{ keyid: key.keyid, sig: toHex(sig) }], signed };
}

/**
 * The layout (signed by `layoutSigner`: the runner key unless the owner passes their own) and one
 * link per step (signed by `runner`, whose key must be the manifest's executedBy: the caller checks).
 */
export async function exportInToto(input: {
  manifest: { runbookId: string; version: string; runbookDigest: string; executionId: string; steps: Array<{ stepId: string; attestation: unknown }> };
  runner: Signer;
  layoutSigner: Signer;
  published: ReadonlySet<string>;
  expires: Date;
}): Promise<InTotoExport> {
  const { manifest } = input;
  const runnerKey = sslibEd25519Key(decodeStrKey('public', input.runner.keyid));
  const layoutKey = sslibEd25519Key(decodeStrKey('public', input.layoutSigner.keyid));
  const steps = stepArtifacts(manifest);
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const layout: InTotoLayout = buildLayout({
    steps,
    runner: runnerKey,
    published: input.published,
    expires: inTotoTime(input.expires),
    readme:
      `pcq runbook ${manifest.runbookId} v${manifest.version} (${manifest.runbookDigest}), execution ${manifest.executionId}: ` +
      `steps and artifact rules mirror the run's DAG; the functionary is the runner key ${input.runner.keyid}.`,
  });
  const files = new Map<string, string>();
  files.set(LAYOUT_FILE, JSON.stringify(await signMetablock(layout, input.layoutSigner, layoutKey), null, 2) + '\n');
  files.set(LAYOUT_KEY_FILE, sslibPublicKeyFile(layoutKey));
  for (const step of steps) {
    const link: InTotoLink = stepLink(step, byId);
    files.set(`${LINK_DIR}/${linkFileName(step.stepId, runnerKey.keyid)}`, JSON.stringify(await signMetablock(link, input.runner, runnerKey), null, 2) + '\n');
  }
  return { files, layoutKey, runnerKey, links: steps.length };
}
