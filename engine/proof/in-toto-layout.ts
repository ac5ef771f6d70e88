// `pcq export --format in-toto`: a verified manifest as in-toto legacy metadata that Debian's
// `in-toto-verify` (in-toto 1.x, in-toto spec v0.9 "Layout"/"Link" + securesystemslib keys) reads:
// one root layout that mirrors the run's DAG and one link per step (FORMATS.md "in-toto export").
//
// - Layout steps = the manifest's steps in chain order; each step's functionary is the runner key
//   (`executedBy`), threshold 1, expected command [] (pcq's steps are not shell commands).
// - A step's products are its statement's subjects (outputs/<stepId>.json or, for a private step,
//   the commitment name <runbookId>/<stepId>; then exports/<name>), by the same sha256: rules
//   CREATE each, DISALLOW the rest. Its materials are the products of the steps it `needs`: MATCH
//   each WITH PRODUCTS FROM that step, DISALLOW the rest. So the links must chain as the DAG does.
// - One inspection, `files`, runs `true` (a no-op: in-toto requires a command and checks its exit
//   code) in the folder in-toto-verify is started in, which records every file there: each output
//   and export file the run published is REQUIRED and must MATCH the product of the step that
//   wrote it; any other file under outputs/ or exports/ is DISALLOWED. A changed, missing or added
//   output/export file therefore fails verification.
// Everything here is pure: the caller verified the manifest and signs (export-in-toto.ts).
import { toHex, utf8 } from './bytes.ts';
import { sha256Portable } from './hash.ts';
import { encodeOlpcCanonical } from './olpc-canonical.ts';
import { decodeEnvelopePayload } from './statement.ts';
import { outputsFileName } from './subjects.ts';

/** securesystemslib's public-key metadata for an Ed25519 key (KEY_SCHEMA with keyid_hash_algorithms). */
export interface SslibKey {
  keyid: string;
  keytype: 'ed25519';
  scheme: 'ed25519';
  keyid_hash_algorithms: ['sha256', 'sha512'];
  keyval: { public: string };
}

export type ArtifactRule = string[];
export type Artifacts = Record<string, { sha256: string }>;

export interface InTotoStep {
  _type: 'step';
  name: string;
  expected_materials: ArtifactRule[];
  expected_products: ArtifactRule[];
  pubkeys: string[];
  expected_command: string[];
  threshold: number;
}

export interface InTotoLayout {
  _type: 'layout';
  expires: string;
  readme: string;
  keys: Record<string, SslibKey>;
  steps: InTotoStep[];
  inspect: Array<{ _type: 'inspection'; name: string; expected_materials: ArtifactRule[]; expected_products: ArtifactRule[]; run: string[] }>;
}

export interface InTotoLink {
  _type: 'link';
  name: string;
  command: string[];
  materials: Artifacts;
  products: Artifacts;
  byproducts: Record<string, never>;
  environment: Record<string, never>;
}

export interface StepArtifacts {
  stepId: string;
  needs: string[];
  products: Artifacts;
  /** False for a private step: its first product names a commitment, not a published file. */
  publicOutputs: boolean;
}

export const INSPECTION_NAME = 'files';

/** The key as securesystemslib describes it; keyid = sha256 of its canonical JSON without keyid (keys._get_keyid). */
export function sslibEd25519Key(rawPublicKey: Uint8Array): SslibKey {
  const meta = {
    keytype: 'ed25519' as const,
    scheme: 'ed25519' as const,
    keyid_hash_algorithms: ['sha256', 'sha512'] as ['sha256', 'sha512'],
    keyval: { public: toHex(rawPublicKey) },
  };
  return { keyid: toHex(sha256Portable(utf8(encodeOlpcCanonical(meta)))), ...meta };
}

