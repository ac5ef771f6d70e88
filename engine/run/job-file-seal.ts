// A job file leaves its runner as a workflow artifact, which anyone who can read the repository may
// download, and comes back as input to later jobs. It carries every step's values, private steps'
// included (model/private-steps.ts: private by default), so it travels sealed: AES-256-GCM under a
// key only a holder of the runner's signing key can derive (engine/FORMATS.md "Job files").
//
// The key is HKDF-SHA256 over the runner's Ed25519 signature of a domain-separated statement of
// the run (runbook digest, asOf, inputs). Ed25519 signatures are deterministic (RFC 8032 §5.1.6),
// so every job of the run, on any runner holding the key (the workflow's secret, or the dev key each
// local job folder copies), derives the same key, while the signature itself is never published: no
// signed record pcq writes has this statement's domain. Any signer port works (file, env,
// PKCS#11), as none needs to expose the key. GCM also authenticates: an altered, truncated or
// foreign job file fails to open and is refused before a byte of it is parsed as a step.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { PcqError } from '../base/errors.ts';
import type { Signer } from '../base/signer.ts';
import { canonicalize } from '../proof/jcs.ts';

export const SEALED_JOB_FILE_FORMAT = 'pcq-job-sealed/v1';

export interface JobRun {
  runbookDigest: string;
  asOf: string;
  inputs: Record<string, unknown>;
}

/** The per-run job file key (32 bytes), derived from the runner key's signature over the run. */
export async function jobFileKey(signer: Signer, run: JobRun): Promise<Buffer> {
  const statement = `pcq-job-file-key/v1\n${canonicalize({ runbookDigest: run.runbookDigest, asOf: run.asOf, inputs: run.inputs })}`;
  const signature = await signer.sign(new TextEncoder().encode(statement));
  return Buffer.from(hkdfSync('sha256', signature, Buffer.alloc(0), 'pcq job file aes-256-gcm', 32));
}

/** The header is authenticated (GCM additional data) and names the run and the job in clear. */
function header(run: JobRun, job: string, keyid: string): string {
  return canonicalize({ format: SEALED_JOB_FILE_FORMAT, runbookDigest: run.runbookDigest, asOf: run.asOf, job, keyid });
}

export function sealJobText(plain: string, key: Buffer, run: JobRun, job: string, keyid: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(header(run, job, keyid)));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const sealed = {
    format: SEALED_JOB_FILE_FORMAT,
    runbookDigest: run.runbookDigest,
    asOf: run.asOf,
    job,
    keyid,
    nonce: nonce.toString('base64'),
    ciphertext: Buffer.concat([body, cipher.getAuthTag()]).toString('base64'),
  };
  return JSON.stringify(sealed);
}

const refuse = (file: string, why: string): PcqError =>
  new PcqError({
    code: 'PCQ_JOB_FILE_INVALID',
    message: `${file}: ${why}`,
    hint: "Pass the job files of this run only, as the compiled workflow hands them on (pcq compile), on runners holding the run's signing key.",
  });

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Opens a sealed job file of this run; refuses anything else (wrong run, key or bytes) with PCQ_JOB_FILE_INVALID. */
export function openJobText(text: string, file: string, key: Buffer, run: JobRun, keyid: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse(file, 'not JSON');
  }
  const v = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || v.format !== SEALED_JOB_FILE_FORMAT)
    throw refuse(file, `not a ${SEALED_JOB_FILE_FORMAT} file`);
  if (typeof v.job !== 'string' || typeof v.nonce !== 'string' || typeof v.ciphertext !== 'string' || !B64.test(v.nonce) || !B64.test(v.ciphertext)) {
    throw refuse(file, 'its envelope is malformed');
  }
  if (v.runbookDigest !== run.runbookDigest || v.asOf !== run.asOf) throw refuse(file, 'it belongs to another run (runbook digest or asOf differ)');
  if (v.keyid !== keyid) throw refuse(file, `it was sealed by runner key ${String(v.keyid)}, not this runner's ${keyid}`);
  const nonce = Buffer.from(v.nonce, 'base64');
  const data = Buffer.from(v.ciphertext, 'base64');
  if (nonce.length !== 12 || data.length < 16) throw refuse(file, 'its envelope is malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(header(run, v.job, keyid)));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw refuse(file, 'it does not open under this run’s key (altered, or sealed for other inputs)');
  }
}
