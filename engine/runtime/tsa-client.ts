// The RFC 3161 client (FORMATS.md "Time anchor"): asks the configured TSA to stamp a SHA-256 and
// checks the reply before anything keeps it: HTTP POST `application/timestamp-query` →
// `application/timestamp-reply` (RFC 3161 §3.4), a fresh 64-bit nonce and certReq, status granted,
// and the token itself through proof/rfc3161.ts (imprint, nonce, signature, EKU, ESS certificate,
// chain to the configured TSA trust at genTime), the same check `pcq verify` makes later.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PcqError } from '../base/errors.ts';
import { checkTimeStampToken, MAX_TOKEN_BYTES, OID, type TokenFacts } from '../proof/rfc3161.ts';
import { createHash, randomBytes } from 'node:crypto';

export interface TsaRequestOptions {
  url: string;
  /** DER certificates the TSA must chain to. */
  trust: readonly Uint8Array[];
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface StampResult {
  token: Uint8Array;
  facts: TokenFacts;
}

/** RFC 3161 §2.4.1 TimeStampReq for a SHA-256 imprint, with a positive 64-bit nonce and certReq. */
export function buildTimeStampRequest(imprint: Uint8Array, nonce: Uint8Array): Uint8Array {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: imprint.slice().buffer }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce.slice().buffer }),
    certReq: true,
  });
  return new Uint8Array(req.toSchema().toBER(false));
}

/** 8 random bytes as a minimal positive DER INTEGER body (top bit clear, first byte non-zero). */
export function freshNonce(): Uint8Array {
  const nonce = new Uint8Array(randomBytes(8));
  nonce[0] = (nonce[0]! & 0x7f) | 0x40;
  return nonce;
}

const unavailable = (url: string, why: string): PcqError =>
  new PcqError({
    code: 'PCQ_TSA_UNAVAILABLE',
    message: `the time-stamping authority ${url} did not stamp the manifest: ${why}`,
    hint: 'Check timeAnchor.tsaUrl (PCQ_TSA_URL) and that the TSA is reachable.',
  });

/** Asks the TSA to stamp the SHA-256 of `data` and checks the reply; throws PCQ_TSA_UNAVAILABLE or PCQ_TIME_ANCHOR_INVALID. */
export async function requestTimeStamp(data: Uint8Array, opts: TsaRequestOptions): Promise<StampResult> {
  const imprint = new Uint8Array(createHash('sha256').update(data).digest());
  const nonce = freshNonce();
  const body = buildTimeStampRequest(imprint, nonce);
  let reply: Uint8Array;
  try {
    const res = await (opts.fetch ?? fetch)(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: Buffer.from(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'error',
    });
    if (res.status !== 200) throw unavailable(opts.url, `HTTP ${res.status}`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/timestamp-reply') throw unavailable(opts.url, `the reply is ${type || 'untyped'}, not application/timestamp-reply`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_TOKEN_BYTES + 1024) throw unavailable(opts.url, `the reply is ${bytes.length} bytes`);
    reply = bytes;
  } catch (err) {
    if (err instanceof PcqError) throw err;
    throw unavailable(opts.url, (err as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (err as Error).message);
  }
  const token = readReply(reply, opts.url);
  const checked = await checkTimeStampToken(token, { data, trust: opts.trust, nonce });
  if (!checked.ok) {
    throw new PcqError({
      code: checked.untrusted ? 'PCQ_TIME_ANCHOR_UNTRUSTED' : 'PCQ_TIME_ANCHOR_INVALID',
      message: `the time-stamping authority ${opts.url} answered with a token that does not check: ${checked.reason}`,
      hint: 'Check that timeAnchor.trust (PCQ_TSA_TRUST) holds the certificate of the CA that issued this TSA’s certificate.',
    });
  }
  return { token, facts: checked.facts };
}

/** The token of a granted TimeStampResp (DER), or PCQ_TSA_UNAVAILABLE. */
function readReply(reply: Uint8Array, url: string): Uint8Array {
  let resp: pkijs.TimeStampResp;
  try {
    const parsed = asn1js.fromBER(reply.slice().buffer);
    if (parsed.offset !== reply.length) throw new Error('not one DER value');
    resp = new pkijs.TimeStampResp({ schema: parsed.result });
  } catch (err) {
    throw unavailable(url, `the reply is not a TimeStampResp (${(err as Error).message})`);
  }
  const status = resp.status.status;
  // RFC 3161 §2.4.2: granted (0) or grantedWithMods (1) carry a token; anything else is a refusal.
  if (status !== 0 && status !== 1)
    throw unavailable(url, `status ${status} (${resp.status.statusStrings?.map((s) => s.valueBlock.value).join('; ') ?? 'no text'})`);
  if (!resp.timeStampToken) throw unavailable(url, 'status granted but no token');
  return new Uint8Array(resp.timeStampToken.toSchema().toBER(false));
}
