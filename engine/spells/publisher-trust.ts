// The publisher trust store (seed 004 §11–§12): one file per publisher under policies/publishers/
// (`<publisher>.yaml`), listing its keys with a per-key lifecycle — `active` or `revoked`. Revoking
// or restoring a key keeps the file; removing the last key deletes it. A revoked key is never used
// to verify: a signature naming one fails with PCQ_SPELL_KEY_REVOKED.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import { readYamlSource } from '../model/yaml-source.ts';
import { isPublicStrKey, decodeStrKey } from '../proof/strkey.ts';
import { sha256Node } from '../proof/hash-node.ts';
import { toHex } from '../proof/bytes.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { KEY_ID, PUBLISHER } from './signature.ts';

export const PUBLISHERS_DIR = 'policies/publishers';

export type KeyStatus = 'active' | 'revoked';

export interface PublisherKey {
  key_id: string;
  algorithm: 'ed25519';
  public_key: string; // G…
  status: KeyStatus;
}

export interface PublisherTrust {
  publisher: string;
  keys: PublisherKey[];
  file: string; // repository-relative
}

export function publisherFile(publisher: string): string {
  return `${PUBLISHERS_DIR}/${publisher}.yaml`;
}

/** Short fingerprint of a key: the first 16 hex digits of sha256 of its raw 32 bytes, in groups of 4. */
export function keyFingerprint(publicKey: string): string {
  const hex = toHex(sha256Node(decodeStrKey('public', publicKey))).slice(0, 16);
  return hex.match(/.{4}/g)!.join(':');
}

export function parsePublisherTrust(text: string, file: string, expectedPublisher?: string): PublisherTrust {
  const src = readYamlSource(text, file);
  if (src.value === undefined) throw new PcqErrors(src.issues);
  const issues: PcqIssue[] = [...src.issues];
  const bad = (path: Array<string | number>, message: string): void => {
    issues.push({
      code: 'PCQ_PUBLISHER_TRUST_INVALID',
      message: `${file}: ${message}`,
      hint: 'Manage publisher files with `pcq trust add|revoke-key|restore-key|remove-key`.',
      location: src.locate(path),
    });
  };
  const v = src.value as Record<string, unknown> | null;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    bad([], 'expected a mapping with publisher and keys');
    throw new PcqErrors(issues);
  }
  for (const k of Object.keys(v)) if (k !== 'publisher' && k !== 'keys') bad([k], `unknown field "${k}"`);
  if (typeof v.publisher !== 'string' || !PUBLISHER.test(v.publisher)) bad(['publisher'], 'publisher must be lower-case letters, digits, ".", "_" or "-"');
  else if (expectedPublisher !== undefined && v.publisher !== expectedPublisher)
    bad(['publisher'], `names publisher "${v.publisher}" but the file is for "${expectedPublisher}"`);
  const keys: PublisherKey[] = [];
  if (!Array.isArray(v.keys) || v.keys.length === 0) bad(['keys'], 'keys must be a non-empty list');
  else {
    const seen = new Set<string>();
    v.keys.forEach((raw, i) => {
      const k = raw as Record<string, unknown> | null;
      if (k === null || typeof k !== 'object' || Array.isArray(k)) return bad(['keys', i], 'each key is a mapping');
      for (const f of Object.keys(k)) if (!['key_id', 'algorithm', 'public_key', 'status'].includes(f)) bad(['keys', i, f], `unknown field "${f}"`);
      if (typeof k.key_id !== 'string' || !KEY_ID.test(k.key_id)) return bad(['keys', i, 'key_id'], 'key_id must be letters, digits, ".", "_" or "-"');
      if (seen.has(k.key_id)) return bad(['keys', i, 'key_id'], `key_id ${k.key_id} is listed twice`);
      seen.add(k.key_id);
      if (k.algorithm !== 'ed25519') return bad(['keys', i, 'algorithm'], 'algorithm must be ed25519');
      if (!isPublicStrKey(k.public_key)) return bad(['keys', i, 'public_key'], 'public_key must be a G… Ed25519 key');
      if (k.status !== 'active' && k.status !== 'revoked') return bad(['keys', i, 'status'], 'status must be active or revoked');
      keys.push({ key_id: k.key_id, algorithm: 'ed25519', public_key: k.public_key as string, status: k.status });
    });
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return { publisher: v.publisher as string, keys, file };
}

