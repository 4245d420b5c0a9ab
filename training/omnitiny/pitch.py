"""A small pitch tracker (YIN's cumulative mean normalized difference) for judging what a codec or a
generation does to a voice's pitch: the teacher's espeak-ng voice speaks at about 100-110 Hz, and a
decoder that renders a comb at its own frame rate (75 Hz) whatever the input, as phase 2's did, shows
up here as a constant 75 Hz.

    f0 = frame_f0(samples)            # Hz per 20 ms hop, NaN where unvoiced or quiet
    median_f0(samples)                # Hz over the voiced frames (NaN when fewer than 5)
"""

import numpy as np

from .audio import SAMPLE_RATE

FRAME = 960        # 40 ms: two periods of the lowest pitch searched
HOP = 480          # 20 ms
F0_MIN = 60.0
F0_MAX = 400.0
THRESHOLD = 0.25   # YIN's aperiodicity threshold: a frame is voiced when its dip goes below this
QUIET_DB = -40.0   # frames this far below the loudest frame are not judged


def _cmnd(frame: np.ndarray, max_lag: int) -> np.ndarray:
    """YIN's cumulative mean normalized difference d'(τ) for τ = 0…max_lag (d'(0) = 1)."""
    n = len(frame) - max_lag
    diff = np.array([np.sum((frame[:n] - frame[tau:tau + n]) ** 2) for tau in range(max_lag + 1)])
    out = np.ones_like(diff)
    running = np.cumsum(diff[1:])
    taus = np.arange(1, max_lag + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[1:] = np.where(running > 0, diff[1:] * taus / running, 1.0)
    return out


def frame_f0(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """F0 in Hz per hop of 20 ms (frames of 40 ms), NaN where the frame is unvoiced or quiet."""
    x = np.asarray(samples, dtype=np.float64)
    min_lag, max_lag = int(rate / F0_MAX), int(rate / F0_MIN)
    frame = FRAME * rate // SAMPLE_RATE + max_lag
    hop = HOP * rate // SAMPLE_RATE
    starts = range(0, max(0, len(x) - frame) + 1, hop)
    energy = np.array([np.mean(x[s:s + frame] ** 2) for s in starts]) if len(x) >= frame else np.zeros(0)
    if energy.size == 0 or energy.max() <= 0:
        return np.full(len(energy), np.nan)
    loud = 10 * np.log10(np.maximum(energy, 1e-20) / energy.max()) > QUIET_DB
    out = np.full(len(energy), np.nan)
    for i, s in enumerate(starts):
        if not loud[i]:
            continue
        d = _cmnd(x[s:s + frame] - x[s:s + frame].mean(), max_lag)
        below = np.where(d[min_lag:] < THRESHOLD)[0]
        if below.size == 0:
            continue
        tau = min_lag + below[0]
        while tau + 1 <= max_lag and d[tau + 1] < d[tau]:  # down to the bottom of the first dip
            tau += 1
        if 0 < tau < max_lag:  # parabolic refinement
            a, b, c = d[tau - 1], d[tau], d[tau + 1]
            den = a - 2 * b + c
            shift = 0.5 * (a - c) / den if den > 0 else 0.0
        else:
            shift = 0.0
        out[i] = rate / (tau + shift)
    return out


def median_f0(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Median F0 in Hz over the voiced frames; NaN when fewer than 5 frames are voiced."""
    f0 = frame_f0(samples, rate)
    voiced = f0[~np.isnan(f0)]
    return float(np.median(voiced)) if voiced.size >= 5 else float("nan")


def semitones(f0: float, reference: float) -> float:
    """Signed distance of `f0` from `reference` in semitones (12 per octave)."""
    return float(12 * np.log2(f0 / reference))
