// A loopback RFC 3161 time-stamping authority for tests, built with pkijs/asn1js (maintained
// libraries, the same ones a TSA written in JavaScript would use): a real root CA and a TSA
// certificate (EKU id-kp-timeStamping, critical; keyUsage digitalSignature), ECDSA P-256 keys, and
// an HTTP endpoint on 127.0.0.1 answering `application/timestamp-query` with
// `application/timestamp-reply` (RFC 3161 §3.4). The TSTInfo is signed as CMS SignedData with the
// signed attributes RFC 3161 §2.4.2 and RFC 5816 ask for (content type, message digest, ESS
// signing-certificate-v2), so `openssl ts -verify` accepts its tokens. The test that starts it stops it.
import { createServer, type Server } from 'node:http';
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from '../proof/rfc3161.ts';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const subtle = webcrypto.subtle as unknown as SubtleCrypto;

export interface TestTsaPki {
  caCert: pkijs.Certificate;
  caDer: Uint8Array;
  caPem: string;
  tsaCert: pkijs.Certificate;
  tsaDer: Uint8Array;
  tsaKey: CryptoKey;
}

export interface TsaBehaviour {
  /** Answer with this PKIStatus (0 granted, 2 rejection) instead of granting. */
  status?: number;
  /** Stamp this time instead of the clock. */
  genTime?: Date;
  /** Put this nonce in the reply instead of the request's. */
  nonce?: bigint;
  /** Stamp these SHA-256 bytes instead of the request's imprint. */
  imprint?: Uint8Array;
  /** Leave the TSA certificate out even when certReq asks for it. */
  omitCertificate?: boolean;
  /** Sign with a certificate lacking the timeStamping EKU (a fresh CA and certificate). */
  withoutEku?: boolean;
  /** Answer HTTP 503. */
  unavailable?: boolean;
}

export interface LoopbackTsa {
  url: string;
  pki: TestTsaPki;
  /** The requests received (DER TimeStampReq). */
  requests: Uint8Array[];
  behaviour: TsaBehaviour;
  stop(): Promise<void>;
}

const der = (obj: { toSchema(): { toBER(sizeOnly?: boolean): ArrayBuffer } }): Uint8Array => new Uint8Array(obj.toSchema().toBER(false));

export function toPem(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function name(cn: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [new pkijs.AttributeTypeAndValue({ type: OID.commonName, value: new asn1js.Utf8String({ value: cn }) })],
  });
}

function keyUsage(bits: number, unused: number): pkijs.Extension {
  const value = new asn1js.BitString({ valueHex: new Uint8Array([bits]).buffer, unusedBits: unused });
  return new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: value.toBER(false) });
}

async function certificate(opts: {
  serial: number;
  subject: string;
  issuer: string;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  ca: boolean;
  eku: boolean;
  notBefore: Date;
  notAfter: Date;
}): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: opts.serial });
  cert.subject = name(opts.subject);
  cert.issuer = name(opts.issuer);
  cert.notBefore.value = opts.notBefore;
  cert.notAfter.value = opts.notAfter;
  const extensions: pkijs.Extension[] = [];
  const bc = new pkijs.BasicConstraints({ cA: opts.ca });
  extensions.push(new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: bc.toSchema().toBER(false), parsedValue: bc }));
  // CA: keyCertSign + cRLSign (bits 5, 6); TSA: digitalSignature (bit 0) only, as OpenSSL's timestamp purpose wants.
  extensions.push(opts.ca ? keyUsage(0x06, 1) : keyUsage(0x80, 7));
  if (opts.eku) {
    const eku = new pkijs.ExtKeyUsage({ keyPurposes: [OID.timeStamping] });
    extensions.push(new pkijs.Extension({ extnID: OID.extKeyUsage, critical: true, extnValue: eku.toSchema().toBER(false), parsedValue: eku }));
  }
  cert.extensions = extensions;
  await cert.subjectPublicKeyInfo.importKey(opts.publicKey);
  await cert.sign(opts.signingKey, 'SHA-256');
  return cert;
}

