"""Averages two adapter files of the same layout: `(1 − w) · A + w · B`, tensor by tensor.

Two fine-tunings of one adapter file land near each other (OmniBark-tiny's phase-12 runs moved the
tensors by 3 % of their norm on average), and the average of such a pair keeps part of what each learned
(the "model soup" of Wortsman et al., 2022). Phase 13 uses it to keep the shipped file's words at the
normal rate while taking part of the rebuilt-label runs' gain at the fast rate (the knock's words it does
not keep: see training/README.md, phase 13).

The files must agree on everything but the values: the same tensor names, shapes and dtypes and the same
header metadata (format, fusion layers, rate-clock layer, clock holds), else nothing is written.

    python -m omnitiny.adapter_average --a ../models/omnibark-tiny/adapters.safetensors \\
        --b runs-steer20/adapters.safetensors --weight 0.5 --out runs-soup/adapters.safetensors
"""

import argparse
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save_file


class LayoutMismatch(ValueError):
    """The two files differ in more than their values (the message names what)."""


def average(path_a: str, path_b: str, weight: float) -> tuple:
    """(tensors, metadata) of `(1 − weight) · A + weight · B`; raises `LayoutMismatch` naming the difference."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight {weight} is outside 0…1")
    with safe_open(path_a, "pt") as a, safe_open(path_b, "pt") as b:
        meta_a, meta_b = a.metadata() or {}, b.metadata() or {}
        if meta_a != meta_b:
            keys = sorted(k for k in set(meta_a) | set(meta_b) if meta_a.get(k) != meta_b.get(k))
            raise LayoutMismatch(f"header metadata differs in {keys}")
        names_a, names_b = set(a.keys()), set(b.keys())
        if names_a != names_b:
            only = sorted(names_a ^ names_b)
            raise LayoutMismatch(f"tensor names differ: {only[:5]}{' …' if len(only) > 5 else ''}")
        out = {}
        for name in sorted(names_a):
            x, y = a.get_tensor(name), b.get_tensor(name)
            if x.shape != y.shape or x.dtype != y.dtype:
                raise LayoutMismatch(f"tensor {name}: {tuple(x.shape)} {x.dtype} against {tuple(y.shape)} {y.dtype}")
            mixed = x.double() * (1.0 - weight) + y.double() * weight
            out[name] = mixed.to(x.dtype).contiguous()
    return out, meta_a


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--a", required=True, help="adapter file A (safetensors)")
    p.add_argument("--b", required=True, help="adapter file B, the same layout")
    p.add_argument("--weight", type=float, default=0.5, help="B's share, 0…1 (default 0.5)")
    p.add_argument("--out", required=True, help="the averaged file (written whole, then renamed into place)")
    a = p.parse_args(argv)
    for path in (a.a, a.b):
        if not os.path.isfile(path):
            sys.exit(f"adapter_average: {path}: no such file")
    try:
        tensors, metadata = average(a.a, a.b, a.weight)
    except (LayoutMismatch, ValueError) as error:
        sys.exit(f"adapter_average: {a.a} and {a.b}: {error}")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    partial = a.out + ".partial"
    save_file(tensors, partial, metadata=metadata)
    os.replace(partial, a.out)
    print(f"adapter_average: {len(tensors)} tensors, {1 - a.weight:g} · {a.a} + {a.weight:g} · {a.b} → {a.out}")


if __name__ == "__main__":
    main()
