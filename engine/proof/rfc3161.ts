// RFC 3161 time-stamp tokens, checked (FORMATS.md "Time anchor"): the one function `pcq verify`, the
// browser verifier and the seal-time client use, pure and built on pkijs/asn1js's public API with
// WebCrypto (Node and browsers alike). Every byte is hostile: sizes are bounded before parsing, the
// DER must be exactly one value, and every failure is a reason string, never a throw.
//
// What a token must be (RFC 3161 §2.4.2, RFC 5652, RFC 5816): a CMS ContentInfo of SignedData whose
// encapsulated content is a TSTInfo (id-ct-TSTInfo), exactly one SignerInfo with signed attributes
// (content type id-ct-TSTInfo, the message digest of the TSTInfo, and an ESS signing-certificate
// attribute, v1 or v2, naming the signer's certificate by hash); the signer's certificate is in the
// token (the request asks for it: certReq) and carries exactly one extended key usage, timeStamping,
// marked critical (§2.3); the messageImprint is SHA-256 over the expected bytes; the signature
// verifies; and, when trust is given, the chain leads to one of the trusted certificates at genTime.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual, fromBase64, toHex } from './bytes.ts';

/** A stored token larger than this is refused before parsing (a real one is 1–8 KiB). */
export const MAX_TOKEN_BYTES = 32 * 1024;
/** Trust certificates larger than this are refused before parsing. */
export const MAX_CERT_BYTES = 16 * 1024;

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha1: '1.3.14.3.2.26',
  extKeyUsage: '2.5.29.37',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  commonName: '2.5.4.3',
} as const;

export interface TokenFacts {
  genTime: Date;
  /** The TSA's name: the signer certificate's subject (CN first), or the TSTInfo `tsa` field. */
  tsaName: string;
  serialNumber: string; // hex
  policy: string;
  nonce?: string; // hex
  /** sha256 of the signer certificate's DER, to name the TSA key. */
  signerCertSha256: string;
}

export type TokenCheck = { ok: true; facts: TokenFacts; trusted: boolean } | { ok: false; reason: string; untrusted?: boolean; facts?: TokenFacts };

export interface TokenExpectation {
  /** The stamped bytes: the messageImprint must carry their SHA-256. */
  data: Uint8Array;
  /** DER certificates the chain must lead to; undefined: not checked (`trusted: false`). */
  trust?: readonly Uint8Array[];
  /** The nonce the request carried (seal time only: a stored token is checked without). */
  nonce?: Uint8Array;
}

const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** One DER value, nothing before or after it. */
function parseDer(bytes: Uint8Array): asn1js.AsnType | undefined {
  const parsed = asn1js.fromBER(buffer(bytes));
  if (parsed.offset === -1 || parsed.offset !== bytes.length) return undefined;
  return parsed.result;
}

/** Parses DER certificates (the TSA trust); a bad one is an error naming its index. */
export function parseTrustCertificates(certs: readonly Uint8Array[]): pkijs.Certificate[] | string {
  const out: pkijs.Certificate[] = [];
  for (const [i, der] of certs.entries()) {
    if (der.length > MAX_CERT_BYTES) return `trust certificate ${i + 1} is larger than ${MAX_CERT_BYTES} bytes`;
    try {
      const asn = parseDer(der);
      if (!asn) return `trust certificate ${i + 1} is not one DER value`;
      out.push(new pkijs.Certificate({ schema: asn }));
    } catch (err) {
      return `trust certificate ${i + 1} does not parse: ${(err as Error).message}`;
    }
  }
  return out;
}

