"""Aligns rebuilt unit clusters with the ids a trained semantic GPT learned.

k-means numbers its clusters by where it started, and the corpus audio is not bit-identical from one
build to the next (sox dithers when it resamples to 16 bits), so a rebuilt `units` run finds nearly the
same clusters under partly different ids: rebuilt in 2026-12-06, silence came out as 143 where the shipped
semantic GPT knows it as 78, and 21 more ids were renumbered, most of them swapped in pairs. Training adapters on such labels fits
them to ids the frozen GPT does not use.

This reads the ids back from the GPT itself: fed the rebuilt units teacher-forced (`--manifest` rows of
the steering corpus at the normal rate), it predicts its own id for each frame; the confusion counts
(rebuilt id → predicted id) give a one-to-one relabelling (greedily, largest count first; ids without
evidence keep their number when it is free). A few rounds, each on the relabelled units, while the
loss falls. Writes `--out`: the centroids re-ordered so that assigning with them gives the GPT's ids,
`normalization.npz` unchanged, and `alignment.json` (the permutation, teacher-forced loss and accuracy
before and after, on other rows than those that chose it).

A relabelling cannot mend clusters that k-means drew in other places: a rebuild from a corpus that is not
bit-identical to the one the GPT learned from (built on 2026-12-06 with sox -R, while the shipped model's
corpus was dithered) found 35 renumbered ids and still only 80 % agreement after relabelling. `--refit N`
then moves the centroids themselves, N rounds at most: each id's centroid becomes the mean of the
features of the frames that the GPT, fed the current labels teacher-forced, names that id with
probability ≥ `--refit-confidence` (ids with fewer than `--refit-min-frames` such frames keep theirs),
and the round is kept while the loss on the check rows falls. An EM step with the GPT as the judge.

    python -m omnitiny.units_align --units runs/units --model ../models/omnibark-tiny \\
        --manifest data/steer/manifest.jsonl --out runs/units-aligned --refit 6
    python -m omnitiny.steer_corpus ... --units runs/units-aligned     # relabels, reuses the WAVs
"""

import argparse
import json
import os
import random
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

from . import layout as L
from . import units as units_module
from . import vocabulary
from .audio import read_wav

VOCAB = L.SEMANTIC_VOCAB


def one_to_one(confusion: np.ndarray, min_count: int = 5) -> np.ndarray:
    """perm[c] = the id that rebuilt id c becomes: pairs (c, p) taken by falling count while both are
    free and the count is at least `min_count`; the rest keep their own id if free, else the lowest free id."""
    n = confusion.shape[0]
    perm = np.full(n, -1, dtype=np.int64)
    used = set()
    flat = np.argsort(-confusion, axis=None, kind="stable")
    for c, p in zip(*np.unravel_index(flat, confusion.shape)):
        if confusion[c, p] < min_count:
            break
        if perm[c] < 0 and p not in used:
            perm[c] = p
            used.add(int(p))
    free = sorted(set(range(n)) - used)
    for c in range(n):
        if perm[c] < 0:
            p = c if c in free else free[0]
            perm[c] = p
            free.remove(p)
    return perm


