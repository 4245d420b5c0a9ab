"""The coarse GPT's own ceiling: Whisper's word error rate when the coarse GPT is fed the *true* semantic
units of the held-out sentences (greedy, Bark's sliding windows), its two codebooks decoded by the codec —
beside the true codes through the same codec. With `codec_wer` it tells which stage loses the words:
codec (true codes), coarse GPT (true units → codes) or semantic GPT (what is left of the full pipeline).
It also reports the coarse GPT's teacher-forced next-code accuracy (fed the true codes) on training and
held-out utterances: a high teacher-forced accuracy with a poor free-running WER means the model leans on
its previous code and drifts once it is fed its own guesses.

    python -m omnitiny.coarse_wer --run runs3 --manifest data/manifest.jsonl --out runs3/coarse-wer

`--run` is a run directory with records.pt, coarse/coarse.pt and codec/codec.pt. Writes `coarse-wer.json`
and the WAVs to --out and prints a Markdown table."""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

from . import bark_data, gpt_train, wer
from . import layout as L
from .audio import write_wav
from .codec_wer import load_codec
from .evaluate import EvaluationError, Transcriber


@torch.no_grad()
def generate_codes(model, units) -> np.ndarray:
    """Greedy coarse codes [2, frames] for `units`, as the engine generates them without a history
    prompt: windows of `COARSE_WINDOW` tokens, each starting from the semantic context at its position
    and the last `COARSE_HISTORY` generated tokens; even steps pick codebook 0, odd steps codebook 1."""
    total = bark_data.coarse_length(len(units))
    max_semantic = math.floor(L.COARSE_HISTORY / L.RATIO)
    out = []
    while len(out) < total:
        position = int(round(len(out) / L.RATIO))
        context = list(units[max(0, position - max_semantic):][: L.COARSE_INPUT])
        context += [L.COARSE_SEMANTIC_PAD] * (L.COARSE_INPUT - len(context))
        ids = torch.tensor([context + [L.COARSE_INFER] + out[-L.COARSE_HISTORY:]])
        cache = None
        for _ in range(L.COARSE_WINDOW):
            if len(out) >= total:
                break
            result = model(input_ids=ids, past_key_values=cache, use_cache=True)
            cache = result.past_key_values
            low = L.SEMANTIC_VOCAB + (len(out) % L.N_COARSE) * L.CODEBOOK_SIZE
            token = int(result.logits[0, -1, low:low + L.CODEBOOK_SIZE].argmax()) + low
            out.append(token)
            ids = torch.tensor([[token]])
    codes = (np.array(out).reshape(-1, L.N_COARSE).T - L.SEMANTIC_VOCAB) % L.CODEBOOK_SIZE
    return codes


@torch.no_grad()
def teacher_forced_accuracy(model, records, text_vocab_size) -> float:
    """Share of coarse targets predicted right (argmax) when every input is the true token."""
    maker = bark_data.ExampleMaker(records, text_vocab_size, 0, history_probability=0.0)
    right = total = 0
    for record in records:
        ids, targets = maker.coarse(record)
        logits = model(input_ids=torch.tensor([ids])).logits[0]
        target = torch.tensor(targets)
        keep = target != -100
        right += int((logits[keep].argmax(-1) == target[keep]).sum())
        total += int(keep.sum())
    return right / max(1, total)


def decode(codec, codes: np.ndarray) -> np.ndarray:
    """Waveform of codes [Q, frames] through the codec's quantizer (sum of codewords) and decoder."""
    with torch.no_grad():
        latent = codec.quantizer.decode(torch.from_numpy(codes.astype(np.int64))[:, None])
        return codec.decoder(latent).view(-1).numpy()


def load_run(run: str):
    records_path = os.path.join(run, "records.pt")
    coarse_path = os.path.join(run, "coarse", "coarse.pt")
    for path in (records_path, coarse_path):
        if not os.path.isfile(path):
            raise EvaluationError(f"--run {run}: no {os.path.relpath(path, run)} there")
    data = torch.load(records_path, weights_only=False)
    model = gpt_train.build("coarse", data["text_vocab_size"])
    model.load_state_dict(torch.load(coarse_path, map_location="cpu", weights_only=False)["model"])
    codec, _ = load_codec(os.path.join(run, "codec"))
    return data, model.eval(), codec


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="run directory: records.pt, coarse/coarse.pt, codec/codec.pt")
    p.add_argument("--out", required=True, help="directory for the WAVs and coarse-wer.json")
    p.add_argument("--sentences", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        data, model, codec = load_run(a.run)
    except EvaluationError as e:
        sys.exit(f"coarse_wer: {e}")
    speech = [r for r in data["records"] if r["kind"] == "speech" and r["codes"] is not None]
    heldout = [r for r in speech if r["split"] == "heldout"][: a.sentences]
    train = [r for r in speech if r["split"] == "train"][: len(heldout)]
    if not heldout:
        sys.exit(f"coarse_wer: {a.run}/records.pt has no held-out speech with codes")
    os.makedirs(a.out, exist_ok=True)
    transcriber = Transcriber([])
    pairs = {"true codes, 2 codebooks": [], "coarse GPT from the true units": []}
    mismatch = []
    for n, record in enumerate(heldout):
        true = bark_data.aligned_codes(record)[: L.N_COARSE]
        generated = generate_codes(model, record["units"])
        mismatch.append(float(np.mean(generated[0] != true[0])))
        for name, codes in zip(pairs, (true, generated)):
            path = os.path.join(a.out, f"{record['id']}-{'true' if codes is true else 'coarse'}.wav")
            write_wav(path, decode(codec, codes))
            hypothesis, _ = transcriber.transcribe(path)
            pairs[name].append(wer.word_edits(record["text"], hypothesis))
        print(f"coarse_wer: {n + 1}/{len(heldout)}", file=sys.stderr, flush=True)
    results = {name: wer.corpus_wer(v) for name, v in pairs.items()}
    accuracy = {split: teacher_forced_accuracy(model, records, data["text_vocab_size"])
                for split, records in (("train", train), ("heldout", heldout))}
    with open(os.path.join(a.out, "coarse-wer.json"), "w") as fh:
        json.dump(dict(run=os.path.abspath(a.run), files=len(heldout), wer=results,
                       codebook0_mismatch=float(np.mean(mismatch)), teacher_forced_accuracy=accuracy), fh, indent=2)
    print(f"| {len(heldout)} held-out sentences, `{a.run}` | Whisper tiny.en WER |\n|---|---|")
    for name, value in results.items():
        print(f"| {name} | {100 * value:.1f} % |")
    print(f"\ncodebook 0 of the generated codes differs from the true code in {100 * np.mean(mismatch):.0f} % of "
          f"frames; teacher-forced next-code accuracy {100 * accuracy['train']:.1f} % (training utterances), "
          f"{100 * accuracy['heldout']:.1f} % (held-out)")


if __name__ == "__main__":
    main()
