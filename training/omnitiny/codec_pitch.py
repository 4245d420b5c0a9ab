"""Does the codec keep a voice's pitch? Held-out sentences spoken by espeak-ng at several pitches and
voice variants, sent through a codec checkpoint's round trips (`codec_wer.round_trips`: for a mel-latent codec its decoder
on the exact, unquantized mel frames and on 4 or 2 codebooks, and its encoder's frames), and the median
F0 of each result (`pitch.median_f0`) beside the recording's own.

    python -m omnitiny.codec_pitch --codec runs-imported/codec --manifest data/manifest.jsonl --out runs/codec-pitch

A voice is `VARIANT@PITCH`: an espeak-ng voice (`en-us`, `en-us+f3`) and its `-p` pitch (0-99; 50 is
espeak-ng's default, the teacher's). The table gives, per voice and row, the median over sentences of
each file's median F0 and of its distance from the recording's in semitones; a decoder that ignores the
input's pitch gives the same F0 for every voice. Writes `codec-pitch.json` and the WAVs to --out."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

from . import pitch
from .audio import read_wav, write_wav
from .codec_wer import load_codec, round_trips
from .corpus import _to_corpus_wav
from .evaluate import EvaluationError, read_heldout

DEFAULT_VOICES = "en-us@20,en-us@50,en-us@80,en-us+f3@50"


def parse_voices(text: str) -> list:
    """[(espeak-ng voice, pitch)] from "en-us@20,en-us+f3@50"; a bad entry is refused by name."""
    voices = []
    for entry in text.split(","):
        name, sep, value = entry.strip().partition("@")
        if not name or not sep or not value.isdigit() or not 0 <= int(value) <= 99:
            raise EvaluationError(f"--voices: '{entry.strip()}' is not VARIANT@PITCH with a pitch of 0-99 (e.g. en-us@50)")
        voices.append((name, int(value)))
    return voices


def speak(voice: str, pitch_value: int, text: str, out_path: str) -> None:
    """`text` by espeak-ng as a corpus WAV (24 kHz mono, silence trimmed as the corpus's)."""
    if shutil.which("espeak-ng") is None:
        raise EvaluationError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        done = subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch_value), "-w", raw, text],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise EvaluationError(f"espeak-ng -v {voice}: {done.stderr.decode(errors='replace').strip()}")
        _to_corpus_wav(raw, out_path)


def summary(rows: list) -> dict:
    """Per row name: median F0 (Hz) and median semitone distance from the recording, over sentences."""
    out = {}
    for name in rows[0]["f0"]:
        f0s = [r["f0"][name] for r in rows if not np.isnan(r["f0"][name])]
        dist = [abs(pitch.semitones(r["f0"][name], r["f0"]["recording"])) for r in rows
                if not np.isnan(r["f0"][name]) and not np.isnan(r["f0"]["recording"])]
        out[name] = {"median_f0_hz": float(np.median(f0s)) if f0s else None,
                     "median_semitones_off": float(np.median(dist)) if dist else None}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--codec", required=True, help="codec run directory (codec.pt, and encoder.pt for a mel-latent codec)")
    p.add_argument("--manifest", required=True, help="the corpus manifest (its held-out sentences are spoken)")
    p.add_argument("--out", required=True, help="directory for the WAVs and codec-pitch.json")
    p.add_argument("--sentences", type=int, default=10)
    p.add_argument("--voices", default=DEFAULT_VOICES, help=f"VARIANT@PITCH list (default {DEFAULT_VOICES})")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        voices = parse_voices(a.voices)
        model, latent = load_codec(a.codec)
        sentences, _ = read_heldout(a.manifest, a.sentences)
        if not sentences:  # read_heldout refuses a manifest without any; this is --sentences 0
            raise EvaluationError(f"--sentences {a.sentences}: at least 1")
        os.makedirs(a.out, exist_ok=True)
        table = {}
        for voice, pitch_value in voices:
            key = f"{voice}@{pitch_value}"
            rows = []
            for n, sentence in enumerate(sentences):
                text = sentence.text
                base = os.path.join(a.out, f"{key.replace('+', '_').replace('@', '-p')}-{n:03d}")
                speak(voice, pitch_value, text, base + ".wav")
                signal = torch.from_numpy(read_wav(base + ".wav"))
                f0 = {"recording": pitch.median_f0(signal.numpy())}
                for name, audio in round_trips(model, latent, signal).items():
                    samples = audio.numpy()
                    write_wav(f"{base}-{name.replace(' ', '-')}.wav", samples)
                    f0[name] = pitch.median_f0(samples)
                rows.append({"text": text, "f0": f0})
            table[key] = {"sentences": rows, "summary": summary(rows)}
            print(f"codec_pitch: {key} done", file=sys.stderr, flush=True)
    except EvaluationError as e:
        sys.exit(f"codec_pitch: {e}")
    with open(os.path.join(a.out, "codec-pitch.json"), "w", encoding="utf-8") as fh:
        json.dump({"codec": a.codec, "voices": table}, fh, indent=1)
    names = list(next(iter(table.values()))["summary"])
    print("| voice | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key, entry in table.items():
        cells = []
        for name in names:
            s = entry["summary"][name]
            hz = "—" if s["median_f0_hz"] is None else f"{s['median_f0_hz']:.0f} Hz"
            off = "" if name == "recording" or s["median_semitones_off"] is None else f" ({s['median_semitones_off']:.1f} st off)"
            cells.append(hz + off)
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
