"""The codec's latent space, fixed by hand: a standardized 64-band log-mel spectrogram at EnCodec's
75 frames/s (hop 320 at 24 kHz), one band per latent channel (`hidden_size` 64).

Why: trained end to end on two CPU cores, the codec's encoder settled on loudness and voicing and
never learned formants — its decoder rendered every vowel as the same average spectrum and Whisper
understood nothing, not even the codec's own round trip. A latent that *is* the spectral envelope
cannot lose the formants: the codebooks are k-means of mel frames, the decoder learns to be a
vocoder (mel → waveform), and the encoder learns a plain regression onto the same frames. The
exported model keeps EnCodec's exact layout, so the engine loads it unchanged.

Frames are causal: frame t is computed from the 1024 samples that end at sample 320·(t+1), which is
what the causal encoder can see and what the causal decoder needs to produce samples
[320·t, 320·(t+1))."""

import torch

from .codec_train import _mel_matrix
from .kmeans import kmeans, nearest

HOP = 320
N_FFT = 1024
BANDS = 64
# Standardization of natural-log mel energies (floor 1e-5, about 100 dB below full scale), measured
# on 300 training utterances (49,015 frames: mean -5.86, standard deviation 3.06).
LOG_FLOOR = 1e-5
MEAN = -5.9
STD = 3.1

_WINDOW = torch.hann_window(N_FFT)
_MEL = _mel_matrix(N_FFT, BANDS)


def log_mel(audio: torch.Tensor) -> torch.Tensor:
    """audio [B, T] at 24 kHz → standardized log-mel [B, 64, ceil(T / 320)]."""
    frames = -(-audio.shape[-1] // HOP)
    padded = torch.nn.functional.pad(audio, (N_FFT - HOP, frames * HOP - audio.shape[-1]))
    spec = torch.stft(padded, N_FFT, HOP, window=_WINDOW, center=False, return_complex=True).abs()
    mel = _MEL @ spec
    return (torch.log(mel.clamp(min=LOG_FLOOR)) - MEAN) / STD


def quantize(books: list, z: torch.Tensor, n_quantizers: int):
    """Residual VQ of z [B, D, T] with fixed codebooks (tensors [K, D]): (sum of the chosen codewords
    [B, D, T], codes [n_quantizers, B, T])."""
    flat = z.permute(0, 2, 1).reshape(-1, z.shape[1])
    residual, total, codes = flat, torch.zeros_like(flat), []
    for embed in books[:n_quantizers]:
        index = torch.cdist(residual, embed).argmin(dim=1)
        total = total + embed[index]
        residual = residual - embed[index]
        codes.append(index)
    out = total.view(z.shape[0], z.shape[2], z.shape[1]).permute(0, 2, 1)
    return out, torch.stack(codes).view(len(codes), z.shape[0], z.shape[2])


def kmeans_books(frames: torch.Tensor, n_books: int, size: int, iterations: int = 12, seed: int = 0) -> list:
    """Residual k-means codebooks ([size, D] each) of `frames` [N, D]."""
    gen = torch.Generator().manual_seed(seed)
    residual, books = frames, []
    for _ in range(n_books):
        centers = kmeans(residual, size, iterations, gen)
        books.append(centers)
        residual = residual - centers[nearest(residual, centers)]
    return books
