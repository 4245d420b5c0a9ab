"""The acoustic stages' ceiling per speaking rate: the teacher's own semantic units of each held-out
steering recording (slow / normal / fast) rendered by the model's coarse and fine GPTs and its codec
(transformers' Bark generation, greedy), and Whisper's word error rate on the result. It separates "the
steered semantic GPT loses the words" from "the coarse stage cannot render that rate": a steered row's WER
far above its rate's ceiling here is the semantic stage's loss.

    python -m omnitiny.units_wer --model ../models/omnibark-tiny --steer data/steer/manifest.jsonl --out runs/units-wer

Writes the WAVs and units-wer.json to --out and prints a Markdown table (20 sentences: about 2 minutes)."""

import argparse
import json
import os
import sys

import torch

from . import wer
from .audio import write_wav
from .evaluate import Transcriber

RATES = ("slow", "normal", "fast")


def render(model, units):
    """Waveform [T] of semantic `units` through the coarse and fine GPTs (greedy) and the codec."""
    from transformers.models.bark.generation_configuration_bark import (
        BarkCoarseGenerationConfig, BarkFineGenerationConfig, BarkSemanticGenerationConfig)
    gc = model.generation_config

    def config(cls, value):
        return cls(**value) if isinstance(value, dict) else value
    semantic = config(BarkSemanticGenerationConfig, gc.semantic_config)
    coarse_config = config(BarkCoarseGenerationConfig, gc.coarse_acoustics_config)
    fine_config = config(BarkFineGenerationConfig, gc.fine_acoustics_config)
    with torch.no_grad():
        coarse = model.coarse_acoustics.generate(torch.tensor([units]), semantic_generation_config=semantic,
                                                 coarse_generation_config=coarse_config, codebook_size=gc.codebook_size,
                                                 do_sample=False)
        fine = model.fine_acoustics.generate(coarse, semantic_generation_config=semantic, coarse_generation_config=coarse_config,
                                             fine_generation_config=fine_config, codebook_size=gc.codebook_size, do_sample=False)
        return model.codec_decode(fine).view(-1).numpy()


def load_model(directory: str):
    """The Bark-layout model at `directory` through transformers, f32, in eval mode, one thread (quiet)."""
    import transformers
    transformers.utils.logging.set_verbosity_error()
    torch.set_num_threads(1)
    return transformers.BarkModel.from_pretrained(directory, torch_dtype=torch.float32).eval()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the model directory (Bark layout)")
    p.add_argument("--steer", required=True, help="steer_corpus manifest (held-out rows with units per rate)")
    p.add_argument("--out", required=True)
    p.add_argument("--sentences", type=int, default=20)
    a = p.parse_args(argv)
    model = load_model(a.model)
    held = {}
    with open(a.steer, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["split"] == "heldout" and r["rate"] in RATES:
                held.setdefault(r["id"], {})[r["rate"]] = r
    ids = [i for i in sorted(held) if all(rate in held[i] for rate in RATES)][: a.sentences]
    if not ids:
        sys.exit(f"units_wer: {a.steer} has no held-out sentence with slow, normal and fast rows")
    os.makedirs(a.out, exist_ok=True)
    transcriber = Transcriber([])
    result = {}
    for rate in RATES:
        pairs = []
        for k, sid in enumerate(ids):
            row = held[sid][rate]
            wav = os.path.join(a.out, f"{rate}-{k:02d}.wav")
            write_wav(wav, render(model, row["units"]))
            pairs.append(wer.word_edits(row["text"], transcriber.transcribe(wav)[0]))
        result[rate] = wer.corpus_wer(pairs)
        print(f"units_wer: {rate} done", file=sys.stderr, flush=True)
    with open(os.path.join(a.out, "units-wer.json"), "w", encoding="utf-8") as fh:
        json.dump(dict(sentences=len(ids), wer=result), fh, indent=1)
    print(f"Teacher units of {len(ids)} held-out sentences rendered by the coarse and fine GPTs and the codec (greedy):\n")
    print("| rate | WER |\n|---|---|")
    for rate in RATES:
        print(f"| {rate} | {100 * result[rate]:.1f} % |")


if __name__ == "__main__":
    main()
