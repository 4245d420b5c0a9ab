"""Plain k-means on the CPU, shared by the semantic units (`units`) and the mel codec's codebooks
(`mel_latent`): centres start at random rows, an empty cluster takes a random row, so every centre
stays in use."""

import torch


def kmeans(x: torch.Tensor, k: int, iterations: int, generator: torch.Generator, progress=None) -> torch.Tensor:
    """Centres [k, D] of the rows of `x` [N, D]; `progress(iteration, iterations)` after each pass."""
    centers = x[torch.randperm(x.shape[0], generator=generator)[:k]].clone()
    for it in range(iterations):
        assign = nearest(x, centers)
        sums = torch.zeros_like(centers).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).float().unsqueeze(1)
        empty = counts.squeeze(1) == 0
        centers = torch.where(counts > 0, sums / counts.clamp(min=1), centers)
        if empty.any():
            centers[empty] = x[torch.randint(0, x.shape[0], (int(empty.sum()),), generator=generator)]
        if progress:
            progress(it + 1, iterations)
    return centers


def nearest(x: torch.Tensor, centers: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    """Index of the nearest centre for each row of `x`, in chunks of rows (bounded memory)."""
    return torch.cat([torch.cdist(x[i:i + chunk], centers).argmin(dim=1) for i in range(0, x.shape[0], chunk)])
