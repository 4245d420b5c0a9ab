#!/usr/bin/env python3
"""Builds Tests/Fixtures/clip: a tiny random CLIPVisionModel, test images, and reference outputs.

Run with the reference environment (torch, transformers, numpy, Pillow):

    /work/venv-ref/bin/python scripts/make_clip_fixtures.py

Deterministic: fixed seeds, no timestamps in the outputs. Writes
  model.safetensors, config.json      tiny CLIPVisionModel, every parameter randomised
  images/*                            test images written with Pillow (and a hand-written 16-bit RGBA PNG)
  decoded.npz                         what Pillow's Image.open(...).convert("RGB") gives, uint8 HWC per image
                                      (exception: 16-bit grey, where the expected value is the high byte; see below)
  preprocessed.npz                    per image: the processor's resized+cropped uint8 image (HWC), and its
                                      pixel_values for a few images
  pixel_values.npy                    processor output for images/rgb_640x480.png, [3, 224, 224] float32
  last_hidden_state.npy, pooler_output.npy   model outputs for pixel_values.npy
  outputs.npz                         model outputs end to end for the other images
  manifest.json                       image list, expected sizes and errors
  VERSIONS.txt                        library versions used

The processor is transformers' CLIPImageProcessorPil (Pillow bicubic, uint8 between passes): it is the one
AutoImageProcessor picks without torchvision, and the one whose arithmetic the Swift port reproduces.
"""
import json
import platform
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import PIL
import PIL.features
import torch
import transformers
from PIL import Image
from transformers import CLIPVisionConfig, CLIPVisionModel
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "clip"
IMAGES = OUT / "images"


def pattern(height, width, seed, channels=3):
    """A compressible test picture with sharp edges, gradients and a little texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        fx, fy = rng.uniform(0.01, 0.08, size=2)
        base = 127 + 90 * np.sin(x * fx + c) * np.cos(y * fy - c)
        base += 40 * ((x // max(1, width // 7) + y // max(1, height // 5)) % 2) - 20
        for _ in range(4):  # a few solid discs
            cx, cy = rng.uniform(0, width), rng.uniform(0, height)
            r = rng.uniform(0.05, 0.3) * min(width, height) + 2
            base = np.where((x - cx) ** 2 + (y - cy) ** 2 < r * r, rng.uniform(0, 255), base)
        planes.append(base)
    img = np.stack(planes, axis=-1)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png_rgba16(path, pixels):
    """A 16-bit RGBA PNG (colour type 6, depth 16); Pillow cannot write one itself."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].astype(">u2").tobytes() for row in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
                     + png_chunk(b"IEND", b""))


