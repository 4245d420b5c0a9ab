#!/usr/bin/env python3
"""Generate OmniBark's EnCodec reference-parity fixtures from Hugging Face transformers.

Writes under Tests/Fixtures/encodec/:

    bark-tiny-nobias/, bark-tiny-bias/   reference outputs of the codec inside the Bark fixtures
                                         (Tests/Fixtures/bark-tiny-*/, loaded with BarkModel)
    encodec-tiny-legacy/                 a stand-alone EncodecModel directory with a different
                                         config (8 kHz, ratios [4,4,2], 3 filters, hidden 12, ...),
                                         fully random weights saved with the OLD weight-norm key
                                         names (`weight_g` / `weight_v`) in pytorch_model.bin, and
                                         its reference outputs in reference/

Each reference directory holds:
    codes.npy           int64 [Q, 37]   random codes fed to decode
    decode.npy          float32 [37*hop] reference `EncodecModel.decode` waveform (mono)
    audio.npy           float32 [N]     deterministic test signal (sines + noise, 0.5 s)
    encode_codes.npy    int64 [q, F]    reference `EncodecModel.encode` codes at `bandwidth.txt`
    embeddings.npy      float32 [F, H]  encoder output before quantisation (frames x hidden)
    bandwidth.txt       the bandwidth used for encode
    margins.txt         smallest RVQ distance margin between best and second code (tie check)

CI never runs this (no torch there); the outputs are committed. Run with

    /work/venv-ref/bin/python scripts/make_encodec_fixtures.py

Nothing is downloaded: every weight is drawn from fixed seeds. Runs on CPU, 1 thread.
"""

import math
import os
import platform
import sys

import numpy as np
import torch
import transformers
from transformers import BarkModel, EncodecConfig, EncodecModel

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "Tests", "Fixtures")
OUT = os.path.join(FIXTURES, "encodec")
FRAMES = 37
LEGACY_SEED = 31337
LEGACY_CONFIG = dict(
    sampling_rate=8000,
    audio_channels=1,
    num_filters=3,
    hidden_size=12,
    num_residual_layers=2,
    upsampling_ratios=[4, 4, 2],
    kernel_size=5,
    last_kernel_size=3,
    residual_kernel_size=5,
    dilation_growth_rate=3,
    compress=3,
    num_lstm_layers=1,
    codebook_size=256,
    target_bandwidths=[4.0, 8.0],
    use_conv_shortcut=False,
    use_causal_conv=True,
    pad_mode="reflect",
    trim_right_ratio=1.0,
    normalize=False,
    norm_type="weight_norm",
)


def test_signal(sampling_rate, count, seed):
    """Sum of three sines plus a little Gaussian noise, deterministic."""
    t = np.arange(count, dtype=np.float64) / sampling_rate
    rng = np.random.default_rng(seed)
    x = (0.5 * np.sin(2 * math.pi * 220.0 * t)
         + 0.3 * np.sin(2 * math.pi * 587.0 * t + 0.3)
         + 0.15 * np.sin(2 * math.pi * 1310.0 * t + 1.1)
         + 0.05 * rng.standard_normal(count))
    return x.astype(np.float32)


def smallest_margin(model, embeddings, num_q):
    """Smallest gap between the best and second-best squared distance over every RVQ step."""
    residual = embeddings  # [1, H, F]
    margin = float("inf")
    for layer in model.quantizer.layers[:num_q]:
        x = residual.permute(0, 2, 1).reshape(-1, residual.shape[1])
        embed = layer.codebook.embed
        dist = (x.pow(2).sum(1, keepdim=True) - 2 * x @ embed.t() + embed.pow(2).sum(1)[None])
        top2 = dist.topk(2, dim=1, largest=False).values
        margin = min(margin, float((top2[:, 1] - top2[:, 0]).min()))
        idx = layer.encode(residual)
        residual = residual - layer.decode(idx)
    return margin


