"""WAV I/O (16-bit PCM mono), loudness, and the augmentations used by codec training:
loudness jitter, a synthetic room impulse response, and a phase-vocoder time-stretch."""

import math
import wave

import numpy as np
import torch

SAMPLE_RATE = 24_000


def read_wav(path) -> np.ndarray:
    """Mono float32 samples in [-1, 1); raises ValueError naming the file for anything else."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono PCM, got {8 * w.getsampwidth()}-bit "
                             f"{w.getnchannels()}-channel")
        if w.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{path}: expected {SAMPLE_RATE} Hz, got {w.getframerate()} Hz")
        data = w.readframes(w.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def write_wav(path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Writes mono 16-bit PCM (clipped to [-1, 1))."""
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def rms_db(x: torch.Tensor) -> torch.Tensor:
    return 10 * torch.log10(x.pow(2).mean(dim=-1) + 1e-10)


def loudness_jitter(x: torch.Tensor, rng: torch.Generator, db: float = 6.0) -> torch.Tensor:
    """Scales each row of `x` [B, T] by a random gain in ±`db` dB, never past full scale."""
    gain_db = (torch.rand(x.shape[0], 1, generator=rng) * 2 - 1) * db
    y = x * 10 ** (gain_db / 20)
    peak = y.abs().amax(dim=-1, keepdim=True).clamp(min=1e-6)
    return torch.where(peak > 0.99, y * (0.99 / peak), y)


def synthetic_rir(rng: torch.Generator, rt60: float, rate: int = SAMPLE_RATE) -> torch.Tensor:
    """An exponentially decaying noise impulse response of reverberation time `rt60` seconds, with
    a unit direct path."""
    n = max(1, int(rt60 * rate))
    t = torch.arange(n) / rate
    tail = torch.randn(n, generator=rng) * torch.exp(-6.9 * t / rt60) * 0.3
    tail[0] = 1.0
    return tail / tail.norm()


def reverberate(x: torch.Tensor, rng: torch.Generator, rt60_range=(0.1, 0.5)) -> torch.Tensor:
    """Convolves each row of `x` [B, T] with its own synthetic room response; same length and RMS."""
    out = []
    for row in x:
        rt60 = float(rt60_range[0] + torch.rand(1, generator=rng) * (rt60_range[1] - rt60_range[0]))
        h = synthetic_rir(rng, rt60)
        y = torch.nn.functional.conv1d(row.view(1, 1, -1), h.flip(0).view(1, 1, -1), padding=h.numel() - 1)
        y = y.view(-1)[: row.numel()]
        y = y * (row.pow(2).mean().sqrt() / y.pow(2).mean().sqrt().clamp(min=1e-8))
        out.append(y)
    return torch.stack(out)


def time_stretch(x: torch.Tensor, rate: float, n_fft: int = 1024, hop: int = 256) -> torch.Tensor:
    """Phase-vocoder time-stretch of a 1-D signal by `rate` (>1 faster), pitch unchanged."""
    window = torch.hann_window(n_fft)
    spec = torch.stft(x, n_fft, hop, window=window, return_complex=True)  # [F, N]
    steps = torch.arange(0, spec.shape[1] - 1, rate)
    expected = torch.linspace(0, math.pi * hop, spec.shape[0]).unsqueeze(1)
    phase = spec[:, :1].angle()
    frames = []
    for s in steps:
        i = int(s)
        frac = float(s - i)
        a, b = spec[:, i], spec[:, i + 1]
        mag = (1 - frac) * a.abs() + frac * b.abs()
        frames.append(torch.polar(mag, phase.squeeze(1)))
        delta = b.angle() - a.angle() - expected.squeeze(1)
        delta = delta - 2 * math.pi * torch.round(delta / (2 * math.pi))
        phase = phase + (expected + delta.unsqueeze(1))
    stretched = torch.stack(frames, dim=1)
    return torch.istft(stretched, n_fft, hop, window=window, length=int(x.numel() / rate))