/** A fresh root CA and TSA certificate, valid from a day ago for a year. */
export async function createTestTsaPki(opts: { eku?: boolean; notBefore?: Date } = {}): Promise<TestTsaPki> {
  const notBefore = opts.notBefore ?? new Date(Date.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 366 * 86_400_000);
  const ca = (await subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const tsa = (await subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await certificate({
    serial: 1,
    subject: 'pcq test TSA root',
    issuer: 'pcq test TSA root',
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    ca: true,
    eku: false,
    notBefore,
    notAfter,
  });
  const tsaCert = await certificate({
    serial: 2,
    subject: 'pcq loopback TSA',
    issuer: 'pcq test TSA root',
    publicKey: tsa.publicKey,
    signingKey: ca.privateKey,
    ca: false,
    eku: opts.eku ?? true,
    notBefore,
    notAfter,
  });
  const caDer = der(caCert);
  return { caCert, caDer, caPem: toPem(caDer), tsaCert, tsaDer: der(tsaCert), tsaKey: tsa.privateKey };
}

let serial = 1000;

/** Signs a TSTInfo for `request` as a TimeStampToken (ContentInfo of SignedData); DER. */
export async function issueToken(pki: TestTsaPki, request: pkijs.TimeStampReq, behaviour: TsaBehaviour = {}): Promise<Uint8Array> {
  const imprint = behaviour.imprint
    ? new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
        hashedMessage: new asn1js.OctetString({ valueHex: behaviour.imprint.slice().buffer }),
      })
    : request.messageImprint;
  const nonce = behaviour.nonce !== undefined ? new asn1js.Integer({ value: Number(behaviour.nonce) }) : request.nonce;
  const tst = new pkijs.TSTInfo({
    version: 1,
    policy: '1.3.6.1.4.1.99999.3161.1',
    messageImprint: imprint,
    serialNumber: new asn1js.Integer({ value: serial++ }),
    genTime: behaviour.genTime ?? new Date(Math.floor(Date.now() / 1000) * 1000),
    ...(nonce ? { nonce } : {}),
    tsa: new pkijs.GeneralName({ type: 4, value: pki.tsaCert.subject }),
  });
  const tstDer = der(tst);
  const digest = new Uint8Array(await subtle.digest('SHA-256', tstDer.slice().buffer));
  const certHash = new Uint8Array(await subtle.digest('SHA-256', pki.tsaDer.slice().buffer));
  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; ESSCertIDv2 with the default
  // hash algorithm (SHA-256) omitted, as DER requires (RFC 5035 §3).
  const essV2 = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: certHash.buffer })] })] })],
  });
  const info = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: pki.tsaCert.issuer, serialNumber: pki.tsaCert.serialNumber }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({
      type: 0,
      attributes: [
        new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
        new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: digest.buffer })] }),
        new pkijs.Attribute({ type: OID.signingCertificateV2, values: [essV2] }),
      ],
    }),
  });
  const signed = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo, eContent: new asn1js.OctetString({ valueHex: tstDer.buffer }) }),
    signerInfos: [info],
    ...(request.certReq && !behaviour.omitCertificate ? { certificates: [pki.tsaCert] } : {}),
  });
  await signed.sign(pki.tsaKey, 0, 'SHA-256');
  const content = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
  return der(content);
}

/** A TimeStampResp (DER) for a request (DER), or a rejection. */
export async function answer(pki: TestTsaPki, requestDer: Uint8Array, behaviour: TsaBehaviour): Promise<Uint8Array> {
  let request: pkijs.TimeStampReq;
  try {
    request = new pkijs.TimeStampReq({ schema: asn1js.fromBER(requestDer.slice().buffer).result });
  } catch {
    return der(new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: 2 }) })); // badDataFormat → rejection
  }
  if (behaviour.status !== undefined && behaviour.status !== 0)
    return der(new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: behaviour.status }) }));
  const token = await issueToken(pki, request, behaviour);
  const content = new pkijs.ContentInfo({ schema: asn1js.fromBER(token.slice().buffer).result });
  return der(new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: 0 }), timeStampToken: content }));
}

/** Starts the TSA on 127.0.0.1 (a free port). */
export async function startLoopbackTsa(opts: { pki?: TestTsaPki; behaviour?: TsaBehaviour } = {}): Promise<LoopbackTsa> {
  const pki = opts.pki ?? (await createTestTsaPki());
  const behaviour: TsaBehaviour = opts.behaviour ?? {};
  const requests: Uint8Array[] = [];
  let eku: TestTsaPki | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        if (behaviour.unavailable) return void res.writeHead(503).end();
        if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query' || size > 64 * 1024) return void res.writeHead(400).end();
        const body = new Uint8Array(Buffer.concat(chunks));
        requests.push(body);
        let signer = pki;
        if (behaviour.withoutEku) {
          eku ??= await createTestTsaPki({ eku: false });
          signer = eku;
        }
        const reply = await answer(signer, body, behaviour);
        res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': reply.length }).end(Buffer.from(reply));
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/tsa`,
    pki,
    requests,
    behaviour,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
