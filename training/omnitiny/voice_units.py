"""Can OmniBark-tiny carry a speaker? For each espeak-ng voice variant, held-out sentences are spoken and
followed through three columns of the model's acoustic path:

- `decoder`: the codec's decoder on the recording's exact, unquantized mel frames (the decoder alone);
- `codec`: the recording's round trip through the model's codec (exact mel frames, 4 codebooks), what the
  GPTs were trained to predict;
- `units`: the recording's own semantic units (this voice's cepstra assigned to the model's unit centroids,
  `--units`) rendered by the coarse and fine GPTs and the codec (greedy), what the acoustic stages make of
  that voice's units if an adapter chose exactly them.

Per column, two things are measured: Whisper tiny.en's WER, and which voice a small classifier hears. The
classifier is a nearest centroid on the spectral shape of each file's loud log-mel frames (`voice_features`).
It is trained on the same column of the corpus's training sentences spoken by each voice (`--train-sentences`),
so it hears timbre and formants, not words or level. Chance is one in the number of voices.

    python -m omnitiny.voice_units --model ../models/omnibark-tiny --units runs/units-aligned \\
        --manifest data/manifest.jsonl --out runs/voice-units

Writes the WAVs, the unit sequences and voice-units.json (WER, confusion matrices) to --out and prints a
Markdown table (4 voices, 30 + 30 sentences: about 18 minutes on 2 CPUs)."""

import argparse
import json
import os
import re
import sys

import numpy as np
import torch

from . import manifest, mel_latent, units, wer
from .audio import read_wav, write_wav
from .codec_pitch import speak
from .codec_wer import round_trips
from .evaluate import EvaluationError, Transcriber, check_model_dir, read_heldout
from .units_wer import CODEC_ROW, DECODER_ROW, load_model, render

DEFAULT_VOICES = "en-us,en-us+f3,en-us+m3,en-us+klatt"
COLUMNS = ("decoder", "codec", "units")
LOUD_SHARE = 0.6  # the loudest 60 % of frames: the voice, not the silence around it


def parse_voices(text: str) -> list:
    """espeak-ng voice names from "en-us,en-us+f3"; at least two, distinct, each refused by name if malformed."""
    voices = [v.strip() for v in text.split(",")]
    for v in voices:
        if not re.fullmatch(r"[A-Za-z0-9_-]+(\+[A-Za-z0-9_-]+)?", v):
            raise EvaluationError(f"--voices: '{v}' is not an espeak-ng voice (e.g. en-us or en-us+f3)")
    if len(voices) < 2 or len(set(voices)) != len(voices):
        raise EvaluationError(f"--voices {text}: at least two distinct voices")
    return voices


def voice_features(samples: np.ndarray) -> np.ndarray:
    """[2 · mel bands]: the spectral shape of the loudest `LOUD_SHARE` of the file's log-mel frames (the codec's
    own mel analysis): their mean over time less its mean over bands (so the level does not count), and their
    standard deviation over time."""
    mel = mel_latent.log_mel(torch.from_numpy(np.asarray(samples, dtype=np.float32))[None])[0].numpy()  # [M, T]
    energy = mel.mean(0)
    loud = mel[:, energy >= np.quantile(energy, 1 - LOUD_SHARE)]
    shape = loud.mean(1)
    return np.concatenate([shape - shape.mean(), loud.std(1)])


class NearestCentroid:
    """A classifier of feature vectors: each class is the mean of its standardized training vectors; a vector
    belongs to the class whose mean is nearest (Euclidean) after the same standardization."""

    def __init__(self, examples: dict):
        """`examples`: class name → [N, D] training vectors (N ≥ 1 for every class, at least two classes)."""
        if len(examples) < 2 or any(len(x) == 0 for x in examples.values()):
            raise ValueError("NearestCentroid needs at least two classes, each with a training vector")
        self.classes = list(examples)
        stacked = np.concatenate([np.asarray(x, dtype=np.float64) for x in examples.values()])
        self.mean, self.scale = stacked.mean(0), stacked.std(0) + 1e-6
        self.centroids = np.stack([((np.asarray(examples[c]) - self.mean) / self.scale).mean(0) for c in self.classes])

    def predict(self, vector: np.ndarray) -> str:
        z = (np.asarray(vector, dtype=np.float64) - self.mean) / self.scale
        return self.classes[int(np.argmin(((self.centroids - z) ** 2).sum(1)))]


def training_sentences(manifest_path: str, limit: int, exclude: set) -> list:
    """The first `limit` distinct texts of the manifest's training-split speech items not in `exclude`."""
    try:
        items = manifest.read(manifest_path, "train", kinds=("speech",))
    except ValueError as e:
        raise EvaluationError(f"--manifest {e}") from None
    texts = list(dict.fromkeys(i["text"] for i in items if i["text"] not in exclude))[:limit]
    if len(texts) < limit:
        raise EvaluationError(f"--manifest {manifest_path}: {len(texts)} training sentences, fewer than --train-sentences {limit}")
    return texts


def progress(voice: str, split: str, done: int, total: int) -> None:
    if done % 10 == 0 or done == total:
        print(f"voice_units: {voice}: {done}/{total} {split} sentences", file=sys.stderr, flush=True)


