"""How much of a band-energy watermark survives OmniBark-tiny's codec round trip.

The engine's watermark changes band energies by a keyed ±1 pattern on cells of 10.7 ms × 94 Hz and is
not detected after the codec's round trip (`omnibark watermark eval --encodec-model models/omnibark-tiny`).
This measures why, and whether coarser cells would do: speech is marked with a keyed pattern on cells of
`frames` STFT frames (hop 256) × one of `bands` mel-spaced bands (500 Hz – 7 kHz), with the mark's energy
a fixed share of each frame's (−30 dB is what an SI-SNR of 30 dB allows), the relative change largest in
weak bands (as the engine's `MarkStrength`). Both the marked and the unmarked speech go through the codec
(encode, quantize with its 4 codebooks, decode), and per cell the change of log energy that the mark made
is compared before and after: `transfer` = mean signed change after / before. The detection score of a
3 s excerpt is then about transfer × change × √cells / (the host's cell-to-cell spread after whitening).

    python -m omnitiny.codec_mark_transfer --model ../models/omnibark-tiny --speech data/speech

Prints a Markdown table; takes about a minute on one core."""

import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

from .audio import read_wav

FRAME, HOP, RATE = 512, 256, 24_000


def _stft(x):
    window = np.sqrt(np.hanning(FRAME + 1)[:FRAME])
    count = (len(x) - FRAME) // HOP + 1
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return np.fft.rfft(x[index] * window, axis=1), window


def _band_edges(bands, low=500.0, high=7000.0):
    def mel(f):
        return 2595 * np.log10(1 + f / 700)
    hz = 700 * (10 ** (np.linspace(mel(low), mel(high), bands + 1) / 2595) - 1)
    return np.round(hz / (RATE / FRAME)).astype(int)


def _strengths(energies, frame_energy, share, cap=0.5):
    """Relative amplitude change per band: ∝ E_b^(−3/4), at most `cap`, the mark's energy `share` of the frame's."""
    if frame_energy <= 0 or not (energies > 0).any():
        return np.zeros_like(energies)
    base = np.where(energies > 0, (np.maximum(energies, 1e-30) / frame_energy) ** -0.75, 0)
    low, high = 0.0, 1e9
    for _ in range(80):
        mid = (low + high) / 2
        if (np.minimum(cap, mid * base) ** 2 * energies).sum() > share * frame_energy:
            high = mid
        else:
            low = mid
    return np.minimum(cap, low * base)


