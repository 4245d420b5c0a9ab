"""Adds the steering corpus (`steer_corpus`: other speaking rates, pauses) to a records file, with codec codes
computed as `records` does, so the coarse GPT can learn to render the unit sequences the adapters steer the
semantic GPT to: fed the true units of slow, fast or paused speech, the phase-3 coarse GPT (trained on one
rate) loses most of the words (Whisper WER 54 / 83 / 77 % on 20 held-out sentences, against 28 % at the
normal rate).

    python -m omnitiny.steer_records --records runs3/records.pt --steer data/steer/manifest.jsonl \\
        --codec runs2/codec/codec.pt --out runs4/records.pt --share 0.4

Training rows of the other rates join with voice None (no same-voice history prompt) and weights that
give them `--share` of the sampling mass; the original records keep theirs, scaled to the rest. Within the share
every added row weighs the same unless `--rate-weights` says otherwise: `--rate-weights drum=3` gives each drum
row three times the mass of a row of another kind (how phase 17 taught a trained coarse GPT one new kind while
it kept seeing the others)."""

import argparse
import json
import os
import sys

import numpy as np
import torch

from . import codec_model, mel_latent
from .audio import read_wav
from .units_wer import KINDS


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", required=True, help="records.pt of the base model")
    p.add_argument("--steer", required=True, help="steer_corpus manifest")
    p.add_argument("--codec", required=True, help="the mel-latent codec checkpoint the records were made with")
    p.add_argument("--out", required=True)
    p.add_argument("--share", type=float, default=0.4, help="sampling mass of the added rows")
    p.add_argument("--rate-weights", default="",
                   help="RATE=W,… relative weight of the added rows of a kind (default 1 each), e.g. drum=3")
    a = p.parse_args(argv)
    rate_weights = parse_rate_weights(a.rate_weights)
    for flag, path in (("--records", a.records), ("--steer", a.steer), ("--codec", a.codec)):
        if not os.path.isfile(path):
            sys.exit(f"steer_records: {flag} {path}: no such file")
    with open(a.steer, encoding="utf-8") as fh:
        added_rates = {json.loads(line)["rate"] for line in fh if line.strip()} - {"normal"}
    unknown = set(rate_weights) - added_rates
    if unknown:
        sys.exit(f"steer_records: --rate-weights names {', '.join(sorted(unknown))}: no such non-normal rows in {a.steer}")
    data = torch.load(a.records, weights_only=False)
    state = torch.load(a.codec, map_location="cpu", weights_only=False)
    if state.get("latent") != "mel":
        sys.exit(f"steer_records: --codec {a.codec} is not a mel-latent codec (melcodec_train)")
    model = codec_model.build()
    model.load_state_dict(state["model"])
    books = [layer.codebook.embed for layer in model.quantizer.layers]
    by_id = {r["id"]: r for r in data["records"]}
    base = os.path.dirname(os.path.abspath(a.steer))
    added = []
    for line in open(a.steer):
        row = json.loads(line)
        if row["rate"] == "normal" or row["id"] not in by_id:
            continue
        signal = torch.from_numpy(read_wav(os.path.join(base, row["audio"])))
        with torch.no_grad():
            codes = mel_latent.quantize(books, mel_latent.log_mel(signal[None]), len(books))[1][:, 0].numpy()
        source = by_id[row["id"]]
        added.append(dict(id=f"{row['id']}-{row['rate']}", split=row["split"], kind="speech", voice=None, text=row["text"],
                          text_ids=source["text_ids"], units=np.array(row["units"], dtype=np.int64), codes=codes, weight=0.0))
        if len(added) % 1000 == 0:
            print(f"steer_records: {len(added)} recordings", file=sys.stderr, flush=True)
    train_added = [r for r in added if r["split"] == "train"]
    assign_weights(data["records"], train_added, a.share, rate_weights)
    data["records"] += added
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(data, a.out + ".part")
    os.replace(a.out + ".part", a.out)
    print(f"steer_records: {len(added)} rows added ({len(train_added)} for training, share {a.share}) → {a.out}")


def assign_weights(records, train_added, share, rate_weights):
    """Scales the base records' sampling weights to `1 - share` of their mass and spreads `share` over the added
    training rows in proportion to their kind's weight in `rate_weights` (1 where it names none)."""
    for r in records:
        r["weight"] *= 1 - share
    mass = [rate_weights.get(rate_of(r), 1.0) for r in train_added]
    total = sum(mass)
    for r, m in zip(train_added, mass):
        r["weight"] = share * m / total


def parse_rate_weights(text):
    """`"drum=3,sfx=2"` → {"drum": 3.0, "sfx": 2.0}; exits naming the bad entry."""
    weights = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        rate, sep, value = entry.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or not rate or not weight > 0:
            sys.exit(f"steer_records: --rate-weights entry {entry!r} is not RATE=W with W > 0")
        weights[rate] = weight
    return weights


def rate_of(row):
    """The steered kind of an added row, from its id (`<sentence id>-<rate>`)."""
    return row["id"].rsplit("-", 1)[1]


def kind_of(row) -> str:
    """The steered kind of any records row: an added row's rate, `normal` for the base corpus's rows (whose ids
    end in a number)."""
    suffix = rate_of(row) if "-" in row["id"] else ""
    return suffix if suffix in KINDS else "normal"


if __name__ == "__main__":
    main()
