#!/usr/bin/env python3
"""Writes the small checkpoint fixtures used by Tests/CheckpointsTests.

Run with a Python that has torch, safetensors and numpy (the reference venv):
    /work/venv-ref/bin/python scripts/make_checkpoint_fixtures.py
Output goes to Tests/Fixtures/checkpoints/ (committed: CI has no torch). Deterministic: seeded RNG.

Files written:
  state.safetensors      the state dict (contiguous copies; safetensors refuses shared/strided tensors)
  state_torch.bin        torch.save(state_dict)  (HF pytorch_model.bin layout)
  state_suno.pt          torch.save({"model": {"_orig_mod." + k: v}, "model_args": ..., ...}) (Suno layout)
  expected.npz           every tensor as float32, keyed by its state-dict name (np.savez, stored)
  dtypes.npz             np.savez_compressed of one small array per supported NumPy dtype (deflated)
  evil_os_system.pt      torch-zip layout whose data.pkl does GLOBAL 'os system' (hand-written bytes)
  evil_builtins_eval.pt  same with STACK_GLOBAL 'builtins' 'eval' (protocol 4, hand-written bytes)
  legacy.pt              torch.save(..., _use_new_zipfile_serialization=False) (pre-1.6 format)
  state_torch_zip64.bin  state_torch.bin re-written with ZIP64 records everywhere (as the 4.5 GB suno/bark
                         pytorch_model.bin needs), by a hand-written stored-zip writer below
  bigendian.pt           state_torch.bin with its byteorder member saying "big"
  bomb_small_shape.npz   deflated member: .npy header claims shape (4,) <f4, then 32 MiB of zeros follow
  bomb_absurd_shape.npz  deflated member: .npy header claims shape (2**40,) <f4 (4 TiB), 1 MiB of zeros follow
  VERSIONS.txt           versions of the tools that wrote them
"""
import collections
import io
import os
import platform
import struct
import zipfile

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "checkpoints")


def state_dict():
    g = torch.Generator().manual_seed(1234)
    base = torch.randn(10, generator=g)
    sd = collections.OrderedDict()
    sd["f32_2d"] = torch.randn(3, 4, generator=g)
    sd["transposed"] = torch.randn(4, 3, generator=g).t()  # shape (3, 4), strides (1, 3)
    sd["shared_a"] = base[2:5]  # storage offset 2
    sd["shared_b"] = base[4:10].view(2, 3)  # same storage, offset 4, overlaps shared_a
    sd["f16"] = torch.randn(2, 3, generator=g).half()
    sd["bf16"] = torch.randn(2, 3, generator=g).bfloat16()
    sd["f64"] = torch.randn(2, 2, generator=g).double()
    sd["i64"] = torch.arange(-3, 3, dtype=torch.int64).reshape(2, 3)
    sd["i32"] = torch.tensor([7, -8, 9], dtype=torch.int32)
    sd["u8"] = torch.tensor([0, 1, 255], dtype=torch.uint8)
    sd["mask"] = torch.tensor([[True, False, True], [False, True, False]])
    sd["scalar"] = torch.tensor(3.5)
    # nn.Module.state_dict() attaches this; torch pickles it with BUILD on the OrderedDict.
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("layer", {"version": 2})])
    return sd


