#!/usr/bin/env python3
"""Writes the fuzzing seed corpus, Fuzz/Corpus/<target>/, for scripts/fuzz.sh.

Needs only the standard library and numpy. Each target gets a few small valid inputs (built here
or copied from Tests/Fixtures) plus a few interesting invalid ones. Crash reproducers found by
fuzzing live beside them as `regression-*` files and are kept by this script (it only writes the
files it names). Run from anywhere: python3 scripts/make_fuzz_corpus.py
"""
import io
import json
import pickle
import shutil
import struct
import sys
import types
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "Corpus"
FIXTURES = ROOT / "Tests" / "Fixtures"


def put(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def copy(target, fixture, name=None):
    source = FIXTURES / fixture
    put(target, name or source.name, source.read_bytes())


# --- safetensors -------------------------------------------------------------------------------

def safetensors(tensors, metadata=None, header_override=None):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        dtype, raw = array
        header[name] = {"dtype": dtype, "shape": list(raw.shape), "data_offsets": [offset, offset + raw.nbytes]}
        blobs.append(raw.tobytes())
        offset += raw.nbytes
    if metadata is not None:
        header["__metadata__"] = metadata
    text = (header_override or json.dumps(header, separators=(",", ":"))).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def make_safetensors():
    t = "fuzz-safetensors"
    f32 = np.arange(6, dtype="<f4").reshape(2, 3)
    put(t, "f32_f16_i64.safetensors", safetensors({
        "w": ("F32", f32), "h": ("F16", np.array([1.5, -2], dtype="<f2")),
        "ids": ("I64", np.array([1, -1, 7], dtype="<i8")),
    }, {"format": "pt"}))
    put(t, "bf16_u8_bool.safetensors", safetensors({
        "b": ("BF16", np.array([0x3F80, 0xC000], dtype="<u2")), "u": ("U8", np.array([1, 2, 255], dtype="u1")),
        "m": ("BOOL", np.array([1, 0], dtype="u1")), "z": ("F32", np.zeros((0, 4), dtype="<f4")),
        "s": ("F64", np.array(3.25, dtype="<f8")),
    }))
    put(t, "empty_header.safetensors", struct.pack("<Q", 2) + b"{}")
    put(t, "length_beyond_file.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    overlap = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}'
    put(t, "overlap.safetensors", safetensors({}, header_override=overlap) + bytes(12))
    copy(t, "checkpoints/state.safetensors")


# --- PyTorch zip + pickle ----------------------------------------------------------------------

def fake_torch_modules():
    """Module objects named like torch's, so pickle writes the same GLOBALs torch.save does."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for name in ["FloatStorage", "HalfStorage", "LongStorage", "BoolStorage"]:
        cls = type(name, (), {"__module__": "torch", "__qualname__": name})
        setattr(torch, name, cls)

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("never called")
    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    return torch, utils


class Tensor:
    """Pickles as torch does: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __reduce__(self):
        import collections
        utils = sys.modules["torch._utils"]
        return (utils._rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


class Storage:
    def __init__(self, kind, key, count):
        self.kind, self.key, self.count = kind, key, count


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(sys.modules["torch"], obj.kind), obj.key, "cpu", obj.count)
        return None


def torch_zip(root, storages, prefix="archive", compress_pickle=False):
    buffer = io.BytesIO()
    pickled = io.BytesIO()
    TorchPickler(pickled, protocol=2).dump(root)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}/data.pkl", pickled.getvalue(),
                         compress_type=zipfile.ZIP_DEFLATED if compress_pickle else zipfile.ZIP_STORED)
        archive.writestr(f"{prefix}/byteorder", b"little")
        for key, raw in storages.items():
            archive.writestr(f"{prefix}/data/{key}", raw)
        archive.writestr(f"{prefix}/version", b"3\n")
    return buffer.getvalue()