def reorder(centroids: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Centroids under their new ids: assigning with them gives perm[the old assignment]."""
    aligned = np.empty_like(centroids)
    aligned[perm] = centroids
    return aligned


class TeacherForced:
    """The frozen semantic GPT fed (text, units) teacher-forced, as it was trained (no history prompt)."""

    def __init__(self, model_dir: str, batch: int = 48):
        from .adapter_train import load_base
        self.semantic = load_base(model_dir).semantic
        self.tok = vocabulary.tokenizer(os.path.join(model_dir, "vocab.txt"))
        self.text_vocab_size = len(vocabulary.entries())
        self.batch = batch

    def _inputs(self, rows, perm):
        from .adapter_train import teacher_forced_inputs
        return teacher_forced_inputs(self.semantic.input_embeds_layer, self.text_vocab_size,
                                     [(vocabulary.encode(self.tok, r["text"]), [int(perm[u]) for u in r["units"]]) for r in rows])

    @torch.no_grad()
    def predictions(self, rows):
        """Per row, the GPT's teacher-forced choice for each of its units (argmax over unit ids) and
        that choice's probability: two arrays as long as the units it saw (capped at the GPT's window)."""
        out = []
        identity = np.arange(VOCAB)
        for k in range(0, len(rows), self.batch):
            chunk = rows[k: k + self.batch]
            x, _ = self._inputs(chunk, identity)
            probs = torch.softmax(self.semantic(inputs_embeds=x).logits[..., :VOCAB], dim=-1)
            best, guess = probs.max(-1)
            for i, r in enumerate(chunk):
                n = min(len(r["units"]), L.SEMANTIC_MAX_NEW - 1)
                out.append((guess[i, L.MAX_TEXT: L.MAX_TEXT + n].numpy(), best[i, L.MAX_TEXT: L.MAX_TEXT + n].numpy()))
        return out

    @torch.no_grad()
    def measure(self, rows, perm):
        """(confusion [V, V] of target → argmax over unit targets, mean CE, accuracy)."""
        confusion = np.zeros((VOCAB, VOCAB), dtype=np.int64)
        ce_sum, count, right = 0.0, 0, 0
        for k in range(0, len(rows), self.batch):
            x, y = self._inputs(rows[k: k + self.batch], perm)
            logits = self.semantic(inputs_embeds=x).logits[..., : VOCAB + 1]
            mask = y != -100
            ce_sum += F.cross_entropy(logits[mask], y[mask], reduction="sum").item()
            guess = logits.argmax(-1)
            count += int(mask.sum())
            right += int((guess[mask] == y[mask]).sum())
            units = mask & (y < VOCAB) & (guess < VOCAB)
            np.add.at(confusion, (y[units].numpy(), guess[units].numpy()), 1)
        return confusion, ce_sum / count, right / count


def relabelled_rows(rows, features, centroids: np.ndarray):
    """`rows` with their units assigned anew: each frame's nearest centroid (features normalized)."""
    centers = torch.from_numpy(centroids)
    return [dict(r, units=units_module.assign_units(f, centers).tolist()) for r, f in zip(rows, features)]


def refit(gpt, rows, features, centroids: np.ndarray, confidence: float, min_frames: int) -> tuple:
    """One EM step: `rows` labelled by nearest `centroids` (features: per row [units, D], normalized),
    the GPT's confident teacher-forced choices, and each id's centroid moved to the mean of its frames.
    Returns (new centroids, ids moved, frames used)."""
    labelled = relabelled_rows(rows, features, centroids)
    sums = np.zeros_like(centroids, dtype=np.float64)
    counts = np.zeros(len(centroids), dtype=np.int64)
    for (guess, prob), f in zip(gpt.predictions(labelled), features):
        keep = prob >= confidence
        frames = f[: len(guess)].numpy()[keep]
        np.add.at(sums, guess[keep], frames)
        np.add.at(counts, guess[keep], 1)
    moved = counts >= min_frames
    new = centroids.copy()
    new[moved] = (sums[moved] / counts[moved, None]).astype(centroids.dtype)
    return new, int(moved.sum()), int(counts.sum())