function nameOf(rdn: pkijs.RelativeDistinguishedNames): string {
  const parts = rdn.typesAndValues.map((tv) => ({ type: tv.type, value: String((tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value ?? '') }));
  const cn = parts.find((p) => p.type === OID.commonName);
  return (cn ? [cn, ...parts.filter((p) => p !== cn)] : parts).map((p) => (p.type === OID.commonName ? `CN=${p.value}` : `${p.type}=${p.value}`)).join(', ');
}

function integerHex(value: asn1js.Integer): string {
  return toHex(new Uint8Array(value.valueBlock.valueHexView));
}

/** RFC 3161 §2.3: exactly one EKU, timeStamping, and the extension critical. */
function ekuProblem(cert: pkijs.Certificate): string | undefined {
  const ext = (cert.extensions ?? []).filter((e) => e.extnID === OID.extKeyUsage);
  if (ext.length !== 1) return 'the signer certificate has no extended key usage extension';
  if (!ext[0]!.critical) return 'the extended key usage of the signer certificate is not critical';
  const eku = ext[0]!.parsedValue as pkijs.ExtKeyUsage | undefined;
  const purposes = eku?.keyPurposes ?? [];
  if (purposes.length !== 1 || purposes[0] !== OID.timeStamping) return 'the signer certificate is not for time-stamping only (EKU id-kp-timeStamping)';
  return undefined;
}

/** The signer's certificate among the token's, by the SignerInfo's sid. */
function findSigner(signed: pkijs.SignedData, info: pkijs.SignerInfo): pkijs.Certificate | undefined {
  const certs = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const sid = info.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  }
  return undefined; // subjectKeyIdentifier sids are not produced by the TSAs this reads; refused
}

