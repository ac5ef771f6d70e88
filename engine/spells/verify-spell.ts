// The signature policy for one spell (seed 004 §11; docs/design.md §7), decided before any step
// starts. A spell must carry a signature by an active key of a publisher in the trust store; the
// explicit opt-out `--allow-unsigned` admits a bundle WITHOUT a signature (never a bad one), and
// is recorded; a button's `require_signature: true` and PCQ_FORCE_REQUIRE_SIGNATURE=true take the
// opt-out away. Each refusal has its own code:
//   PCQ_SPELL_UNSIGNED          no spell.sig.json and no opt-out
//   PCQ_SPELL_SIGNATURE_REQUIRED no spell.sig.json, opt-out given, but a button or the force switch requires one
//   PCQ_SPELL_TAMPERED          the bundle's digest is not the one signed (a byte changed, a file added/removed)
//   PCQ_SPELL_KEY_UNKNOWN       the publisher or its key_id is not in policies/publishers/
//   PCQ_SPELL_KEY_REVOKED       the key is revoked
//   PCQ_SPELL_SIGNATURE_INVALID spell.sig.json is malformed or its signature does not verify with the trusted key
import { PcqError } from '../base/errors.ts';
import { decodeStrKey } from '../proof/strkey.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { fromBase64 } from '../proof/bytes.ts';
import { bundleDigest, bundleFile, SIGNATURE_FILE, type Bundle } from './bundle.ts';
import { parseSignature, signedMessage } from './signature.ts';
import { loadPublisher, publisherFile } from './publisher-trust.ts';

export interface SignaturePolicy {
  allowUnsigned: boolean;
  /** Why a signature is required whatever the opt-out says: the button, the force switch. */
  requiredBy: string[];
}

/** The signed record of the check (the step predicate's `spell.signature`). */
export interface SignatureResult {
  result: 'verified' | 'unsigned-allowed';
  publisher: string | null;
  keyId: string | null;
  publicKey: string | null;
  allowUnsigned: boolean;
}

export async function checkSpellSignature(input: {
  root: string;
  bundle: Bundle;
  id: string;
  version: string;
  policy: SignaturePolicy;
}): Promise<{ digest: string; signature: SignatureResult }> {
  const { bundle, id, version, policy } = input;
  const where = `${id}@${version}`;
  const digest = bundleDigest(bundle.files);
  const sigBytes = bundleFile(bundle, SIGNATURE_FILE);
  if (!sigBytes) {
    if (policy.requiredBy.length > 0) {
      throw new PcqError({
        code: 'PCQ_SPELL_SIGNATURE_REQUIRED',
        message: `spell ${where} is unsigned and a signature is required by ${policy.requiredBy.join(' and ')}${policy.allowUnsigned ? '; --allow-unsigned cannot override it' : ''}`,
        hint: 'Sign the bundle (`pcq sign bundle`) with a key of a publisher in policies/publishers/.',
        details: { spell: where, requiredBy: policy.requiredBy },
      });
    }
    if (!policy.allowUnsigned) {
      throw new PcqError({
        code: 'PCQ_SPELL_UNSIGNED',
        message: `spell ${where} has no ${SIGNATURE_FILE}`,
        hint: 'Sign it with `pcq sign bundle`, or run with --allow-unsigned (recorded in the attestation).',
        details: { spell: where },
      });
    }
    return { digest, signature: { result: 'unsigned-allowed', publisher: null, keyId: null, publicKey: null, allowUnsigned: true } };
  }
  const sig = parseSignature(sigBytes, where);
  if (sig.bundleDigest !== digest) {
    throw new PcqError({
      code: 'PCQ_SPELL_TAMPERED',
      message: `spell ${where}: the bundle's digest ${digest} is not the signed ${sig.bundleDigest}: a file was changed, added or removed after signing`,
      hint: 'Do not run it. Restore the bundle from its publisher, or have the publisher sign the new content.',
      details: { spell: where, computed: digest, signed: sig.bundleDigest },
    });
  }
  const trust = await loadPublisher(input.root, sig.publisher);
  const key = trust?.keys.find((k) => k.key_id === sig.key_id);
  if (!trust || !key) {
    throw new PcqError({
      code: 'PCQ_SPELL_KEY_UNKNOWN',
      message: `spell ${where} is signed by ${sig.publisher}/${sig.key_id}, which ${trust ? `${publisherFile(sig.publisher)} does not list` : 'has no trust file'}`,
      hint: `Trust the publisher's key with \`pcq trust add --publisher ${sig.publisher} --key-id ${sig.key_id} --public-key G…\` after checking it out of band.`,
      details: { spell: where, publisher: sig.publisher, keyId: sig.key_id },
    });
  }
  if (key.status === 'revoked') {
    throw new PcqError({
      code: 'PCQ_SPELL_KEY_REVOKED',
      message: `spell ${where} is signed by ${sig.publisher}/${sig.key_id}, a revoked key`,
      hint: 'Ask the publisher for a bundle signed with an active key; never restore a key that was revoked because it leaked.',
      details: { spell: where, publisher: sig.publisher, keyId: sig.key_id },
    });
  }
  const ok = await nodeVerify(decodeStrKey('public', key.public_key), signedMessage(id, version, digest), fromBase64(sig.signature)!);
  if (!ok) {
    throw new PcqError({
      code: 'PCQ_SPELL_SIGNATURE_INVALID',
      message: `spell ${where}: the signature does not verify with ${sig.publisher}/${sig.key_id} (${key.public_key})`,
      hint: 'Do not run it; the signature was not made by the trusted key over this id, version and content.',
      details: { spell: where, publisher: sig.publisher, keyId: sig.key_id },
    });
  }
  return {
    digest,
    signature: { result: 'verified', publisher: sig.publisher, keyId: sig.key_id, publicKey: key.public_key, allowUnsigned: policy.allowUnsigned },
  };
}