def torch_zip_with_pickle(path, pickle_bytes):
    """A torch-zip layout (archive/data.pkl, archive/version) around hand-written pickle bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/version", b"3\n")
        z.writestr("archive/byteorder", b"little")


def npy_header(descr, shape):
    """A v1.0 .npy header, written by hand (same layout numpy writes)."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def deflated_bomb(path, header, zero_bytes):
    """An .npz whose single member is `header` followed by `zero_bytes` zeros, deflated, streamed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("bomb.npy", "w", force_zip64=False) as member:
            member.write(header)
            chunk = b"\0" * (1 << 20)
            for _ in range(zero_bytes >> 20):
                member.write(chunk)


def write_stored_zip(path, members, zip64):
    """A stored (uncompressed) zip of (name, bytes) pairs. With zip64, every central record saturates
    its sizes and local-header offset to 0xFFFFFFFF and carries a ZIP64 extra field, and the archive ends
    with a ZIP64 end record and locator, exactly as a >4 GiB archive must."""
    import zlib
    out = bytearray()
    central = bytearray()
    for name, data in members:
        name_bytes = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, 0, 0, 0x21, crc,
                           len(data), len(data), len(name_bytes), 0) + name_bytes + data
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
            sizes = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        else:
            extra = b""
            sizes = (len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if zip64 else 20, 0, 0, 0, 0x21, crc,
                               sizes[0], sizes[1], len(name_bytes), len(extra), 0, 0, 0, 0o644 << 16,
                               sizes[2]) + name_bytes + extra
    cd_offset = len(out)
    out += central
    n = len(members)
    if zip64:
        eocd64 = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central), cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


def rewrite_torch_zip(source, path, zip64, byteorder=None):
    """Copies a torch zip's members (renamed under the new stem) into a hand-written stored zip."""
    stem = os.path.splitext(os.path.basename(path))[0]
    members = []
    with zipfile.ZipFile(source) as z:
        for info in z.infolist():
            data = z.read(info)
            name = stem + "/" + info.filename.split("/", 1)[1]
            if byteorder is not None and name.endswith("/byteorder"):
                data = byteorder
            members.append((name, data))
    write_stored_zip(path, members, zip64)
    with zipfile.ZipFile(path) as z:  # Python's reader must accept it too
        assert z.testzip() is None


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()

    contiguous = {k: v.contiguous().clone() for k, v in sd.items()}
    save_file(contiguous, os.path.join(OUT, "state.safetensors"), metadata={"format": "pt", "note": "fixture"})

    torch.save(sd, os.path.join(OUT, "state_torch.bin"))

    suno_model = collections.OrderedDict(("_orig_mod." + k, v) for k, v in sd.items())
    suno = {
        "model": suno_model,
        "model_args": {"n_layer": 2, "n_head": 2, "n_embd": 8, "block_size": 16, "bias": False,
                       "dropout": 0.0, "input_vocab_size": 32, "output_vocab_size": 32, "name": "tiny"},
        "iter_num": 5,
        "best_val_loss": 1.25,
        "config": {"lr": 0.0003, "tags": ["a", "b"], "none": None},
    }
    torch.save(suno, os.path.join(OUT, "state_suno.pt"))

    rewrite_torch_zip(os.path.join(OUT, "state_torch.bin"), os.path.join(OUT, "state_torch_zip64.bin"), zip64=True)
    rewrite_torch_zip(os.path.join(OUT, "state_torch.bin"), os.path.join(OUT, "bigendian.pt"), zip64=False,
                      byteorder=b"big")
    assert torch.load(os.path.join(OUT, "state_torch_zip64.bin"))["f32_2d"].equal(sd["f32_2d"])

    expected = {k: v.to(torch.float32).numpy() for k, v in sd.items()}
    np.savez(os.path.join(OUT, "expected.npz"), **expected)

    arrays = {
        "f4": np.array([[1.5, -2.25], [3.0, 4.125]], dtype="<f4"),
        "f8": np.array([1e-3, -2.5, 1e10], dtype="<f8"),
        "f2": np.array([0.5, -1.0, 65504.0], dtype="<f2"),
        "i8": np.array([-(2**40), 0, 2**40], dtype="<i8"),
        "i4": np.array([[-7, 8, 9]], dtype="<i4"),
        "i2": np.array([-300, 300], dtype="<i2"),
        "i1": np.array([-128, 127], dtype="|i1"),
        "u1": np.array([0, 255], dtype="|u1"),
        "u2": np.array([65535, 1], dtype="<u2"),
        "u4": np.array([4000000000, 2], dtype="<u4"),
        "u8": np.array([2**40, 3], dtype="<u8"),
        "b1": np.array([True, False, True], dtype="|b1"),
        "scalar": np.array(2.5, dtype="<f4"),
        "empty": np.zeros((0, 3), dtype="<f4"),
    }
    np.savez_compressed(os.path.join(OUT, "dtypes.npz"), **arrays)

    # Protocol 2: PROTO 2, GLOBAL 'os\nsystem\n', SHORT_BINUNICODE 'ls', TUPLE1, REDUCE, STOP.
    evil = b"\x80\x02" + b"cos\nsystem\n" + b"\x8c\x02ls" + b"\x85" + b"R" + b"."
    torch_zip_with_pickle(os.path.join(OUT, "evil_os_system.pt"), evil)
    # Protocol 4: PROTO 4, SHORT_BINUNICODE 'builtins', SHORT_BINUNICODE 'eval', STACK_GLOBAL,
    # SHORT_BINUNICODE '1+1', TUPLE1, REDUCE, STOP.
    evil2 = b"\x80\x04" + b"\x8c\x08builtins" + b"\x8c\x04eval" + b"\x93" + b"\x8c\x031+1" + b"\x85" + b"R" + b"."
    torch_zip_with_pickle(os.path.join(OUT, "evil_builtins_eval.pt"), evil2)

    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy.pt"), _use_new_zipfile_serialization=False)

    deflated_bomb(os.path.join(OUT, "bomb_small_shape.npz"), npy_header("<f4", (4,)), 32 << 20)
    deflated_bomb(os.path.join(OUT, "bomb_absurd_shape.npz"), npy_header("<f4", (2**40,)), 1 << 20)

    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write("Written by scripts/make_checkpoint_fixtures.py\n")
        f.write(f"python {platform.python_version()}\n")
        f.write(f"torch {torch.__version__}\n")
        f.write(f"numpy {np.__version__}\n")
        f.write(f"safetensors {safetensors.__version__}\n")


if __name__ == "__main__":
    main()