def make_images():
    IMAGES.mkdir(parents=True, exist_ok=True)
    made = {}

    rgb = pattern(480, 640, 1)
    Image.fromarray(rgb, "RGB").save(IMAGES / "rgb_640x480.png", optimize=False)
    made["rgb_640x480.png"] = "png rgb 8-bit"

    rgba = np.concatenate([pattern(300, 100, 2), pattern(300, 100, 3, channels=1)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(IMAGES / "rgba_100x300.png")
    made["rgba_100x300.png"] = "png rgba 8-bit (alpha dropped)"

    grey16 = (pattern(900, 17, 4, channels=1)[..., 0].astype(np.uint16) * 257
              + np.random.default_rng(5).integers(0, 257, size=(900, 17))).astype(np.uint16)
    Image.fromarray(grey16).save(IMAGES / "gray16_17x900.png")  # mode I;16 -> 16-bit grey PNG
    made["gray16_17x900.png"] = "png grey 16-bit"

    pal = Image.fromarray(pattern(224, 224, 6), "RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=0)
    pal.info["transparency"] = 3  # a tRNS chunk: convert("RGB") ignores it
    pal.save(IMAGES / "palette_224x224.png", transparency=3)
    made["palette_224x224.png"] = "png palette with tRNS"

    la = np.concatenate([pattern(30, 40, 7, channels=1), pattern(30, 40, 8, channels=1)], axis=-1)
    Image.fromarray(la, "LA").save(IMAGES / "graya_40x30.png")
    made["graya_40x30.png"] = "png grey+alpha 8-bit"

    bilevel = Image.fromarray(pattern(20, 50, 9, channels=1)[..., 0] > 127)
    bilevel.save(IMAGES / "bilevel_50x20.png")
    made["bilevel_50x20.png"] = "png 1-bit grey"

    rgba16 = np.random.default_rng(10).integers(0, 65536, size=(13, 21, 4)).astype(np.uint16)
    write_png_rgba16(IMAGES / "rgba16_21x13.png", rgba16)
    made["rgba16_21x13.png"] = "png rgba 16-bit"

    photo = pattern(240, 320, 11)
    Image.fromarray(photo, "RGB").save(IMAGES / "baseline_320x240.jpg", quality=90)
    made["baseline_320x240.jpg"] = "jpeg baseline 4:2:0"

    Image.fromarray(pattern(150, 200, 12), "RGB").save(IMAGES / "progressive_200x150.jpg", quality=85,
                                                        progressive=True, subsampling=0)
    made["progressive_200x150.jpg"] = "jpeg progressive 4:4:4"

    Image.fromarray(pattern(48, 64, 13, channels=1)[..., 0], "L").save(IMAGES / "gray_64x48.jpg", quality=90)
    made["gray_64x48.jpg"] = "jpeg greyscale"

    Image.fromarray(pattern(16, 16, 14, channels=4), "CMYK").save(IMAGES / "cmyk_16x16.jpg", quality=90)
    made["cmyk_16x16.jpg"] = "jpeg cmyk (refused)"

    # Broken inputs: never a crash, always a typed error.
    full = (IMAGES / "rgb_640x480.png").read_bytes()
    (IMAGES / "truncated.png").write_bytes(full[: len(full) // 3])
    jpeg = (IMAGES / "baseline_320x240.jpg").read_bytes()
    (IMAGES / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (IMAGES / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(np.random.default_rng(15).integers(0, 256, 300, dtype=np.uint8)))
    (IMAGES / "not_an_image.txt").write_bytes(b"hello, this is not an image\n")
    huge = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    (IMAGES / "huge_20000x20000.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", huge)
                                                   + png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + png_chunk(b"IEND", b""))
    return made


def expected_rgb(name):
    """What the Swift decoder must produce: Pillow's convert("RGB"), except 16-bit grey (see below)."""
    img = Image.open(IMAGES / name)
    if img.mode in ("I;16", "I;16B", "I"):
        # Pillow's I;16 -> RGB conversion clips 16-bit values to 255 (nearly every pixel turns white).
        # The Swift decoder keeps the high byte instead, as Pillow itself does for 16-bit RGB(A) PNGs.
        high = (np.asarray(img).astype(np.uint32) >> 8).astype(np.uint8)
        return np.repeat(high[..., None], 3, axis=-1)
    return np.asarray(img.convert("RGB"))


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def randomise(model):
    gen = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, param in model.named_parameters():
            shape = param.shape
            noise = torch.randn(shape, generator=gen)
            if "norm" in name or "layrnorm" in name:
                param.copy_(1.0 + 0.3 * noise if name.endswith("weight") else 0.2 * noise)
            elif name.endswith("bias"):
                param.copy_(0.2 * noise)
            elif "patch_embedding" in name:
                param.copy_(noise / np.sqrt(shape[1] * shape[2] * shape[3]))
            elif "embedding" in name:
                param.copy_(0.5 * noise)
            else:  # linear weights [out, in]
                param.copy_(noise / np.sqrt(shape[-1]))


def main():
    torch.manual_seed(0)
    made = make_images()

    config = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                              image_size=224, patch_size=32, num_channels=3, layer_norm_eps=1e-5,
                              hidden_act="quick_gelu", projection_dim=16)
    model = CLIPVisionModel(config).eval()
    randomise(model)
    model.save_pretrained(OUT, safe_serialization=True)

    processor = CLIPImageProcessorPil()
    parity = ["rgb_640x480.png", "rgba_100x300.png", "gray16_17x900.png", "palette_224x224.png",
              "baseline_320x240.jpg", "progressive_200x150.jpg"]
    decoded, pre, outputs = {}, {}, {}
    for name in made:
        if name.startswith("cmyk"):
            continue
        decoded[name.replace(".", "_")] = expected_rgb(name)
    mean = np.array(processor.image_mean, dtype=np.float32)[:, None, None]
    std = np.array(processor.image_std, dtype=np.float32)[:, None, None]
    for name in parity:
        rgb = Image.fromarray(decoded[name.replace(".", "_")], "RGB")
        pv = processor(images=rgb, return_tensors="np")["pixel_values"][0]
        crop = processor(images=rgb, do_rescale=False, do_normalize=False, return_tensors="np")["pixel_values"][0]
        crop_u8 = np.asarray(crop).round().astype(np.uint8)
        # The uint8 crop determines pixel_values exactly: check, so storing the crop loses nothing.
        again = ((crop_u8.astype(np.float64) * (1 / 255)).astype(np.float32) - mean) / std
        assert np.array_equal(again.astype(np.float32), pv), name
        key = name.replace(".", "_")
        if name != "rgb_640x480.png":  # that one's pixel_values.npy is stored in full
            pre["crop_" + key] = crop_u8.transpose(1, 2, 0).copy()
        with torch.no_grad():
            out = model(pixel_values=torch.from_numpy(pv[None]))
        outputs["last_hidden_state_" + key] = out.last_hidden_state[0].numpy()
        outputs["pooler_output_" + key] = out.pooler_output[0].numpy()
        if name == "rgb_640x480.png":
            np.save(OUT / "pixel_values.npy", pv.astype(np.float32))
            np.save(OUT / "last_hidden_state.npy", out.last_hidden_state[0].numpy())
            np.save(OUT / "pooler_output.npy", out.pooler_output[0].numpy())
    # Small images are stored whole; for every image the FNV-1a 64-bit hash of its RGB bytes is recorded.
    hashes = {name: fnv1a64(array.tobytes()) for name, array in decoded.items()}
    np.savez_compressed(OUT / "decoded.npz", **{k: v for k, v in decoded.items() if v.size <= 100_000})
    np.savez_compressed(OUT / "preprocessed.npz", **pre)
    np.savez_compressed(OUT / "outputs.npz", **outputs)

    manifest = {"images": made, "parity": parity, "fnv1a64": hashes,
                "state_dict_keys": sorted(model.state_dict().keys())}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    (OUT / "VERSIONS.txt").write_text(
        f"python {platform.python_version()}\ntorch {torch.__version__}\ntransformers {transformers.__version__}\n"
        f"numpy {np.__version__}\npillow {PIL.__version__}\n"
        f"pillow libjpeg-turbo {PIL.features.version('libjpeg_turbo')}\npillow zlib {PIL.features.version('zlib')}\n"
        "processor CLIPImageProcessorPil (Pillow bicubic)\n")
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
