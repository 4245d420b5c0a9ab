"""The codec's own ceiling: Whisper's word error rate on the teacher's held-out speech after a round
trip through a codec checkpoint, beside the teacher's own WER. No GPT can do better than its codec,
so this separates "the codec loses the words" from "the GPTs predict the wrong codes".

    python -m omnitiny.codec_wer --codec runs2/codec --manifest data/manifest.jsonl --out runs2/codec-wer

Rows: `teacher` (the espeak-ng files themselves); for a mel-latent codec (`melcodec_train`) the exact mel
frames decoded unquantized (`mel exact`: the decoder's own loss), quantized with 4 codebooks (`mel 4
codebooks`, what the GPTs are trained to predict) and with the 2 coarse ones (`mel 2 codebooks`), and the
trained encoder's frames quantized (`encoder 4 codebooks`, the engine's path for reference audio); for an
end-to-end codec (`codec_train`) its encoder with 4 and 2 codebooks. Writes `codec-wer.json` and the WAVs to --out and prints a Markdown table."""

import argparse
import json
import os
import sys

import numpy as np
import torch

from . import codec_model, mel_latent, wer
from .audio import read_wav, write_wav
from .evaluate import EvaluationError, Transcriber, read_heldout


def load_codec(run_dir: str):
    """(model, latent kind) of a codec run directory: codec.pt, plus encoder.pt for a mel-latent codec."""
    path = os.path.join(run_dir, "codec.pt")
    if not os.path.isfile(path):
        raise EvaluationError(f"--codec {run_dir}: no codec.pt there")
    state = torch.load(path, map_location="cpu", weights_only=False)
    model = codec_model.build()
    model.load_state_dict(state["model"])
    latent = state.get("latent", "encoder")
    encoder_path = os.path.join(run_dir, "encoder.pt")
    if latent == "mel":
        if not os.path.isfile(encoder_path):
            raise EvaluationError(f"--codec {run_dir}: a mel-latent codec without encoder.pt (run melcodec_train --part encoder)")
        model.encoder.load_state_dict(torch.load(encoder_path, map_location="cpu", weights_only=False)["encoder"])
    return model.eval(), latent


def round_trips(model, latent: str, signal: torch.Tensor) -> dict:
    """Decoded waveforms [T] per row name for one teacher signal [T]."""
    books = [layer.codebook.embed for layer in model.quantizer.layers]
    out = {}
    with torch.no_grad():
        encoded = model.encoder(signal.view(1, 1, -1))
        if latent == "mel":
            exact = mel_latent.log_mel(signal[None])
            out["mel exact"] = exact  # the decoder alone, on unquantized frames: what the quantizer costs
            out["mel 4 codebooks"] = mel_latent.quantize(books, exact, 4)[0]
            out["mel 2 codebooks"] = mel_latent.quantize(books, exact, 2)[0]
            out["encoder 4 codebooks"] = mel_latent.quantize(books, encoded, 4)[0]
        else:
            out["encoder 4 codebooks"] = mel_latent.quantize(books, encoded, 4)[0]
            out["encoder 2 codebooks"] = mel_latent.quantize(books, encoded, 2)[0]
        return {name: model.decoder(z).view(-1)[: signal.shape[0]] for name, z in out.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--codec", required=True, help="codec run directory (codec.pt, and encoder.pt for a mel-latent codec)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True, help="directory for the WAVs and codec-wer.json")
    p.add_argument("--sentences", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        model, latent = load_codec(a.codec)
        _, teachers = read_heldout(a.manifest, a.sentences)
    except EvaluationError as e:
        sys.exit(f"codec_wer: {e}")
    os.makedirs(a.out, exist_ok=True)
    transcriber = Transcriber([])
    pairs = {}
    for n, teacher in enumerate(teachers):
        signal = torch.from_numpy(read_wav(teacher.path))
        files = {"teacher": teacher.path}
        for name, audio in round_trips(model, latent, signal).items():
            files[name] = os.path.join(a.out, f"{teacher.id}-{name.replace(' ', '-')}.wav")
            write_wav(files[name], audio.numpy())
        for name, path in files.items():
            hypothesis, _ = transcriber.transcribe(path)
            pairs.setdefault(name, []).append(wer.word_edits(teacher.text, hypothesis))
        print(f"codec_wer: {n + 1}/{len(teachers)}", file=sys.stderr, flush=True)
    results = {name: wer.corpus_wer(v) for name, v in pairs.items()}
    with open(os.path.join(a.out, "codec-wer.json"), "w") as fh:
        json.dump(dict(codec=os.path.abspath(a.codec), latent=latent, files=len(teachers), wer=results), fh, indent=2)
    print(f"| {len(teachers)} held-out teacher files through `{a.codec}` | Whisper tiny.en WER |\n|---|---|")
    for name, value in results.items():
        print(f"| {name} | {100 * value:.1f} % |")


if __name__ == "__main__":
    main()