def make_torch():
    import collections
    t = "fuzz-torch"
    fake_torch_modules()
    s0 = Storage("FloatStorage", "0", 6)
    s1 = Storage("LongStorage", "1", 3)
    state = collections.OrderedDict([
        ("w", Tensor(s0, 0, (2, 3), (3, 1))),
        ("w_t", Tensor(s0, 0, (3, 2), (1, 3))),          # a transposed view of the same storage
        ("row", Tensor(s0, 3, (3,), (1,))),
        ("ids", Tensor(s1, 0, (3,), (1,))),
    ])
    storages = {"0": np.arange(6, dtype="<f4").tobytes(), "1": np.array([1, 2, 3], dtype="<i8").tobytes()}
    put(t, "state_dict.pt", torch_zip(state, storages))
    suno = {"model": state, "model_args": {"n_layer": 2, "bias": True, "dropout": 0.0, "name": "x"}, "iter_num": 7}
    put(t, "suno_layout.pt", torch_zip(suno, storages, prefix="ckpt"))
    put(t, "compressed_pickle.pt", torch_zip(state, storages, compress_pickle=True))
    put(t, "view_past_storage.pt", torch_zip({"w": Tensor(Storage("FloatStorage", "0", 2), 1, (4,), (1,))},
                                             {"0": np.zeros(2, dtype="<f4").tobytes()}))
    for fixture in ["state_torch.bin", "state_suno.pt", "state_torch_zip64.bin", "evil_os_system.pt", "bigendian.pt", "legacy.pt"]:
        copy(t, "checkpoints/" + fixture)


# --- npy / npz ---------------------------------------------------------------------------------

def npy(array, version=None, fortran=False):
    buffer = io.BytesIO()
    if fortran:
        array = np.asfortranarray(array)
    np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def npz(arrays, compressed=False):
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def make_numpy():
    t = "fuzz-numpy"
    put(t, "f32_2x3.npy", npy(np.arange(6, dtype="<f4").reshape(2, 3)))
    put(t, "i64_fortran_3x2.npy", npy(np.arange(6, dtype="<i8").reshape(3, 2), fortran=True))
    put(t, "u16_v2.npy", npy(np.array([1, 2, 65535], dtype="<u2"), version=(2, 0)))
    put(t, "f2_scalar.npy", npy(np.array(1.5, dtype="<f2")))
    put(t, "bool_empty.npy", npy(np.zeros((0, 3), dtype="?")))
    put(t, "bigendian.npy", npy(np.array([1, 2], dtype=">i4")))
    rng = np.random.default_rng(0)
    preset = {
        "semantic_prompt": rng.integers(0, 10_000, 12).astype("<i8"),
        "coarse_prompt": np.asfortranarray(rng.integers(0, 1024, (2, 9)).astype("<i8")),
        "fine_prompt": rng.integers(0, 1024, (8, 9)).astype("<i2"),
    }
    put(t, "voice_preset.npz", npz(preset))
    put(t, "voice_preset_compressed.npz", npz(preset, compressed=True))
    bad = dict(preset, coarse_prompt=preset["coarse_prompt"] + 5000)
    put(t, "voice_preset_out_of_range.npz", npz(bad))
    put(t, "mixed_dtypes.npz", npz({"a": np.ones(3, dtype="<f8"), "b": np.array([True, False]), "c": np.arange(4, dtype="|i1")}))
    copy(t, "checkpoints/bomb_absurd_shape.npz")


# --- WAV ---------------------------------------------------------------------------------------

def chunk(tag, body, declared=None):
    size = len(body) if declared is None else declared
    return tag + struct.pack("<I", size) + body + (b"\0" if len(body) % 2 else b"")


def fmt(tag=1, channels=1, rate=8000, bits=16):
    align = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)


