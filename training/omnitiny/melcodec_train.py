"""Trains the OmniBark-tiny codec on the fixed mel latent of `mel_latent`, in two independent,
resumable runs that can go side by side:

    # codebooks (k-means of mel frames, once) and the decoder: quantized mel → waveform
    python -m omnitiny.melcodec_train --part decoder --manifest data/manifest.jsonl --run runs2/codec --minutes 60
    # the encoder: waveform → mel frames (a regression; needs the decoder run's checkpoint for the layout)
    python -m omnitiny.melcodec_train --part encoder --manifest data/manifest.jsonl --run runs2/codec --minutes 15

The decoder run writes `codec.pt` (the whole model; its encoder is untrained), the encoder run
`encoder.pt` (encoder weights only); `export` joins them. The codebooks never change after k-means,
so codes computed from them (`records --codes mel`) stay valid however long either run goes on."""

import argparse
import os
import sys

import numpy as np
import torch

from . import checkpoint, manifest
from . import mel_latent as M
from .audio import loudness_jitter, reverberate
from .codec_model import build
from .codec_train import HarmonicLoss, MelLoss, SegmentSampler, add_run_arguments


def books_of(model) -> list:
    return [layer.codebook.embed for layer in model.quantizer.layers]


def initial_model(sampler, init_path, seed):
    """A codec whose codebooks are residual k-means of mel frames and whose decoder starts from
    `init_path` (an earlier codec checkpoint) when given."""
    model = build()
    if init_path and not os.path.isfile(init_path):
        sys.exit(f"melcodec_train: --init {init_path}: no such checkpoint")
    if init_path:
        state = torch.load(init_path, map_location="cpu", weights_only=False)["model"]
        model.load_state_dict({k: v for k, v in state.items() if k.startswith("decoder.")}, strict=False)
        print(f"codec: decoder starts from {init_path}", file=sys.stderr)
    frames = torch.cat([M.log_mel(sampler.batch(64)).permute(0, 2, 1).reshape(-1, M.BANDS) for _ in range(16)])
    books = M.kmeans_books(frames, len(model.quantizer.layers), model.config.codebook_size, seed=seed)
    with torch.no_grad():
        for layer, embed in zip(model.quantizer.layers, books):
            layer.codebook.embed.copy_(embed)
            layer.codebook.embed_avg.copy_(embed)
            layer.codebook.cluster_size.fill_(1.0)
    _, codes = M.quantize(books, frames.T.unsqueeze(0), len(books))
    used = [len(torch.unique(c)) for c in codes]
    print(f"codec: k-means codebooks of {frames.shape[0]} mel frames, codes in use {used}", file=sys.stderr, flush=True)
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", required=True, choices=["decoder", "encoder"])
    add_run_arguments(p, "run directory (codec.pt, encoder.pt; resumed when present)")
    p.add_argument("--init", help="earlier codec checkpoint whose decoder the first decoder run starts from")
    p.add_argument("--all-codebooks", type=float, default=0.7,
                   help="share of decoder steps on all codebooks (the rest on 2 or 3: robustness to the fine stage)")
    p.add_argument("--harmonic-weight", type=float, default=0.0,
                   help="weight of the decoder's low-band linear-spectrum loss (`HarmonicLoss`), meant to make the "
                        "decoded voice keep the input's pitch (tried at 1 and 5: the decoder learned the corpus's one "
                        "pitch instead and lost words; training/README); 0 (phase 2) trains on mel losses alone")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.run, exist_ok=True)
    items = manifest.read(a.manifest)
    sampler = SegmentSampler(items, manifest.load_audio(items), a.seconds, a.temperature, a.seed + (a.part == "encoder"))
    codec_path = os.path.join(a.run, "codec.pt")
    own_path = codec_path if a.part == "decoder" else os.path.join(a.run, "encoder.pt")
    if a.part == "encoder" and not os.path.exists(codec_path):
        sys.exit(f"melcodec_train: {codec_path} does not exist yet: run --part decoder first (it makes the codebooks)")
    model = build()
    if os.path.exists(codec_path):
        model.load_state_dict(torch.load(codec_path, map_location="cpu", weights_only=False)["model"])
    elif a.part == "decoder":
        model = initial_model(sampler, a.init, a.seed)
    module = model.decoder if a.part == "decoder" else model.encoder
    params = list(module.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.8, 0.99))
    aug = torch.Generator().manual_seed(a.seed)
    step = 0
    state = checkpoint.load(own_path) if a.part == "encoder" or os.path.exists(codec_path) else None
    if state and "optimizer" in state:
        if a.part == "encoder":
            model.encoder.load_state_dict(state["encoder"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
        sampler.rng.setstate(state["sampler_rng"])
        aug.set_state(state["aug_rng"])
        print(f"codec {a.part}: resumed at step {step} from {own_path}", file=sys.stderr)
    books = books_of(model)
    n_q = len(books)
    mel_loss = MelLoss()
    harmonic_loss = HarmonicLoss() if a.harmonic_weight > 0 else None
    clock = checkpoint.RunClock(a.minutes, a.max_steps)
    module.train()
    running = None
    while step < a.max_steps:
        for g in opt.param_groups:
            g["lr"] = a.lr * min(1.0, (step + 1) / 100)
        x = loudness_jitter(sampler.batch(a.batch), aug)
        if torch.rand(1, generator=aug).item() < 0.2:
            x = reverberate(x, aug)
        with torch.no_grad():
            target = M.log_mel(x)
        if a.part == "decoder":
            use_q = n_q if torch.rand(1, generator=aug).item() < a.all_codebooks \
                else int(torch.randint(2, n_q, (1,), generator=aug))
            with torch.no_grad():
                zq, _ = M.quantize(books, target, use_q)
            y = model.decoder(zq).squeeze(1)[:, : x.shape[1]]
            loss = mel_loss(y, x) + 0.1 * (y - x).abs().mean()
            if harmonic_loss is not None:
                loss = loss + a.harmonic_weight * harmonic_loss(y, x)
        else:
            z = model.encoder(x.unsqueeze(1))[..., : target.shape[-1]]
            loss = (z - target).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"codec {a.part} step {step} loss {running:.3f} {clock.elapsed_minutes():.1f} min",
                  file=sys.stderr, flush=True)
        save, done = clock.check(step)
        if save:
            common = dict(optimizer=opt.state_dict(), step=step, sampler_rng=sampler.rng.getstate(),
                          aug_rng=aug.get_state(), loss=running)
            if a.part == "decoder":
                checkpoint.save(own_path, model=model.state_dict(), mel=running, latent="mel", **common)
            else:
                checkpoint.save(own_path, encoder=model.encoder.state_dict(), **common)
        if done:
            break
    print(f"codec {a.part}: stopped at step {step}, loss {running:.3f}; checkpoint {own_path}")


if __name__ == "__main__":
    main()
