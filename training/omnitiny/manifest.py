"""Reads a corpus manifest (see `corpus`) and loads its audio."""

import json
import os

import numpy as np

from .audio import read_wav


def read(manifest_path: str, split: str = "train", kinds=("speech", "music", "foley")) -> list:
    base = os.path.dirname(os.path.abspath(manifest_path))
    items = []
    with open(manifest_path) as fh:
        for line_number, line in enumerate(fh, 1):
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{manifest_path}:{line_number}: not JSON ({e.msg})") from None
            if item.get("split") == split and item.get("kind") in kinds:
                item["path"] = os.path.join(base, item["audio"])
                items.append(item)
    return items


def load_audio(items: list) -> list:
    """int16 arrays (half the memory of float32), in the order of `items`."""
    return [np.round(read_wav(i["path"]) * 32768).astype(np.int16) for i in items]
