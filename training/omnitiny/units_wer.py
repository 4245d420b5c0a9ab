"""The acoustic stages' ceiling per kind of steered speech: for each held-out steering recording (slow /
normal / fast, with a pause, with a knock, with a drum roll), Whisper's word error rate on

- `teacher`: the espeak-ng recording itself;
- `decoder`: the codec's decoder on the recording's exact, unquantized mel frames (what the decoder alone
  loses);
- `codec`: its round trip through the model's codec as the GPTs were trained to predict it (the exact
  mel frames, quantized with the 4 codebooks, decoded; `codec_wer.round_trips`);
- `units`: the teacher's own semantic units rendered by the model's coarse and fine GPTs and its codec
  (transformers' Bark generation, greedy).

It separates "the steered semantic GPT loses the words" from "the acoustic stages cannot render that kind
of speech": a steered row's WER near the `units` column is the acoustic stages' loss, not the adapters'.
The codec column splits that loss again between the codec and the coarse and fine GPTs.

    python -m omnitiny.units_wer --model ../models/omnibark-tiny --steer data/steer/manifest.jsonl --out runs/units-wer

Writes the WAVs and units-wer.json to --out and prints a Markdown table (20 sentences: about 5 minutes;
`--sentences 50`, the held-out set `adapter_eval` uses: about 12)."""

import argparse
import json
import os
import sys

import torch

from . import wer
from .audio import read_wav, write_wav
from .codec_wer import round_trips
from .evaluate import Transcriber

KINDS = ("normal", "slow", "fast", "pause", "sfx", "drum")
DEFAULT_KINDS = KINDS[:5]  # drum rows exist only in a corpus made with `steer_corpus --drums`
EVENT_KINDS = ("pause", "sfx", "drum")  # the kinds with an inserted event, whose placement is counted too
COLUMNS = ("teacher", "decoder", "codec", "units")
CODEC_ROW = "mel 4 codebooks"
DECODER_ROW = "mel exact"


def placed(kind: str, row: dict, samples) -> bool:
    """Whether `samples` have the row's inserted event where the teacher put it (`adapter_eval`'s detectors):
    a pause at a `pause` row's beat, a knock at an `sfx` row's second, a drum roll at a `drum` row's."""
    from . import adapter_eval
    if kind == "pause":
        return adapter_eval.has_pause_at(samples, row["beat"])
    return (adapter_eval.has_knock_at if kind == "sfx" else adapter_eval.has_drum_roll_at)(samples, row["sfx"])


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
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    return transformers.BarkModel.from_pretrained(directory, torch_dtype=torch.float32).eval()


def held_out_rows(manifest: str, kinds: list, limit: int) -> tuple:
    """(sentence ids, {id: {kind: row}}): the first `limit` held-out sentences that have a row of every kind."""
    held = {}
    with open(manifest, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["split"] == "heldout" and r["rate"] in kinds:
                held.setdefault(r["id"], {})[r["rate"]] = r
    ids = [i for i in sorted(held) if all(kind in held[i] for kind in kinds)][:limit]
    return ids, held


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the model directory (Bark layout)")
    p.add_argument("--steer", required=True, help="steer_corpus manifest (held-out rows with audio and units per kind)")
    p.add_argument("--out", required=True)
    p.add_argument("--sentences", type=int, default=20)
    p.add_argument("--kinds", default=",".join(DEFAULT_KINDS),
                   help=f"comma-separated kinds of steering row to measure, of {', '.join(KINDS)} (default: "
                        f"{','.join(DEFAULT_KINDS)}); for the event kinds (pause, sfx, drum) it also counts how often "
                        "the event is where the teacher put it")
    p.add_argument("--columns", default=",".join(COLUMNS),
                   help=f"comma-separated columns to measure (default: {','.join(COLUMNS)}); `units` alone compares "
                        "two models that share a codec")
    a = p.parse_args(argv)
    kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    if not kinds or any(k not in KINDS for k in kinds):
        sys.exit(f"units_wer: --kinds {a.kinds}: each kind must be one of {', '.join(KINDS)}")
    columns = [c for c in COLUMNS if c in {x.strip() for x in a.columns.split(",")}]
    if not columns or any(x.strip() not in COLUMNS for x in a.columns.split(",")):
        sys.exit(f"units_wer: --columns {a.columns}: each column must be one of {', '.join(COLUMNS)}")
    ids, held = held_out_rows(a.steer, kinds, a.sentences)
    if not ids:
        sys.exit(f"units_wer: {a.steer} has no held-out sentence with a row of every kind in {', '.join(kinds)}")
    model = load_model(a.model)
    os.makedirs(a.out, exist_ok=True)
    transcriber = Transcriber([])
    base = os.path.dirname(os.path.abspath(a.steer))
    result, placements = {}, {}
    for kind in kinds:
        pairs = {column: [] for column in columns}
        hits = {column: 0 for column in columns}
        for k, sid in enumerate(ids):
            row = held[sid][kind]
            teacher = os.path.join(base, row["audio"])
            files = {"teacher": teacher,
                     "decoder": os.path.join(a.out, f"{kind}-{k:02d}-decoder.wav"),
                     "codec": os.path.join(a.out, f"{kind}-{k:02d}-codec.wav"),
                     "units": os.path.join(a.out, f"{kind}-{k:02d}-units.wav")}
            files = {column: files[column] for column in columns}
            if "codec" in files or "decoder" in files:
                trips = round_trips(model.codec_model, "mel", torch.from_numpy(read_wav(teacher)).float())
                for column, row_name in (("codec", CODEC_ROW), ("decoder", DECODER_ROW)):
                    if column in files:
                        write_wav(files[column], trips[row_name].numpy())
            if "units" in files:
                write_wav(files["units"], render(model, row["units"]))
            for column, path in files.items():
                pairs[column].append(wer.word_edits(row["text"], transcriber.transcribe(path)[0]))
                if kind in EVENT_KINDS:
                    hits[column] += placed(kind, row, read_wav(path))
        result[kind] = {column: wer.corpus_wer(v) for column, v in pairs.items()}
        if kind in EVENT_KINDS:
            placements[kind] = {column: hits[column] / len(ids) for column in columns}
        print(f"units_wer: {kind} done", file=sys.stderr, flush=True)
    with open(os.path.join(a.out, "units-wer.json"), "w", encoding="utf-8") as fh:
        json.dump(dict(sentences=len(ids), model=os.path.abspath(a.model), wer=result, placed=placements), fh, indent=1)
    print(f"{len(ids)} held-out sentences per kind, Whisper tiny.en WER:\n")
    titles = {"teacher": "teacher recording", "decoder": "decoder on the exact mel",
              "codec": "codec round trip (exact mel, 4 codebooks)",
              "units": "teacher units rendered"}
    print("| kind | " + " | ".join(titles[c] for c in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(f"{100 * result[kind][c]:.1f} %" for c in columns) + " |")
    if placements:
        print("\nThe inserted event where the teacher put it (adapter_eval's detectors: a pause, a knock, a drum roll):\n")
        print("| kind | " + " | ".join(titles[c] for c in columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        for kind, row in placements.items():
            print(f"| {kind} | " + " | ".join(f"{100 * row[c]:.0f} %" for c in columns) + " |")


if __name__ == "__main__":
    main()