def pattern(frames_count, bands, frames_per_cell, period=16, seed=1):
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(period, bands))
    return signs[(np.arange(frames_count) // frames_per_cell) % period]


def embed(x, frames_per_cell, bands, share_db):
    """The marked signal (same length) and the per-frame sign pattern [frames, bands]."""
    padded = np.concatenate([np.zeros(HOP), x, np.zeros(FRAME)])
    spec, window = _stft(padded)
    edges = _band_edges(bands)
    signs = pattern(spec.shape[0], bands, frames_per_cell)
    power = np.abs(spec) ** 2
    for j in range(spec.shape[0]):
        energies = np.array([power[j, edges[b]:edges[b + 1]].sum() for b in range(bands)])
        gains = 1 + _strengths(energies, power[j].sum(), 10 ** (share_db / 10)) * signs[j]
        for b in range(bands):
            spec[j, edges[b]:edges[b + 1]] *= gains[b]
    frames = np.fft.irfft(spec, n=FRAME, axis=1) * window
    out = np.zeros(len(padded))
    for j in range(frames.shape[0]):
        out[j * HOP:j * HOP + FRAME] += frames[j]
    return out[HOP:HOP + len(x)]


def cells(x, frames_per_cell, bands):
    """Log energy per cell [cells in time, bands], on the embedder's frame grid."""
    spec, _ = _stft(np.concatenate([np.zeros(HOP), x]))
    power = np.abs(spec) ** 2
    edges = _band_edges(bands)
    count = power.shape[0] // frames_per_cell
    out = np.zeros((count, bands))
    for b in range(bands):
        band = power[:count * frames_per_cell, edges[b]:edges[b + 1]].sum(1)
        out[:, b] = np.log(band.reshape(count, frames_per_cell).sum(1) + 1e-9)
    return out


def load_codec(model_dir):
    from safetensors.torch import load_file
    from transformers import EncodecConfig, EncodecModel
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as fh:
        config = {k: v for k, v in json.load(fh)["codec_config"].items() if k != "model_type"}
    model = EncodecModel(EncodecConfig(**config))
    state = {k[len("codec_model."):]: v.float() for k, v in load_file(os.path.join(model_dir, "model.safetensors")).items()
             if k.startswith("codec_model.")}
    missing, _ = model.load_state_dict(state, strict=False)
    if [k for k in missing if "inited" not in k]:
        sys.exit(f"codec_mark_transfer: {model_dir}/model.safetensors lacks codec tensors: {missing[:3]}")
    return model.eval(), max(config["target_bandwidths"])


def round_trip(model, bandwidth, x, piece=96_000):
    out = []
    with torch.no_grad():
        for start in range(0, len(x), piece):
            segment = torch.from_numpy(x[start:start + piece].astype(np.float32)).view(1, 1, -1)
            encoded = model.encode(segment, bandwidth=bandwidth)
            out.append(model.decode(encoded.audio_codes, encoded.audio_scales)[0].view(-1).numpy()[:segment.shape[-1]])
    return np.concatenate(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model directory whose codec does the round trip")
    p.add_argument("--speech", required=True, help="folder of 24 kHz speech WAVs (the held-out teacher files are used)")
    p.add_argument("--files", type=int, default=10)
    p.add_argument("--cells", default="5x24,10x12,20x8", help="frames x bands per cell, comma-separated")
    p.add_argument("--shares", default="-30,-20,-15", help="the mark's energy against the frame's, dB, comma-separated")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    files = sorted(glob.glob(os.path.join(a.speech, "heldout-*.wav")))[: a.files]
    if not files:
        sys.exit(f"codec_mark_transfer: no heldout-*.wav in {a.speech}")
    x = np.concatenate([read_wav(f) for f in files]).astype(np.float64)
    model, bandwidth = load_codec(a.model)
    plain_out = round_trip(model, bandwidth, x)
    print(f"{len(files)} files, {len(x) / RATE:.1f} s of speech; codec at {bandwidth} kbit/s\n")
    print("| mark energy | cell (frames × bands) | SI-SNR proxy | change in | change out | transfer | host spread out | score, 3 s |")
    print("|---|---|---|---|---|---|---|---|")
    for share in (float(s) for s in a.shares.split(",")):
        for spec in a.cells.split(","):
            frames_per_cell, bands = (int(v) for v in spec.split("x"))
            marked = embed(x, frames_per_cell, bands, share)
            marked_out = round_trip(model, bandwidth, marked)
            before, after = cells(x, frames_per_cell, bands), cells(marked, frames_per_cell, bands)
            out_plain, out_marked = cells(plain_out, frames_per_cell, bands), cells(marked_out, frames_per_cell, bands)
            signs = pattern(before.shape[0] * frames_per_cell, bands, frames_per_cell)[::frames_per_cell][: before.shape[0]]
            change_in = ((after - before) * signs).mean()
            change_out = ((out_marked - out_plain) * signs).mean()
            # The host's cell-to-cell spread after the codec, whitened against time and band neighbours.
            padded = np.pad(out_plain, 1, mode="edge")
            white = out_plain - (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
            per_excerpt = 3 * RATE / HOP / frames_per_cell * bands
            score = change_out / white.std() * np.sqrt(per_excerpt)
            snr = 10 * np.log10((x ** 2).sum() / ((marked - x) ** 2).sum())
            print(f"| {share:g} dB | {frames_per_cell} × {bands} | {snr:.1f} dB | {change_in:.3f} | {change_out:.3f} | "
                  f"{change_out / change_in:.0%} | {white.std():.2f} | {score:.1f} |", flush=True)


if __name__ == "__main__":
    main()