@torch.no_grad()
def write_references(model, out_dir, seed, audio_count):
    os.makedirs(out_dir, exist_ok=True)
    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    num_q = model.quantizer.num_quantizers
    codes = torch.randint(0, cfg.codebook_size, (num_q, FRAMES), generator=gen, dtype=torch.int64)
    # decode: audio_codes [nb_frames=1, batch=1, Q, T], scales [None]
    audio_values = model.decode(codes[None, None], [None], return_dict=False)[0]
    decode = audio_values[0, 0].numpy().astype(np.float32)
    assert decode.shape == (FRAMES * cfg.hop_length,), decode.shape

    audio = test_signal(cfg.sampling_rate, audio_count, seed)
    bandwidth = cfg.target_bandwidths[0]
    x = torch.from_numpy(audio)[None, None]
    encoded = model.encode(x, bandwidth=bandwidth, return_dict=False)
    enc_codes = encoded[0][0, 0].numpy().astype(np.int64)  # [q, F]
    embeddings = model.encoder(x)  # [1, H, F]
    margin = smallest_margin(model, embeddings, enc_codes.shape[0])

    np.save(os.path.join(out_dir, "codes.npy"), codes.numpy())
    np.save(os.path.join(out_dir, "decode.npy"), decode)
    np.save(os.path.join(out_dir, "audio.npy"), audio)
    np.save(os.path.join(out_dir, "encode_codes.npy"), enc_codes)
    np.save(os.path.join(out_dir, "embeddings.npy"), embeddings[0].t().contiguous().numpy().astype(np.float32))
    with open(os.path.join(out_dir, "bandwidth.txt"), "w") as f:
        f.write(f"{bandwidth}\n")
    with open(os.path.join(out_dir, "margins.txt"), "w") as f:
        f.write(f"{margin:.6e}\n")
    print(f"{out_dir}: decode {decode.shape} max|x| {np.abs(decode).max():.4g}, "
          f"encode {enc_codes.shape}, embeddings {tuple(embeddings.shape)}, margin {margin:.3e}")


def randomise_legacy(model, seed):
    """Every parameter and buffer random (weight-norm g around 1, codebooks N(0, 1))."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if name.endswith("original0"):
                p.copy_(1.0 + 0.3 * noise)
            elif "bias" in name:
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.3 * noise)
        for name, b in model.named_buffers():
            if name.endswith("codebook.embed") or name.endswith("codebook.embed_avg"):
                b.copy_(torch.randn(b.shape, generator=gen))
            elif name.endswith("cluster_size"):
                b.copy_(0.5 + 2.0 * torch.rand(b.shape, generator=gen))


def legacy_state_dict(model):
    """The state dict with parametrization names mapped back to `weight_g` / `weight_v`."""
    out = {}
    for key, value in model.state_dict().items():
        key = key.replace(".parametrizations.weight.original0", ".weight_g")
        key = key.replace(".parametrizations.weight.original1", ".weight_v")
        out[key] = value.detach().clone().contiguous()
    return out


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(0)
    for name, seed in (("bark-tiny-nobias", 424242), ("bark-tiny-bias", 171717)):
        model = BarkModel.from_pretrained(os.path.join(FIXTURES, name)).codec_model.eval().float()
        write_references(model, os.path.join(OUT, name), seed, 12000)

    legacy_dir = os.path.join(OUT, "encodec-tiny-legacy")
    os.makedirs(legacy_dir, exist_ok=True)
    torch.manual_seed(LEGACY_SEED)
    config = EncodecConfig(**LEGACY_CONFIG)
    model = EncodecModel(config).eval()
    randomise_legacy(model, LEGACY_SEED)
    assert model.quantizer.num_quantizers == 4, model.quantizer.num_quantizers
    config.to_json_file(os.path.join(legacy_dir, "config.json"))
    torch.save(legacy_state_dict(model), os.path.join(legacy_dir, "pytorch_model.bin"))
    # 4011 samples: not a multiple of the hop (32), so encode pads the last frame.
    write_references(model, os.path.join(legacy_dir, "reference"), LEGACY_SEED, 4011)

    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write("# Written by scripts/make_encodec_fixtures.py\n")
        f.write(f"python: {platform.python_version()}\n")
        f.write(f"torch: {torch.__version__}\n")
        f.write(f"transformers: {transformers.__version__}\n")
        f.write(f"numpy: {np.__version__}\n")
        f.write("seeds: bark-tiny-nobias 424242, bark-tiny-bias 171717, encodec-tiny-legacy 31337\n")
        f.write("torch threads: 1; deterministic algorithms: on; device: cpu; dtype: float32\n")
        f.write("command: /work/venv-ref/bin/python scripts/make_encodec_fixtures.py\n")


if __name__ == "__main__":
    sys.exit(main())
