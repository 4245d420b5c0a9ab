"""Trains the OmniBark-tiny codec (see `codec_model`) with reconstruction losses: multi-resolution
log-mel L1, waveform L1 and the VQ commitment loss; quantizer dropout makes the first codebooks
carry most of the signal (Bark's coarse stage predicts only the first two). Resumable.

    python -m omnitiny.codec_train --manifest data/manifest.jsonl --run runs/codec --minutes 40
"""

import argparse
import os
import random
import sys

import numpy as np
import torch

from . import checkpoint, manifest
from .audio import SAMPLE_RATE, loudness_jitter, reverberate, time_stretch
from .codec_model import TrainableRVQ, build


class MelLoss:
    """L1 between log-mel spectrograms at several resolutions."""

    def __init__(self, sizes=(512, 1024, 2048), n_mels=64):
        self.specs = []
        for n_fft in sizes:
            window = torch.hann_window(n_fft)
            mel = _mel_matrix(n_fft, n_mels)
            self.specs.append((n_fft, window, mel))

    def __call__(self, x, y):
        loss = 0.0
        for n_fft, window, mel in self.specs:
            sx = torch.stft(x, n_fft, n_fft // 4, window=window, return_complex=True).abs()
            sy = torch.stft(y, n_fft, n_fft // 4, window=window, return_complex=True).abs()
            mx, my = mel @ sx, mel @ sy
            # Floor at 1e-3 (about 60 dB below the loudest mel bins of speech): a lower floor makes
            # inaudible detail (digital silence between words, empty high bands) dominate the loss.
            loss = loss + (torch.log(mx + 1e-3) - torch.log(my + 1e-3)).abs().mean() + (mx - my).abs().mean()
        return loss / len(self.specs)


class HarmonicLoss:
    """L1 between log linear-frequency magnitude spectra below `max_hz`, at `n_fft` 2048 (11.7 Hz bins).

    Why: a mel filterbank is wider than the spacing of a voice's harmonics above a few hundred hertz, so a
    decoder trained on mel losses alone is free to put the harmonics anywhere; OmniBark-tiny's phase-2
    decoder settled on a comb at its own frame rate (75 Hz, one pulse per 320-sample hop) whatever the
    voice's pitch. Bins this narrow resolve each harmonic of a 70-300 Hz voice, so the loss is low only
    where the decoder's harmonics sit where the input's do. Floor 0.05 (in the units of a Hann-windowed
    2048-point magnitude, about 55 dB below a loud harmonic of speech): quieter detail does not count."""

    def __init__(self, n_fft=2048, hop=256, max_hz=2000.0, floor=0.05):
        self.n_fft, self.hop, self.floor = n_fft, hop, floor
        self.window = torch.hann_window(n_fft)
        self.bins = int(max_hz / (SAMPLE_RATE / n_fft)) + 1

    def __call__(self, x, y):
        sx = torch.stft(x, self.n_fft, self.hop, window=self.window, return_complex=True).abs()[..., : self.bins, :]
        sy = torch.stft(y, self.n_fft, self.hop, window=self.window, return_complex=True).abs()[..., : self.bins, :]
        return (torch.log(sx + self.floor) - torch.log(sy + self.floor)).abs().mean()


def _mel_matrix(n_fft, n_mels, fmin=0.0, fmax=SAMPLE_RATE / 2):
    """A Slaney-style triangular mel filterbank [n_mels, n_fft/2+1]."""
    def hz_to_mel(f):
        return 2595 * np.log10(1 + f / 700)

    mels = np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    hz = 700 * (10 ** (mels / 2595) - 1)
    freqs = np.linspace(0, SAMPLE_RATE / 2, n_fft // 2 + 1)
    bank = np.zeros((n_mels, len(freqs)), dtype=np.float32)
    for m in range(n_mels):
        lo, center, hi = hz[m], hz[m + 1], hz[m + 2]
        up = (freqs - lo) / max(center - lo, 1e-6)
        down = (hi - freqs) / max(hi - center, 1e-6)
        bank[m] = np.maximum(0, np.minimum(up, down)) * 2 / (hi - lo)
    return torch.from_numpy(bank)


class SegmentSampler:
    """Random fixed-length segments of the corpus, with a temperature-scaled curriculum over kinds
    (speech / music / Foley: p(kind) ∝ hours^(1/temperature)) and augmentations."""

    def __init__(self, items, audio, seconds, temperature, seed):
        self.length = int(seconds * SAMPLE_RATE)
        self.rng = random.Random(seed)
        self.by_kind = {}
        for item, samples in zip(items, audio):
            if len(samples) >= self.length:
                self.by_kind.setdefault(item["kind"], []).append(samples)
        hours = {k: sum(len(a) for a in v) / SAMPLE_RATE / 3600 for k, v in self.by_kind.items()}
        weights = {k: h ** (1 / temperature) for k, h in hours.items()}
        total = sum(weights.values())
        self.kinds = sorted(weights)
        self.probabilities = [weights[k] / total for k in self.kinds]
        print("codec curriculum: " + ", ".join(f"{k} {h:.2f} h → p {weights[k] / total:.2f}"
                                                for k, h in sorted(hours.items())), file=sys.stderr)

    def batch(self, size, stretch_probability=0.1):
        rows = []
        for _ in range(size):
            kind = self.rng.choices(self.kinds, self.probabilities)[0]
            samples = self.rng.choice(self.by_kind[kind])
            if self.rng.random() < stretch_probability:
                rate = self.rng.uniform(0.9, 1.1)
                need = int(self.length * rate) + 2048
                if len(samples) > need:
                    start = self.rng.randrange(len(samples) - need)
                    seg = torch.from_numpy(samples[start:start + need].astype(np.float32) / 32768)
                    seg = time_stretch(seg, rate)[: self.length]
                    if seg.numel() == self.length:
                        rows.append(seg)
                        continue
            start = self.rng.randrange(len(samples) - self.length + 1)
            rows.append(torch.from_numpy(samples[start:start + self.length].astype(np.float32) / 32768))
        return torch.stack(rows)


def add_run_arguments(p: argparse.ArgumentParser, run_help: str) -> None:
    """The options every codec training run has (corpus, run directory, time and batch, curriculum)."""
    p.add_argument("--manifest", required=True)
    p.add_argument("--run", required=True, help=run_help)
    p.add_argument("--minutes", type=float, default=30, help="stop (after a checkpoint) after this wall time")
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seconds", type=float, default=0.8, help="segment length")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--temperature", type=float, default=2.0, help="curriculum temperature over kinds")
    p.add_argument("--seed", type=int, default=0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_arguments(p, "run directory (checkpoint codec.pt; resumed when present)")
    p.add_argument("--autoencoder-steps", type=int, default=400,
                   help="steps without quantization first; the codebooks are then initialised by k-means "
                        "of the trained encoder's output (quantizing a random encoder collapses it)")
    p.add_argument("--commitment", type=float, default=0.1, help="weight of the VQ commitment loss")
    p.add_argument("--freeze-encoder", action="store_true",
                   help="train the decoder only, on all codebooks: encoder and codebooks stay as they are, so "
                        "codes computed from this checkpoint (the GPTs' training data) stay valid")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.run, exist_ok=True)
    ckpt_path = os.path.join(a.run, "codec.pt")
    items = manifest.read(a.manifest)
    audio = manifest.load_audio(items)
    sampler = SegmentSampler(items, audio, a.seconds, a.temperature, a.seed)
    model = build()
    rvq = TrainableRVQ(model)
    # With --freeze-encoder the encoder's parameters get no gradients, which AdamW skips.
    params = [p for n, p in model.named_parameters() if "quantizer" not in n]
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.8, 0.99))
    aug = torch.Generator().manual_seed(a.seed)
    state = checkpoint.resume(ckpt_path, model, opt, "codec")
    step = 0
    if state:
        step = state["step"]
        sampler.rng.setstate(state["sampler_rng"])
        aug.set_state(state["aug_rng"])

    mel_loss = MelLoss()
    n_q = len(rvq.books)
    clock = checkpoint.RunClock(a.minutes, a.max_steps)
    model.train()
    running = None
    while step < a.max_steps:
        lr = a.lr * min(1.0, (step + 1) / 200)
        for g in opt.param_groups:
            g["lr"] = lr
        x = loudness_jitter(sampler.batch(a.batch), aug)
        if torch.rand(1, generator=aug).item() < 0.2:
            x = reverberate(x, aug)
        if step == a.autoencoder_steps:
            with torch.no_grad():
                z = torch.cat([model.encoder(sampler.batch(16).unsqueeze(1)) for _ in range(4)])
                rvq.init_kmeans(z.permute(0, 2, 1).reshape(-1, z.shape[1]))
            print(f"codec: codebooks initialised by k-means at step {step}", file=sys.stderr, flush=True)
        if a.freeze_encoder:
            with torch.no_grad():
                zq, _, commit = rvq(model.encoder(x.unsqueeze(1)), n_q, train=False)
            use_q, z = n_q, zq
        elif step < a.autoencoder_steps:
            z = model.encoder(x.unsqueeze(1))
            use_q, zq, commit = 0, z, torch.zeros(())
        else:
            z = model.encoder(x.unsqueeze(1))
            use_q = n_q if torch.rand(1, generator=aug).item() < 0.5 else int(torch.randint(1, n_q + 1, (1,), generator=aug))
            zq, _, commit = rvq(z, use_q, train=True)
        y = model.decoder(zq).squeeze(1)[:, : x.shape[1]]
        loss_mel = mel_loss(y, x)
        loss = loss_mel + 0.1 * (y - x).abs().mean() + a.commitment * commit
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        running = loss_mel.item() if running is None else 0.98 * running + 0.02 * loss_mel.item()
        if step % 50 == 0:
            # Encoder health: how much its output varies over time relative to its size (a
            # collapsed encoder gives the decoder nothing to work with).
            spread = float(z.detach().std(dim=2).mean() / z.detach().abs().mean().clamp(min=1e-8))
            print(f"codec step {step} mel {running:.3f} commit {float(commit.detach()):.4f} quantizers {use_q} "
                  f"encoder spread {spread:.3f} "
                  f"{clock.elapsed_minutes():.1f} min", file=sys.stderr, flush=True)
        save, done = clock.check(step)
        if save:
            checkpoint.save(ckpt_path, model=model.state_dict(), optimizer=opt.state_dict(), step=step,
                            sampler_rng=sampler.rng.getstate(), aug_rng=aug.get_state(), mel=running)
        if done:
            break
    print(f"codec: stopped at step {step}, mel loss {running:.3f}; checkpoint {ckpt_path}")


if __name__ == "__main__":
    main()
