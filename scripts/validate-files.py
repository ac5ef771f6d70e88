#!/usr/bin/python3
"""Validate every file pcq wrote under ROOT against the repository's JSON Schemas, independently of pcq.

Usage: /usr/bin/python3 scripts/validate-files.py ROOT [--skip DIR ...]

ROOT is a repository, an export folder or a PCQ_HOME (installed spells under spells/).

Uses python3-jsonschema (Debian) and schemas/files.json (path pattern -> schema). Prints one JSON
report {files: [{path, schema, ok, errors}], unmapped: [path], opaque: n} and exits 0 when every file
is mapped and valid, 1 otherwise. DSSE payloads inside manifest.pcq are validated by predicateType.
"""
import base64
import json
import os
import re
import sys

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(REPO, "schemas")


class NoTimestampLoader(yaml.SafeLoader):
    """YAML as JSON sees it: a timestamp stays a string (pcq writes RFC 3339 text)."""


NoTimestampLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def glob_regex(pattern):
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:[^/]+/)*"
            i += 3
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile("^" + out + "$")


def load_store():
    store = {}
    # The manifest's and spell.yaml's schemas live beside the code that checks them; files.json points there.
    paths = [os.path.join(REPO, "engine", "proof", "manifest.schema.json"), os.path.join(REPO, "engine", "model", "spell.schema.json")]
    for folder, _, names in os.walk(SCHEMAS):
        paths += [os.path.join(folder, n) for n in names if n.endswith(".schema.json")]
    by_path = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        store[schema["$id"]] = schema
        by_path[os.path.realpath(path)] = schema
    return store, by_path


def validator(schema, store):
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    return cls(schema, resolver=resolver)


def errors_of(schema, value, store):
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '/'}: {e.message[:200]}" for e in validator(schema, store).iter_errors(value)]


def main(argv):
    root = os.path.abspath(argv[1])
    skip = set(argv[argv.index("--skip") + 1 :]) if "--skip" in argv else set()
    store, by_path = load_store()
    with open(os.path.join(SCHEMAS, "files.json"), encoding="utf-8") as f:
        mapping = json.load(f)
    rules = [(glob_regex(r["path"]), r) for r in mapping["files"]]
    report = {"files": [], "unmapped": [], "opaque": 0}
    for folder, dirs, names in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        dirs[:] = sorted(d for d in dirs if os.path.normpath(os.path.join(rel_folder, d)) not in skip)
        for name in sorted(names):
            rel = os.path.normpath(os.path.join(rel_folder, name)).replace(os.sep, "/")
            rule = next((r for rx, r in rules if rx.match(rel)), None)
            if rule is None:
                report["unmapped"].append(rel)
                continue
            if "opaque" in rule:
                report["opaque"] += 1
                continue
            schema = by_path[os.path.realpath(os.path.join(SCHEMAS, rule["schema"]))]
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            errors = []
            try:
                if rule.get("jsonl"):
                    values = [json.loads(line) for line in text.splitlines() if line.strip()]
                elif rule.get("yaml"):
                    values = [yaml.load(text, Loader=NoTimestampLoader)]
                else:
                    values = [json.loads(text)]
            except ValueError as e:
                values, errors = [], [f"not parseable: {e}"]
            for value in values:
                errors += errors_of(schema, value, store)
            if rel.endswith("manifest.pcq") and values and isinstance(values[0], dict):
                errors += payload_errors(manifest_envelopes(values[0]), mapping["payloads"], by_path, store)
            elif rule.get("payloads"):
                errors += payload_errors([v for v in values if isinstance(v, dict) and v.get("payloadType") == IN_TOTO], mapping["payloads"], by_path, store)
            report["files"].append({"path": rel, "schema": rule["schema"], "ok": not errors, "errors": errors[:20]})
    print(json.dumps(report, indent=2))
    return 0 if not report["unmapped"] and all(f["ok"] for f in report["files"]) else 1


IN_TOTO = "application/vnd.in-toto+json"


def manifest_envelopes(manifest):
    return [s.get("attestation") for s in manifest.get("steps", []) if isinstance(s, dict)] + list(manifest.get("reviews", []))


def payload_errors(envelopes, payloads, by_path, store):
    errors = []
    for i, env in enumerate(envelopes):
        try:
            statement = json.loads(base64.b64decode(env["payload"], validate=True))
            schema_file = payloads[statement["predicateType"]]
        except (KeyError, TypeError, ValueError) as e:
            errors.append(f"envelope {i}: payload not a known statement ({e})")
            continue
        schema = by_path[os.path.realpath(os.path.join(SCHEMAS, schema_file))]
        errors += [f"envelope {i} {m}" for m in errors_of(schema, statement, store)]
    return errors


if __name__ == "__main__":
    sys.exit(main(sys.argv))
