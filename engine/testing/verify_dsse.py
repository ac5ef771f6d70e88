#!/usr/bin/python3
"""Independent DSSE verification of a `pcq export --format dsse` bundle, outside pcq's own code.

Usage: verify_dsse.py <bundle.intoto.jsonl> <keys.json>

Computes the DSSE v1 PAE itself (secure-systems-lab/dsse protocol.md:
"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body) and checks each envelope's signature with
python3-securesystemslib (Debian 0.26), whose SSlibKey verifies Ed25519 over raw bytes with a raw
hex public key. Prints one line per envelope and exits 0 only when every signature verifies.
"""
import base64
import json
import sys

from securesystemslib.signer import SSlibKey, Signature


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def b64decode(text: str) -> bytes:
    # DSSE verifiers accept standard and URL-safe base64.
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def main() -> int:
    bundle_path, keys_path = sys.argv[1], sys.argv[2]
    with open(keys_path, encoding="utf-8") as f:
        keys = json.load(f)
    failures = 0
    count = 0
    with open(bundle_path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            count += 1
            envelope = json.loads(line)
            payload = b64decode(envelope["payload"])
            message = pae(envelope["payloadType"], payload)
            ok = False
            for entry in envelope["signatures"]:
                keyid = entry["keyid"]
                if keyid not in keys:
                    continue
                # securesystemslib 0.26 wants a hex key id; the DSSE keyid (a G… strkey) is only a
                # hint used to pick the key, so the raw public key hex serves as the sslib key id.
                public_hex = keys[keyid]["hex"]
                key = SSlibKey(public_hex, "ed25519", "ed25519", {"public": public_hex})
                try:
                    key.verify_signature(Signature(public_hex, b64decode(entry["sig"]).hex()), message)
                    ok = True
                except Exception:  # securesystemslib raises on a bad signature
                    ok = False
            print(("ok" if ok else "FAIL") + " line %d %s" % (number, envelope["payloadType"]))
            failures += 0 if ok else 1
    print("verified %d of %d envelopes" % (count - failures, count))
    return 0 if failures == 0 and count > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