def normalized_features(rows, manifest_path: str, units_dir: str):
    """Per row, the normalized unit features of its recording (as `units` and `steer_corpus` compute them)."""
    norm = np.load(os.path.join(units_dir, "normalization.npz"))
    mean, std = torch.from_numpy(norm["mean"]), torch.from_numpy(norm["std"])
    base = os.path.dirname(os.path.abspath(manifest_path))
    return [(units_module.features(read_wav(os.path.join(base, r["audio"]))) - mean) / std for r in rows]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", required=True, help="the rebuilt units run (centroids.npy, normalization.npz)")
    p.add_argument("--model", required=True, help="the trained model whose semantic GPT knows the ids")
    p.add_argument("--manifest", required=True,
                   help="steer_corpus manifest whose units were assigned with --units (rows with text and units)")
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=960, help="training rows at the normal rate that choose the ids")
    p.add_argument("--check-rows", type=int, default=192, help="other rows that measure the result")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--refit", type=int, default=0, metavar="N",
                   help="after relabelling, up to N rounds that move the centroids to the frames the GPT names "
                        "(default 0: relabel only)")
    p.add_argument("--refit-confidence", type=float, default=0.5,
                   help="the GPT's probability a frame's choice needs to count for a centroid (default 0.5)")
    p.add_argument("--refit-min-frames", type=int, default=20,
                   help="an id keeps its centroid unless at least this many frames name it (default 20)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        centroids = np.load(os.path.join(a.units, "centroids.npy"))
    except OSError as e:
        sys.exit(f"units_align: --units {a.units}: {e.strerror or e} (needs centroids.npy)")
    if centroids.shape[0] != VOCAB:
        sys.exit(f"units_align: {a.units}/centroids.npy has {centroids.shape[0]} clusters; the GPT has {VOCAB} ids")
    rows = [json.loads(line) for line in open(a.manifest)]
    normal = [r for r in rows if r["split"] == "train" and r["rate"] == "normal"]
    random.Random(0).shuffle(normal)
    choose, check = normal[: a.rows], normal[a.rows: a.rows + a.check_rows]
    if len(choose) < 100 or not check:
        sys.exit(f"units_align: {a.manifest} has {len(normal)} training rows at the normal rate; need at least 100 "
                 f"to choose the ids (--rows) and more to check them")
    gpt = TeacherForced(a.model)
    perm = np.arange(VOCAB)
    _, ce_before, acc_before = gpt.measure(check, perm)
    print(f"units_align: before: teacher-forced CE {ce_before:.3f}, accuracy {100 * acc_before:.1f} % "
          f"({len(check)} check rows)", file=sys.stderr, flush=True)
    best, best_ce = perm, float("inf")
    for round_ in range(a.rounds + 1):
        confusion, ce, acc = gpt.measure(choose, perm)
        print(f"units_align: round {round_}: CE {ce:.3f}, accuracy {100 * acc:.1f} % on {len(choose)} rows",
              file=sys.stderr, flush=True)
        if ce >= best_ce:
            break  # ids without evidence only moved around: keep the better labelling
        best, best_ce = perm, ce
        step = one_to_one(confusion)
        if round_ == a.rounds or (step == np.arange(VOCAB)).all():
            break
        perm = step[perm]
    perm = best
    _, ce_after, acc_after = gpt.measure(check, perm)
    print(f"units_align: after: teacher-forced CE {ce_after:.3f}, accuracy {100 * acc_after:.1f} %", file=sys.stderr)
    aligned = reorder(centroids, perm)
    refits = []
    if a.refit > 0:
        print(f"units_align: features of {len(choose) + len(check)} recordings for the refit", file=sys.stderr, flush=True)
        choose_features = normalized_features(choose, a.manifest, a.units)
        check_features = normalized_features(check, a.manifest, a.units)
        identity = np.arange(VOCAB)
        best_ce = ce_after
        for round_ in range(a.refit):
            candidate, moved, frames = refit(gpt, choose, choose_features, aligned, a.refit_confidence, a.refit_min_frames)
            _, ce, acc = gpt.measure(relabelled_rows(check, check_features, candidate), identity)
            print(f"units_align: refit {round_ + 1}: {moved} centroids moved ({frames} confident frames); "
                  f"check CE {ce:.3f}, accuracy {100 * acc:.1f} %", file=sys.stderr, flush=True)
            refits.append(dict(round=round_ + 1, moved=moved, frames=frames, ce=ce, accuracy=acc))
            if ce >= best_ce:
                break  # no better on rows it did not see: keep the previous centroids
            aligned, best_ce, ce_after, acc_after = candidate, ce, ce, acc
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "centroids.npy.part.npy"), aligned)
    os.replace(os.path.join(a.out, "centroids.npy.part.npy"), os.path.join(a.out, "centroids.npy"))
    shutil.copyfile(os.path.join(a.units, "normalization.npz"), os.path.join(a.out, "normalization.npz"))
    report = dict(units=a.units, model=a.model, moved={int(c): int(perm[c]) for c in range(VOCAB) if perm[c] != c},
                  check_rows=len(check), ce_before=ce_before, accuracy_before=acc_before,
                  ce_after=ce_after, accuracy_after=acc_after, refits=refits)
    with open(os.path.join(a.out, "alignment.json"), "w") as fh:
        json.dump(report, fh, indent=1)
    print(f"units_align: {len(report['moved'])} ids relabelled → {a.out}; CE {ce_before:.3f} → {ce_after:.3f}, "
          f"accuracy {100 * acc_before:.1f} → {100 * acc_after:.1f} %")


if __name__ == "__main__":
    main()
