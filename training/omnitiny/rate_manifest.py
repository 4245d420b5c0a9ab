"""Corpus manifests with the steering corpus's slow and fast recordings as ordinary speech, for the codec's
decoder (`melcodec_train --manifest OUT/manifest-rates.jsonl`) and its held-out round trips at each rate
(`codec_wer --manifest OUT/manifest-fast-heldout.jsonl`):

    python -m omnitiny.rate_manifest --manifest data/manifest.jsonl --steer data/steer/manifest.jsonl --out data

Writes, next to the corpus manifest (paths stay relative to it):
- `manifest-rates.jsonl`: every item of `--manifest`, plus each training sentence of `--steer` at the slow
  and the fast rate (kind `speech`, id `<id>-<rate>`);
- `manifest-slow-heldout.jsonl`, `manifest-fast-heldout.jsonl`: the steering corpus's held-out sentences at
  that rate, alone (split `heldout`)."""

import argparse
import json
import os
import sys

RATES = ("slow", "fast")


def steer_item(row: dict, steer_dir: str, out_dir: str, split: str) -> dict:
    """One steering recording as a corpus item, its audio path relative to `out_dir`."""
    path = os.path.relpath(os.path.join(steer_dir, row["audio"]), out_dir)
    return dict(id=f"{row['id']}-{row['rate']}", audio=path, text=row["text"], language="en", kind="speech",
                caption=None, voice="espeak:en-us", image=None, split=split, seconds=row["seconds"])


def build(corpus: list, steer: list, steer_dir: str, out_dir: str) -> dict:
    """{file name: rows} for the three manifests."""
    files = {"manifest-rates.jsonl": list(corpus)}
    for rate in RATES:
        files["manifest-rates.jsonl"] += [steer_item(r, steer_dir, out_dir, "train") for r in steer
                                          if r["rate"] == rate and r["split"] == "train"]
        files[f"manifest-{rate}-heldout.jsonl"] = [steer_item(r, steer_dir, out_dir, "heldout") for r in steer
                                                   if r["rate"] == rate and r["split"] == "heldout"]
    return files


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", required=True, help="the corpus manifest (corpus --out DIR: DIR/manifest.jsonl)")
    p.add_argument("--steer", required=True, help="the steering corpus manifest (steer_corpus --out)")
    p.add_argument("--out", required=True, help="directory for the three manifests (the corpus manifest's, so paths resolve)")
    a = p.parse_args(argv)
    for flag, path in (("--manifest", a.manifest), ("--steer", a.steer)):
        if not os.path.isfile(path):
            sys.exit(f"rate_manifest: {flag} {path}: no such file")
    out_dir = os.path.abspath(a.out)
    if os.path.dirname(os.path.abspath(a.manifest)) != out_dir:
        sys.exit(f"rate_manifest: --out {a.out}: must be the corpus manifest's directory, where its audio paths resolve")
    corpus = [json.loads(line) for line in open(a.manifest) if line.strip()]
    steer = [json.loads(line) for line in open(a.steer) if line.strip()]
    for name, rows in build(corpus, steer, os.path.dirname(os.path.abspath(a.steer)), out_dir).items():
        if not rows and name != "manifest-rates.jsonl":
            sys.exit(f"rate_manifest: {a.steer} has no {name.split('-')[1]} held-out sentences")
        path = os.path.join(out_dir, name)
        with open(path + ".tmp", "w") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
        os.replace(path + ".tmp", path)
        print(f"rate_manifest: {path}: {len(rows)} items")


if __name__ == "__main__":
    main()