class VoicePath:
    """One voice's sentence through the columns: its recording, codec round trip and rendered units."""

    def __init__(self, model, centroids: torch.Tensor, mean: torch.Tensor, std: torch.Tensor):
        self.model, self.centroids, self.mean, self.std = model, centroids, mean, std

    def run(self, voice: str, text: str, base: str) -> dict:
        """{column or "recording": WAV path} for `text` spoken by `voice`, written at `base`-*.wav."""
        paths = {"recording": base + ".wav", **{column: f"{base}-{column}.wav" for column in COLUMNS}}
        speak(voice, 50, text, paths["recording"])
        samples = read_wav(paths["recording"])
        trips = round_trips(self.model.codec_model, "mel", torch.from_numpy(samples).float())
        for column, row in (("decoder", DECODER_ROW), ("codec", CODEC_ROW)):
            write_wav(paths[column], trips[row].numpy())
        unit_ids = units.assign_units((units.features(samples) - self.mean) / self.std, self.centroids).tolist()
        with open(base + "-units.json", "w", encoding="utf-8") as fh:
            json.dump(unit_ids, fh)
        write_wav(paths["units"], render(self.model, unit_ids))
        return paths


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the model directory (Bark layout)")
    p.add_argument("--units", required=True, help="the units directory the model's semantic units come from "
                   "(centroids.npy, normalization.npz; e.g. runs/units-aligned)")
    p.add_argument("--manifest", required=True, help="the corpus manifest (training sentences train the classifier, "
                   "held-out ones are measured)")
    p.add_argument("--out", required=True)
    p.add_argument("--voices", default=DEFAULT_VOICES, help=f"espeak-ng voices to compare, at least two (default {DEFAULT_VOICES}; en-us is the teacher's)")
    p.add_argument("--sentences", type=int, default=30, help="held-out sentences per voice")
    p.add_argument("--train-sentences", type=int, default=30, help="training sentences per voice for the classifier")
    a = p.parse_args(argv)
    try:
        voices = parse_voices(a.voices)
        if a.sentences < 1 or a.train_sentences < 1:
            raise EvaluationError("--sentences and --train-sentences: at least 1")
        try:
            centroids = torch.from_numpy(np.load(os.path.join(a.units, "centroids.npy")))
            norm = np.load(os.path.join(a.units, "normalization.npz"))
        except OSError as e:
            raise EvaluationError(f"--units {a.units}: {e.strerror or e} (needs centroids.npy and normalization.npz)") from None
        held, _ = read_heldout(a.manifest, a.sentences)
        trained = training_sentences(a.manifest, a.train_sentences, {s.text for s in held})
        path = VoicePath(load_model(check_model_dir(a.model, "--model")), centroids, torch.from_numpy(norm["mean"]), torch.from_numpy(norm["std"]))
        os.makedirs(a.out, exist_ok=True)
        transcriber = Transcriber([])
        examples = {column: {} for column in COLUMNS}
        measured = {}
        for voice in voices:
            tag = voice.replace("+", "_")
            for n, text in enumerate(trained):
                files = path.run(voice, text, os.path.join(a.out, f"{tag}-train-{n:03d}"))
                for column in COLUMNS:
                    examples[column].setdefault(voice, []).append(voice_features(read_wav(files[column])))
                progress(voice, "training", n + 1, len(trained))
            rows = []
            for n, sentence in enumerate(held):
                files = path.run(voice, sentence.text, os.path.join(a.out, f"{tag}-heldout-{n:03d}"))
                rows.append({"text": sentence.text, "files": files,
                             "edits": {c: wer.word_edits(sentence.text, transcriber.transcribe(f)[0]) for c, f in files.items()}})
                progress(voice, "held-out", n + 1, len(held))
            measured[voice] = rows
            print(f"voice_units: {voice} done", file=sys.stderr, flush=True)
    except EvaluationError as e:
        sys.exit(f"voice_units: {e}")
    classifiers = {column: NearestCentroid(examples[column]) for column in COLUMNS}
    result = {}
    for voice, rows in measured.items():
        heard = {column: [classifiers[column].predict(voice_features(read_wav(r["files"][column]))) for r in rows]
                 for column in COLUMNS}
        heard["units, by the codec classifier"] = [classifiers["codec"].predict(voice_features(read_wav(r["files"]["units"])))
                                                   for r in rows]
        result[voice] = {
            "wer": {c: wer.corpus_wer([r["edits"][c] for r in rows]) for c in ("recording",) + COLUMNS},
            "heard_as": {column: {v: names.count(v) for v in voices} for column, names in heard.items()},
        }
    with open(os.path.join(a.out, "voice-units.json"), "w", encoding="utf-8") as fh:
        json.dump(dict(model=os.path.abspath(a.model), units=os.path.abspath(a.units), sentences=len(held),
                       train_sentences=len(trained), voices=result), fh, indent=1)
    print(f"{len(held)} held-out sentences per voice; the classifier trained on {len(trained)} training sentences per "
          f"voice, chance {100 / len(voices):.0f} %\n")
    print("| voice | WER: recording | decoder on the exact mel | codec round trip | its units rendered "
          "| heard as itself: decoder | codec round trip | its units rendered "
          "| its units rendered, by the codec-trained classifier |")
    print("|---" * 9 + "|")
    for voice, r in result.items():
        hits = [r["heard_as"][k][voice] / len(held) for k in COLUMNS + ("units, by the codec classifier",)]
        print(f"| {voice} | " + " | ".join(f"{100 * r['wer'][c]:.1f} %" for c in ("recording",) + COLUMNS) + " | "
              + " | ".join(f"{100 * h:.0f} %" for h in hits) + " |")


if __name__ == "__main__":
    main()
