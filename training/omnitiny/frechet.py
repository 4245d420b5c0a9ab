"""Fréchet distance between two sets of embedding vectors, each summarised by a Gaussian:

    FD = |mu1 - mu2|² + tr(S1 + S2 - 2 (S1 S2)^½)

computed without scipy: tr((S1 S2)^½) = Σ √λ over the eigenvalues λ of the symmetric positive
semi-definite matrix √S1 · S2 · √S1 (similar to S1 S2), with √S1 from an eigendecomposition and
round-off negatives clipped to zero. Everything is float64."""

import numpy as np


def gaussian(frames: np.ndarray) -> tuple:
    """(mean [D], covariance [D, D]) of `frames` [N, D] (N ≥ 2; unbiased covariance)."""
    x = np.asarray(frames, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"need at least 2 frames of shape [N, D], got {x.shape}")
    return x.mean(axis=0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    root = _sqrt_psd(sigma1)
    inner = root @ sigma2 @ root
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    diff = mu1 - mu2
    distance = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt)
    return max(distance, 0.0)  # FD ≥ 0; a negative value is round-off (identical sets)


def frechet_between(frames1: np.ndarray, frames2: np.ndarray) -> float:
    """Fréchet distance between the Gaussians fitted to two frame sets [N1, D] and [N2, D]."""
    return frechet_distance(*gaussian(frames1), *gaussian(frames2))