def riff(chunks):
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def make_wav():
    t = "fuzz-wav"
    samples = np.sin(np.arange(32) / 3)
    put(t, "pcm16_mono.wav", riff(chunk(b"fmt ", fmt()) + chunk(b"data", (samples * 32000).astype("<i2").tobytes())))
    put(t, "pcm8_stereo.wav", riff(chunk(b"fmt ", fmt(channels=2, bits=8)) + chunk(b"data", bytes(range(0, 256, 8)))))
    pcm24 = b"".join(int(v * 8_000_000).to_bytes(3, "little", signed=True) for v in samples[:10])
    put(t, "pcm24_list_chunk.wav", riff(chunk(b"LIST", b"odd") + chunk(b"fmt ", fmt(bits=24)) + chunk(b"data", pcm24)))
    put(t, "pcm32.wav", riff(chunk(b"fmt ", fmt(bits=32)) + chunk(b"data", (samples[:8] * 2e9).astype("<i4").tobytes())))
    put(t, "float64_stereo.wav", riff(chunk(b"fmt ", fmt(tag=3, channels=2, bits=64)) + chunk(b"data", samples[:8].astype("<f8").tobytes())))
    guid = struct.pack("<H", 3) + bytes([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71])
    extensible = fmt(tag=0xFFFE, rate=16000, bits=32) + struct.pack("<HHI", 22, 32, 4) + guid
    put(t, "float32_extensible.wav", riff(chunk(b"fmt ", extensible) + chunk(b"data", samples[:6].astype("<f4").tobytes())))
    put(t, "data_size_beyond_file.wav", riff(chunk(b"fmt ", fmt()) + chunk(b"data", bytes(4), declared=0xFFFFFFF0)))
    put(t, "data_before_fmt.wav", riff(chunk(b"data", bytes(4)) + chunk(b"fmt ", fmt())))


# --- PNG / JPEG --------------------------------------------------------------------------------

def png(width, height, color_type, bit_depth, rows, palette=None, interlace=0, trns=None):
    def block(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
    out = b"\x89PNG\r\n\x1a\n" + block(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))
    if palette is not None:
        out += block(b"PLTE", palette)
    if trns is not None:
        out += block(b"tRNS", trns)
    raw = b"".join(b"\0" + row for row in rows)
    return out + block(b"IDAT", zlib.compress(raw)) + block(b"IEND", b"")


