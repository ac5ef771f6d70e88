// verdict.sig and verdict.pub. The signature is a DSSE signature (docs/design.md §5: every signature is
// one): Ed25519 over PAE("application/vnd.pcq.verdict+json", JCS(score)) (DSSE protocol.md,
// RFC 8785), written as standard base64 and a newline. verdict.pub names the key twice, as its
// Stellar strkey (the keyid everywhere in pcq) and as raw hex (for tools that know no strkeys):
//   G…\n<64 lower-case hex>\n
import { toBase64, toHex, fromBase64, utf8 } from '../proof/bytes.ts';
import { canonicalize } from '../proof/jcs.ts';
import { pae } from '../proof/pae.ts';
import type { Ed25519Verify, Signer } from '../base/signer.ts';
import { decodeStrKey, tryDecodeStrKey } from '../proof/strkey.ts';
import type { Score } from './score.ts';

export const VERDICT_PAYLOAD_TYPE = 'application/vnd.pcq.verdict+json';

export function verdictMessage(score: Score | unknown): Uint8Array {
  return pae(VERDICT_PAYLOAD_TYPE, utf8(canonicalize(score)));
}

export async function signVerdict(score: Score, signer: Signer): Promise<string> {
  return toBase64(await signer.sign(verdictMessage(score))) + '\n';
}

export function verdictPubText(keyid: string): string {
  return `${keyid}\n${toHex(decodeStrKey('public', keyid))}\n`;
}

/** The key in verdict.pub, or a problem: the strkey must decode and the hex (if given) must agree. */
export function parseVerdictPub(text: string): { keyid: string; publicKey: Uint8Array } | { problem: string } {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length < 1 || lines.length > 2) return { problem: 'verdict.pub must hold a G… key and optionally its hex, one per line' };
  const publicKey = tryDecodeStrKey('public', lines[0]);
  if (!publicKey) return { problem: 'the first line of verdict.pub is not a valid G… Stellar public key' };
  if (lines.length === 2 && lines[1]!.toLowerCase() !== toHex(publicKey)) return { problem: 'the hex line of verdict.pub does not match its G… key' };
  return { keyid: lines[0]!, publicKey };
}

/** Whether verdict.sig is a valid signature of the score by the key; never throws. */
export async function checkVerdictSignature(score: unknown, sigText: string, publicKey: Uint8Array, verify: Ed25519Verify): Promise<boolean> {
  const sig = fromBase64(sigText.trim());
  if (!sig || sig.length !== 64) return false;
  try {
    return await verify(publicKey, verdictMessage(score), sig);
  } catch {
    return false;
  }
}
