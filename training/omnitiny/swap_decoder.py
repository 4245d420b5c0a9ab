"""Writes a codec decoder trained on into an exported model directory, leaving every other tensor as it was:

    python -m omnitiny.import_model --model ../models/omnibark-tiny --runs runs-imported
    mkdir -p runs-voc && cp runs-imported/codec/codec.pt runs-imported/codec/encoder.pt runs-voc/
    python -m omnitiny.melcodec_train --part decoder --manifest data/manifest-rates.jsonl --run runs-voc ...
    python -m omnitiny.swap_decoder --model ../models/omnibark-tiny --codec runs-voc/codec.pt

The GPTs predict the codec's latent quantized with fixed codebooks, so a decoder trained further keeps every
code, and so the three GPTs and the voice presets, valid; `export` would rebuild the whole directory from
training runs and their records, which a clone that has only the shipped model does not have.

Refused, naming the tensor: a checkpoint whose codebooks (`quantizer.*`) differ from the model's (its codes
would mean something else), and one whose decoder tensors do not match the model's by name and shape. The
decoder is stored in the model file's dtype (float16 for OmniBark-tiny), written to `model.safetensors.part`
and renamed over the original, so an interrupted run leaves the old file whole."""

import argparse
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save_file

PREFIX = "codec_model."


def swap(model_file: str, checkpoint_file: str) -> dict:
    """Replaces the decoder tensors of `model_file` with the checkpoint's; returns counts for the log."""
    state = torch.load(checkpoint_file, map_location="cpu", weights_only=False)
    trained = state.get("model") if isinstance(state, dict) else None
    if not isinstance(trained, dict) or not any(k.startswith("decoder.") for k in trained):
        sys.exit(f"swap_decoder: {checkpoint_file}: no codec decoder in it (a `melcodec_train --part decoder` "
                 f"checkpoint, with `model` holding decoder.* tensors, is expected)")
    with safe_open(model_file, "pt") as stored:
        metadata = stored.metadata()
        tensors = {k: stored.get_tensor(k) for k in stored.keys()}
    model_decoder = {k for k in tensors if k.startswith(PREFIX + "decoder.")}
    if not model_decoder:
        sys.exit(f"swap_decoder: {model_file}: no {PREFIX}decoder.* tensors (not an exported Bark model)")
    run_decoder = {PREFIX + k for k in trained if k.startswith("decoder.")}
    if run_decoder != model_decoder:
        missing, extra = sorted(model_decoder - run_decoder), sorted(run_decoder - model_decoder)
        sys.exit(f"swap_decoder: {checkpoint_file}: its decoder does not match {model_file}'s: "
                 f"missing {missing[:3]}, unknown {extra[:3]}")
    codebooks = [k for k in trained if k.startswith("quantizer.")]
    if not codebooks:
        sys.exit(f"swap_decoder: {checkpoint_file}: no quantizer.* tensors, so its codebooks cannot be checked "
                 f"against {model_file}'s (a `melcodec_train --part decoder` checkpoint keeps them)")
    for key in codebooks:
        mine = tensors.get(PREFIX + key)
        theirs = trained[key]
        if mine is None or mine.shape != theirs.shape or not torch.equal(theirs.to(mine.dtype), mine):
            sys.exit(f"swap_decoder: {checkpoint_file}: {key} differs from {model_file}'s {PREFIX}{key}: its codes "
                     f"would mean something else to the GPTs (train the decoder from this model's codec.pt, "
                     f"`import_model`)")
    changed = 0
    for key in sorted(model_decoder):
        old, new = tensors[key], trained[key[len(PREFIX):]]
        if old.shape != new.shape:
            sys.exit(f"swap_decoder: {checkpoint_file}: {key[len(PREFIX):]} has shape {tuple(new.shape)}, "
                     f"{model_file} has {tuple(old.shape)}")
        new = new.detach().to(old.dtype).contiguous()
        changed += not torch.equal(new, old)
        tensors[key] = new
    tmp = model_file + ".part"
    save_file(tensors, tmp, metadata=metadata)
    os.chmod(tmp, os.stat(model_file).st_mode & 0o7777)
    os.replace(tmp, model_file)
    return {"decoder": len(model_decoder), "changed": changed, "codebooks": len(codebooks), "step": state.get("step")}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="an exported model directory (model.safetensors)")
    p.add_argument("--codec", required=True, help="a decoder checkpoint (melcodec_train --part decoder: RUN/codec.pt)")
    a = p.parse_args(argv)
    model_file = os.path.join(a.model, "model.safetensors")
    for path in (model_file, a.codec):
        if not os.path.isfile(path):
            sys.exit(f"swap_decoder: {path} does not exist")
    counts = swap(model_file, a.codec)
    print(f"swap_decoder: {model_file}: {counts['changed']} of {counts['decoder']} decoder tensors changed "
          f"(step {counts['step']}); {counts['codebooks']} codebook tensors checked equal; nothing else touched")


if __name__ == "__main__":
    main()