def make_image():
    t = "fuzz-image"
    w, h = 8, 6
    put(t, "rgb8_8x6.png", png(w, h, 2, 8, [bytes(v for x in range(w) for v in (x * 30, y * 40, 128)) for y in range(h)]))
    put(t, "palette4_8x6_trns.png", png(w, h, 3, 4, [bytes(((x % 4) << 4 | (y % 4)) for x in range(w // 2)) for y in range(h)],
                                        palette=bytes(range(48)), trns=b"\x00\x80"))
    put(t, "gray16_adam7_8x6.png", png(w, h, 0, 16, [b"".join(struct.pack(">H", x * 8000 + y) for x in range(w)) for y in range(h)],
                                       interlace=1))
    put(t, "rgba8_4x4.png", png(4, 4, 6, 8, [bytes(v for x in range(4) for v in (x * 60, y * 60, 9, 200)) for y in range(4)]))
    put(t, "huge_header_only.png", png(20000, 20000, 2, 8, [])[:33])
    for fixture in ["bilevel_50x20.png", "graya_40x30.png", "rgba16_21x13.png", "cmyk_16x16.jpg", "gray_64x48.jpg", "garbage.png"]:
        copy(t, "clip/images/" + fixture)
    put(t, "gray_64x48_truncated.jpg", (FIXTURES / "clip/images/gray_64x48.jpg").read_bytes()[:700])


# --- JSON inputs -------------------------------------------------------------------------------

def make_control_events():
    t = "fuzz-control-events"
    copy(t, "fusion/events.json")
    put(t, "array_form.json", '[{"time": 0, "kind": "beat"}, {"frame": 75, "kind": "style", "payload": 2}]')
    put(t, "phoneme_and_sfx.json", '{"events": [{"time": 1e-3, "kind": "phoneme", "payload": "AA"}, {"time": 2, "kind": "sfx", "payload": "x"}]}')
    put(t, "bad_kind.json", '[{"time": 1, "kind": "explosion"}]')
    put(t, "negative_frame.json", '[{"frame": -4, "kind": "beat"}]')
    put(t, "empty.json", "[]")


def make_adapter_metadata():
    t = "fuzz-adapter-metadata"
    blob = (FIXTURES / "fusion/adapters.safetensors").read_bytes()
    header = json.loads(blob[8:8 + struct.unpack("<Q", blob[:8])[0]])
    put(t, "fixture.json", header["__metadata__"]["omnibark_adapters"])
    put(t, "minimal.json", '{"hidden_size": 4, "heads": 2, "fusion_layers": [1]}')
    put(t, "bark_small.json", json.dumps({"format_version": 1, "hidden_size": 768, "heads": 12, "fusion_layers": [3, 7, 11]}))
    put(t, "heads_not_dividing.json", '{"hidden_size": 6, "heads": 4, "fusion_layers": []}')
    put(t, "wrong_types.json", '{"hidden_size": "8", "heads": 2.5, "fusion_layers": {}}')


def make_say_request():
    t = "fuzz-say-request"
    put(t, "example.json", '{"text": "Hello there.", "voice": "v2/en_speaker_6", "seed": 1, "priority": 0}')
    put(t, "text_only.json", '{"text": "  Hi  "}')
    put(t, "nulls.json", '{"text": "a", "voice": null, "seed": null, "priority": null}')
    put(t, "big_numbers.json", '{"text": "a", "seed": 1.8446744073709552e19, "priority": -1e9}')
    put(t, "unknown_field.json", '{"text": "a", "speed": 2}')
    put(t, "not_utf8.json", b'{"text": "\xff\xfe"}')


def make_live_control_json():
    t = "fuzz-live-control-json"
    put(t, "every_kind.json", json.dumps({"events": [
        {"kind": "say", "payload": "Next song."}, {"kind": "beat", "time": 0.5}, {"kind": "sfx", "payload": 3, "frame": 75},
        {"kind": "phoneme", "payload": "AH"}, {"kind": "style", "payload": "calm"}, {"kind": "instruction", "payload": "[whisper]"},
        {"kind": "weight", "modality": "audio", "payload": 0.5}]}))
    put(t, "one_object.json", '{"kind": "sfx", "payload": "door_slam", "time": 1.25}')
    put(t, "array_form.json", '[{"kind": "instruction", "payload": ""}, {"kind": "weight", "modality": "text", "payload": 0}]')
    put(t, "bad_weight.json", '[{"kind": "weight", "modality": "smell", "payload": -1e309}]')
    put(t, "time_and_frame.json", '[{"kind": "beat", "time": 1, "frame": 2}]')
    put(t, "not_utf8.json", b'{"kind": "say", "payload": "\xff\xfe"}')


def osc_string(text):
    data = text if isinstance(text, bytes) else text.encode()
    data += b"\0"
    return data + b"\0" * (-len(data) % 4)


def osc_message(address, tags="", *values):
    out = osc_string(address) + osc_string("," + tags)
    for tag, value in zip(tags, values):
        out += {"i": lambda v: struct.pack(">i", v), "h": lambda v: struct.pack(">q", v), "f": lambda v: struct.pack(">f", v),
                "d": lambda v: struct.pack(">d", v), "s": osc_string}[tag](value)
    return out


def osc_bundle(*elements):
    return osc_string("#bundle") + struct.pack(">Q", 1) + b"".join(struct.pack(">i", len(e)) + e for e in elements)


def make_osc_packet():
    t = "fuzz-osc-packet"
    put(t, "say.osc", osc_message("/omnibark/say", "s", "Hello from OSC."))
    put(t, "beat_delay.osc", osc_message("/omnibark/beat", "f", 0.5))
    put(t, "sfx_slot.osc", osc_message("/omnibark/sfx", "id", 3, 1.0))
    put(t, "sfx_name.osc", osc_message("/omnibark/sfx", "sh", "door", 2))
    put(t, "weight.osc", osc_message("/omnibark/weight/audio", "f", 0.5))
    put(t, "bundle.osc", osc_bundle(osc_message("/omnibark/style", "s", "[whisper]"),
                                    osc_bundle(osc_message("/omnibark/phoneme", "sf", "AH", 0.1))))
    put(t, "truncated.osc", osc_message("/omnibark/say", "s", "cut short")[:-4])
    put(t, "unknown_address.osc", osc_message("/foo", "i", 1))
    put(t, "bad_bundle_size.osc", osc_string("#bundle") + struct.pack(">Qi", 1, 4096) + b"\1\2\3\4")


def main():
    for make in [make_safetensors, make_torch, make_numpy, make_wav, make_image, make_control_events,
                 make_adapter_metadata, make_say_request, make_live_control_json, make_osc_packet]:
        make()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus: {sum(1 for p in CORPUS.rglob('*') if p.is_file())} files, {total} bytes in {CORPUS}")


if __name__ == "__main__":
    main()