export function renderPublisherTrust(trust: PublisherTrust): string {
  const header = `# Publisher trust for ${trust.publisher} (seed 004 §11): keys whose signatures on spell bundles pcq accepts.\n# Managed with \`pcq trust add|revoke-key|restore-key|remove-key\`; status: active | revoked.\n`;
  return (
    header +
    stringify(
      { publisher: trust.publisher, keys: trust.keys.map((k) => ({ key_id: k.key_id, algorithm: k.algorithm, public_key: k.public_key, status: k.status })) },
      { lineWidth: 0 },
    )
  );
}

export async function loadPublisher(root: string, publisher: string): Promise<PublisherTrust | undefined> {
  if (!PUBLISHER.test(publisher)) return undefined;
  const file = publisherFile(publisher);
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PcqError({ code: 'PCQ_POLICY_UNREADABLE', message: `cannot read ${file}: ${(err as Error).message}`, hint: 'Check the file permissions.' });
  }
  return parsePublisherTrust(text, file, publisher);
}

export async function loadAllPublishers(root: string): Promise<PublisherTrust[]> {
  let names: string[];
  try {
    names = (await readdir(join(root, PUBLISHERS_DIR))).filter((n) => n.endsWith('.yaml')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: PublisherTrust[] = [];
  const issues: PcqIssue[] = [];
  for (const name of names) {
    const publisher = name.slice(0, -'.yaml'.length);
    if (!PUBLISHER.test(publisher)) {
      issues.push({
        code: 'PCQ_PUBLISHER_TRUST_INVALID',
        message: `${PUBLISHERS_DIR}/${name}: the file name is not a publisher name`,
        hint: 'Name the file <publisher>.yaml (lower-case letters, digits, ".", "_", "-").',
      });
      continue;
    }
    try {
      out.push((await loadPublisher(root, publisher))!);
    } catch (err) {
      if (err instanceof PcqErrors) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return out;
}

async function save(root: string, trust: PublisherTrust): Promise<void> {
  await writeFileAtomic(join(root, trust.file), renderPublisherTrust(trust));
}

function notFound(publisher: string, keyId?: string): PcqError {
  return new PcqError({
    code: 'PCQ_PUBLISHER_KEY_NOT_FOUND',
    message: keyId === undefined ? `no trust file for publisher ${publisher}` : `publisher ${publisher} has no key ${keyId}`,
    hint: 'List what is trusted with `pcq trust list`.',
  });
}

/** `pcq trust add`: adds an active key (creating the publisher file); refuses a key_id already listed. */
export async function addPublisherKey(root: string, input: { publisher: string; keyId: string; publicKey: string }): Promise<PublisherTrust> {
  const usage = (message: string): PcqError => new PcqError({ code: 'PCQ_USAGE', message, hint: 'Run `pcq trust --help`.' });
  if (!PUBLISHER.test(input.publisher)) throw usage(`publisher "${input.publisher}" must be lower-case letters, digits, ".", "_" or "-"`);
  if (!KEY_ID.test(input.keyId)) throw usage(`key_id "${input.keyId}" must be letters, digits, ".", "_" or "-"`);
  if (!isPublicStrKey(input.publicKey)) throw usage('the public key must be a G… Ed25519 key');
  const trust = (await loadPublisher(root, input.publisher)) ?? { publisher: input.publisher, keys: [], file: publisherFile(input.publisher) };
  if (trust.keys.some((k) => k.key_id === input.keyId)) throw usage(`publisher ${input.publisher} already has a key ${input.keyId}`);
  trust.keys.push({ key_id: input.keyId, algorithm: 'ed25519', public_key: input.publicKey, status: 'active' });
  await save(root, trust);
  return trust;
}

export async function setPublisherKeyStatus(
  root: string,
  publisher: string,
  keyId: string,
  status: KeyStatus,
): Promise<{ trust: PublisherTrust; changed: boolean }> {
  const trust = await loadPublisher(root, publisher);
  if (!trust) throw notFound(publisher);
  const key = trust.keys.find((k) => k.key_id === keyId);
  if (!key) throw notFound(publisher, keyId);
  const changed = key.status !== status;
  key.status = status;
  if (changed) await save(root, trust);
  return { trust, changed };
}

/** Removes one key; removing the last key deletes the publisher file (seed 004 §12). */
export async function removePublisherKey(root: string, publisher: string, keyId: string): Promise<{ fileDeleted: boolean }> {
  const trust = await loadPublisher(root, publisher);
  if (!trust) throw notFound(publisher);
  if (!trust.keys.some((k) => k.key_id === keyId)) throw notFound(publisher, keyId);
  trust.keys = trust.keys.filter((k) => k.key_id !== keyId);
  if (trust.keys.length === 0) {
    await rm(join(root, trust.file));
    return { fileDeleted: true };
  }
  await save(root, trust);
  return { fileDeleted: false };
}