/** The public key file `in-toto-verify --key-types ed25519 --layout-keys` reads (securesystemslib/json). */
export function sslibPublicKeyFile(key: SslibKey): string {
  const { keytype, scheme, keyid_hash_algorithms, keyval } = key;
  return JSON.stringify({ keytype, scheme, keyid_hash_algorithms, keyval }, null, 2) + '\n';
}

/** Each step's needs and subjects, from the signed statements (the manifest has been verified). */
export function stepArtifacts(manifest: { steps: Array<{ stepId: string; attestation: unknown }> }): StepArtifacts[] {
  return manifest.steps.map(({ stepId, attestation }) => {
    const statement = decodeEnvelopePayload(attestation) as { subject: Array<{ name: string; digest: { sha256: string } }>; predicate: { needs: string[] } };
    const products: Artifacts = {};
    for (const s of statement.subject) products[s.name] = { sha256: s.digest.sha256 };
    return { stepId, needs: [...statement.predicate.needs], products, publicOutputs: statement.subject[0]?.name === outputsFileName(stepId) };
  });
}

/** The link a step's functionary signs: materials = its parents' products, products = its subjects. */
export function stepLink(step: StepArtifacts, byId: ReadonlyMap<string, StepArtifacts>): InTotoLink {
  const materials: Artifacts = {};
  for (const parent of step.needs) Object.assign(materials, byId.get(parent)?.products ?? {});
  return { _type: 'link', name: step.stepId, command: [], materials, products: { ...step.products }, byproducts: {}, environment: {} };
}

function layoutStep(step: StepArtifacts, byId: ReadonlyMap<string, StepArtifacts>, functionary: string): InTotoStep {
  const materials: ArtifactRule[] = [];
  for (const parent of step.needs) {
    for (const name of Object.keys(byId.get(parent)?.products ?? {})) materials.push(['MATCH', name, 'WITH', 'PRODUCTS', 'FROM', parent]);
  }
  return {
    _type: 'step',
    name: step.stepId,
    expected_materials: [...materials, ['DISALLOW', '*']],
    expected_products: [...Object.keys(step.products).map((name) => ['CREATE', name]), ['DISALLOW', '*']],
    pubkeys: [functionary],
    expected_command: [],
    threshold: 1,
  };
}

/**
 * The root layout. `published` = the files of the execution folder the inspection must find: every
 * public step's outputs file and every export that was released (a withheld export is not a file).
 */
export function buildLayout(input: {
  steps: StepArtifacts[];
  runner: SslibKey;
  published: ReadonlySet<string>;
  expires: string;
  readme: string;
}): InTotoLayout {
  const byId = new Map(input.steps.map((s) => [s.stepId, s]));
  const require: ArtifactRule[] = [];
  const match: ArtifactRule[] = [];
  for (const step of input.steps) {
    for (const name of Object.keys(step.products)) {
      if (!input.published.has(name)) continue;
      require.push(['REQUIRE', name]);
      match.push(['MATCH', name, 'WITH', 'PRODUCTS', 'FROM', step.stepId]);
    }
  }
  return {
    _type: 'layout',
    expires: input.expires,
    readme: input.readme,
    keys: { [input.runner.keyid]: input.runner },
    steps: input.steps.map((s) => layoutStep(s, byId, input.runner.keyid)),
    inspect: [
      {
        _type: 'inspection',
        name: INSPECTION_NAME,
        expected_materials: [...require, ...match, ['DISALLOW', 'outputs/*'], ['DISALLOW', 'exports/*']],
        expected_products: [['ALLOW', '*']],
        run: ['true'],
      },
    ],
  };
}

/** The file a link is stored under: `<step name>.<first 8 hex of the functionary keyid>.link` (in-toto FILENAME_FORMAT). */
export function linkFileName(stepId: string, keyid: string): string {
  return `${stepId}.${keyid.slice(0, 8)}.link`;
}

/** in-toto's expiry format (securesystemslib ISO8601_DATETIME_SCHEMA): seconds, Z. */
export function inTotoTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
