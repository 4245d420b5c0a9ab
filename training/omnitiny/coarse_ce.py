"""Held-out cross-entropy of coarse-GPT checkpoints per kind of speech, teacher-forced, so two checkpoints
compare without generation or Whisper (both of which spread by several points from run to run):

    python -m omnitiny.coarse_ce --records runs-coarse6/records-steer.pt \\
        runs-coarse5/coarse/coarse.pt runs-coarse6/coarse/coarse.pt

`--records` is a file `steer_records` wrote: its held-out rows are the base corpus's (kind `normal`) and one
row per steered kind (`<sentence id>-<kind>`). Every checkpoint sees the same windows and history prompts
(one fixed seed) and no input noise. Prints a Markdown table, one row per checkpoint, one column per kind.

`--by voice` groups the held-out rows by their voice instead (a `records` file of several voices' held-out
speech, e.g. `records --manifest` on the teacher's and `corpus --voice …` held-out items), so a multi-voice
coarse GPT can be followed per voice."""

import argparse
import collections
import os
import sys

import torch

from . import bark_data
from .gpt_train import coarse_loss, load_frozen_coarse
from .steer_records import kind_of
from .units_wer import KINDS

BATCH = 8


def held_out_by_kind(records) -> dict:
    """{kind: held-out rows}, kinds in `units_wer.KINDS` order."""
    groups = collections.defaultdict(list)
    for r in records:
        if r["split"] == "heldout":
            groups[kind_of(r)].append(r)
    return {k: groups[k] for k in KINDS if groups[k]}


def held_out_by_voice(records) -> dict:
    """{voice: held-out rows}, voices in order of first appearance (rows without one: "none")."""
    groups = {}
    for r in records:
        if r["split"] == "heldout":
            groups.setdefault(r.get("voice") or "none", []).append(r)
    return groups


def cross_entropy(model, rows, text_vocab_size: int, seed: int) -> float:
    """Mean token cross-entropy (nats) of `model` on `rows`, in batches of `BATCH`, windows drawn from `seed`."""
    maker = bark_data.ExampleMaker(rows, text_vocab_size, seed, input_noise=0.0)
    losses = []
    with torch.no_grad():
        for i in range(0, len(rows), BATCH):
            batch = rows[i:i + BATCH]
            losses.append((coarse_loss(model, maker, batch).item(), len(batch)))
    return sum(loss * n for loss, n in losses) / sum(n for _, n in losses)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", required=True, help="records file with held-out rows (steer_records output)")
    p.add_argument("checkpoints", nargs="+", help="coarse GPT checkpoints (gpt_train's coarse.pt)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--by", choices=("kind", "voice"), default="kind", help="group the held-out rows by steered kind or by voice")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    for path in [a.records] + a.checkpoints:
        if not os.path.isfile(path):
            sys.exit(f"coarse_ce: {path}: no such file")
    data = torch.load(a.records, weights_only=False)
    groups = held_out_by_kind(data["records"]) if a.by == "kind" else held_out_by_voice(data["records"])
    if not groups:
        sys.exit(f"coarse_ce: --records {a.records} has no held-out rows")
    print("| checkpoint | " + " | ".join(f"{k} ({len(v)})" for k, v in groups.items()) + " |")
    print("|---|" + "---|" * len(groups))
    for path in a.checkpoints:
        model = load_frozen_coarse(path, data["text_vocab_size"], "coarse_ce:")
        ce = [cross_entropy(model, rows, data["text_vocab_size"], a.seed) for rows in groups.values()]
        print(f"| {path} | " + " | ".join(f"{x:.3f}" for x in ce) + " |", flush=True)


if __name__ == "__main__":
    main()
