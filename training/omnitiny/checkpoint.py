"""Resumable training state: one file per run, replaced atomically, so an interrupted run continues
from its last checkpoint with the same optimizer state, step and random generators."""

import os

import torch


def save(path: str, **state) -> None:
    tmp = path + ".part"
    torch.save(state, tmp)
    os.replace(tmp, path)


def load(path: str):
    """The saved state, or None when there is no checkpoint yet."""
    if not os.path.exists(path):
        return None
    return torch.load(path, map_location="cpu", weights_only=False)
