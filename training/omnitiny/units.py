"""Semantic units of our own: k-means clusters of cepstral speech features at Bark's semantic rate
(49.9 Hz), the role HuBERT units play in Bark. Cepstra (DCT of the log-mel spectrum, first 13
coefficients, with deltas) keep the spectral envelope — what is said — and drop most of the pitch.

    python -m omnitiny.units --manifest data/manifest.jsonl --out runs/units --clusters 256

Writes `centroids.npy`, `normalization.npz` and `units.jsonl` (id → unit sequence, one line each).
`--reuse DIR` keeps DIR's centroids and normalization (no k-means) and only assigns units, so a grown
corpus keeps the unit vocabulary that trained GPTs already know."""

import argparse
import json
import os
import sys

import numpy as np
import torch

from . import kmeans as _kmeans
from . import manifest
from .audio import SAMPLE_RATE
from .codec_train import _mel_matrix

SEMANTIC_RATE_HZ = 49.9
N_FFT = 1024
HOP = 240  # 100 Hz analysis; each 49.9 Hz unit takes the nearest analysis frame
N_MELS = 40
N_CEPSTRA = 13


def unit_count(n_samples: int) -> int:
    """Units for an utterance of `n_samples` at 24 kHz: ⌊seconds · 49.9⌋."""
    return int(n_samples / SAMPLE_RATE * SEMANTIC_RATE_HZ)


def features(samples: np.ndarray) -> torch.Tensor:
    """[unit_count, 26]: 13 cepstra and their deltas at 49.9 Hz."""
    x = torch.from_numpy(samples.astype(np.float32) / 32768 if samples.dtype == np.int16 else samples)
    spec = torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT), return_complex=True).abs() ** 2
    logmel = torch.log(_mel_matrix(N_FFT, N_MELS) @ spec + 1e-6)  # [M, frames]
    dct = torch.cos(torch.pi / N_MELS * (torch.arange(N_MELS) + 0.5).unsqueeze(0)
                    * torch.arange(N_CEPSTRA).unsqueeze(1))  # [C, M]
    cep = (dct @ logmel).t()  # [frames, C]
    delta = torch.zeros_like(cep)
    delta[1:-1] = (cep[2:] - cep[:-2]) / 2
    full = torch.cat([cep, delta], dim=1)
    n = unit_count(len(samples))
    index = torch.clamp(torch.round(torch.arange(n) / SEMANTIC_RATE_HZ * SAMPLE_RATE / HOP).long(), max=full.shape[0] - 1)
    return full[index]


def kmeans(x: torch.Tensor, k: int, iterations: int, seed: int) -> torch.Tensor:
    def progress(done, total):
        print(f"units: k-means iteration {done}/{total}", file=sys.stderr, flush=True)
    return _kmeans.kmeans(x, k, iterations, torch.Generator().manual_seed(seed), progress)


def assign_units(x: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    return _kmeans.nearest(x, centers)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--clusters", type=int, default=256)
    p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reuse", metavar="DIR", help="an earlier units directory whose centroids and normalization "
                                                  "are kept (no k-means); --clusters is then theirs")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    items = manifest.read(a.manifest, "train") + manifest.read(a.manifest, "heldout")
    if not items:
        sys.exit(f"units: --manifest {a.manifest}: no train or heldout items")
    feats = [features(s) for s in manifest.load_audio(items)]
    train_feats = [f for f, i in zip(feats, items) if i["split"] == "train"]
    if a.reuse:
        try:
            centers = torch.from_numpy(np.load(os.path.join(a.reuse, "centroids.npy")))
            norm = np.load(os.path.join(a.reuse, "normalization.npz"))
        except OSError as e:
            sys.exit(f"units: --reuse {a.reuse}: {e.strerror or e} (needs centroids.npy and normalization.npz)")
        mean, std = torch.from_numpy(norm["mean"]), torch.from_numpy(norm["std"])
        a.clusters = centers.shape[0]
    else:
        if not train_feats:
            sys.exit(f"units: --manifest {a.manifest}: no training items to fit units to (a held-out-only manifest needs --reuse)")
        train = torch.cat(train_feats)
        mean, std = train.mean(0), train.std(0).clamp(min=1e-5)
        centers = kmeans((train - mean) / std, a.clusters, a.iterations, a.seed)
    np.save(os.path.join(a.out, "centroids.npy"), centers.numpy())
    np.savez(os.path.join(a.out, "normalization.npz"), mean=mean.numpy(), std=std.numpy())
    tmp = os.path.join(a.out, "units.jsonl.part")
    with open(tmp, "w") as fh:
        for item, f in zip(items, feats):
            units = assign_units((f - mean) / std, centers).tolist()
            fh.write(json.dumps({"id": item["id"], "units": units}) + "\n")
    os.replace(tmp, os.path.join(a.out, "units.jsonl"))
    print(f"units: {len(items)} utterances, {sum(f.shape[0] for f in train_feats)} training frames, {a.clusters} clusters → {a.out}")


if __name__ == "__main__":
    main()