/** The ESS signing-certificate attribute (v2 with SHA-256, or v1 with SHA-1) must name `cert`. */
async function essProblem(info: pkijs.SignerInfo, cert: pkijs.Certificate, crypto: pkijs.ICryptoEngine): Promise<string | undefined> {
  const attrs = info.signedAttrs?.attributes ?? [];
  const v2 = attrs.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attrs.find((a) => a.type === OID.signingCertificate);
  const attr = v2 ?? v1;
  if (!attr || attr.values.length !== 1) return 'the token has no ESS signing-certificate attribute (RFC 3161 §2.4.1, RFC 5816)';
  const der = new Uint8Array(cert.toSchema().toBER(false));
  try {
    const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const parts = first.valueBlock.value;
    let algorithm: string = v2 ? OID.sha256 : OID.sha1;
    let hash: asn1js.AsnType | undefined = parts[0];
    if (v2 && parts[0] instanceof asn1js.Sequence) {
      algorithm = (parts[0].valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
      hash = parts[1];
    }
    if (!(hash instanceof asn1js.OctetString)) return 'the ESS signing-certificate attribute is malformed';
    if (algorithm !== OID.sha256 && algorithm !== OID.sha1) return `the ESS signing-certificate attribute uses hash ${algorithm}`;
    const expected = new Uint8Array(await crypto.digest({ name: algorithm === OID.sha256 ? 'SHA-256' : 'SHA-1' }, der));
    if (!bytesEqual(new Uint8Array(hash.valueBlock.valueHexView), expected)) return 'the ESS signing-certificate attribute names another certificate';
  } catch {
    return 'the ESS signing-certificate attribute is malformed';
  }
  return undefined;
}

interface Decoded {
  signed: pkijs.SignedData;
  info: pkijs.SignerInfo;
  tst: pkijs.TSTInfo;
}

function decode(token: Uint8Array): Decoded | string {
  if (token.length === 0 || token.length > MAX_TOKEN_BYTES) return `the token is ${token.length} bytes (1–${MAX_TOKEN_BYTES} allowed)`;
  const asn = parseDer(token);
  if (!asn) return 'the token is not one DER value';
  const content = new pkijs.ContentInfo({ schema: asn });
  if (content.contentType !== OID.signedData) return `the token is not CMS SignedData (content type ${content.contentType})`;
  const signed = new pkijs.SignedData({ schema: content.content });
  if (signed.encapContentInfo.eContentType !== OID.tstInfo) return 'the signed content is not a TSTInfo (id-ct-TSTInfo)';
  if (signed.signerInfos.length !== 1) return `the token has ${signed.signerInfos.length} signers, expected 1`;
  const econtent = signed.encapContentInfo.eContent;
  if (!econtent) return 'the token carries no TSTInfo';
  const tstAsn = parseDer(new Uint8Array(econtent.getValue()));
  if (!tstAsn) return 'the TSTInfo is not one DER value';
  const tst = new pkijs.TSTInfo({ schema: tstAsn });
  return { signed, info: signed.signerInfos[0]!, tst };
}

function factsOf(d: Decoded, signer: pkijs.Certificate, signerSha256: string): TokenFacts {
  const tsaField = d.tst.tsa?.type === 4 ? nameOf(d.tst.tsa.value as pkijs.RelativeDistinguishedNames) : undefined;
  return {
    genTime: d.tst.genTime,
    tsaName: nameOf(signer.subject) || tsaField || '(unnamed)',
    serialNumber: integerHex(d.tst.serialNumber),
    policy: d.tst.policy,
    ...(d.tst.nonce ? { nonce: integerHex(d.tst.nonce) } : {}),
    signerCertSha256: signerSha256,
  };
}

/** Checks a TimeStampToken (DER) against what it must say; never throws. */
export async function checkTimeStampToken(token: Uint8Array, expect: TokenExpectation): Promise<TokenCheck> {
  try {
    return await check(token, expect);
  } catch (err) {
    return { ok: false, reason: `the token does not parse: ${(err as Error)?.message ?? String(err)}` };
  }
}

async function check(token: Uint8Array, expect: TokenExpectation): Promise<TokenCheck> {
  const crypto = pkijs.getCrypto(true);
  const d = decode(token);
  if (typeof d === 'string') return { ok: false, reason: d };
  if (d.tst.version !== 1) return { ok: false, reason: `TSTInfo version ${d.tst.version}, expected 1` };
  const mi = d.tst.messageImprint;
  if (mi.hashAlgorithm.algorithmId !== OID.sha256) return { ok: false, reason: `the messageImprint uses ${mi.hashAlgorithm.algorithmId}, expected SHA-256` };
  const signer = findSigner(d.signed, d.info);
  if (!signer) return { ok: false, reason: "the signer's certificate is not in the token (requested with certReq)" };
  const signerSha256 = toHex(new Uint8Array(await crypto.digest({ name: 'SHA-256' }, signer.toSchema().toBER(false))));
  const facts = factsOf(d, signer, signerSha256);
  const imprint = new Uint8Array(await crypto.digest({ name: 'SHA-256' }, buffer(expect.data)));
  if (!bytesEqual(new Uint8Array(mi.hashedMessage.valueBlock.valueHexView), imprint))
    return { ok: false, reason: 'the token stamps other bytes (messageImprint differs)', facts };
  if (expect.nonce !== undefined && (d.tst.nonce === undefined || !bytesEqual(new Uint8Array(d.tst.nonce.valueBlock.valueHexView), expect.nonce)))
    return { ok: false, reason: 'the reply does not carry the nonce of the request', facts };
  if (!d.info.signedAttrs) return { ok: false, reason: 'the token has no signed attributes', facts };
  const eku = ekuProblem(signer);
  if (eku) return { ok: false, reason: eku, facts };
  const ess = await essProblem(d.info, signer, crypto);
  if (ess) return { ok: false, reason: ess, facts };
  // The signature over the signed attributes, their message digest of the TSTInfo and content type,
  // and (pkijs, for id-ct-TSTInfo) the imprint against the data once more.
  const signatureOk = await d.signed.verify({ signer: 0, data: buffer(expect.data), checkChain: false, extendedMode: true }).then(
    (r) => r.signatureVerified === true,
    () => false,
  );
  if (!signatureOk) return { ok: false, reason: "the token's signature does not verify with its signer certificate", facts };
  if (expect.trust === undefined) return { ok: true, facts, trusted: false };
  const trusted = parseTrustCertificates(expect.trust);
  if (typeof trusted === 'string') return { ok: false, reason: trusted, untrusted: true, facts };
  // The engine checks the last certificate of `certs`: the signer, after any intermediates the token brings.
  const others = (d.signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate && c !== signer);
  const chain = new pkijs.CertificateChainValidationEngine({ trustedCerts: trusted, certs: [...others, signer], checkDate: facts.genTime });
  const result = await chain.verify().catch((err: Error) => ({ result: false, resultMessage: err.message }));
  if (!result.result)
    return { ok: false, reason: `the TSA certificate does not chain to the configured TSA trust at genTime: ${result.resultMessage}`, untrusted: true, facts };
  return { ok: true, facts, trusted: true };
}

/** The DER certificates of a PEM bundle (`-----BEGIN CERTIFICATE-----` blocks); other blocks are ignored. */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]{1,65536}?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const der = fromBase64(m[1]!.replace(/\s+/g, ''));
    if (der) out.push(der);
  }
  return out;
}
