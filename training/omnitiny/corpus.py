"""Builds the training corpus: speech synthesized by Debian's TTS engines and a procedurally
synthesized Foley/music set, all 24 kHz mono 16-bit WAV, described by a JSON-lines manifest.

    python -m omnitiny.corpus --out data --sentences 4000 --heldout 50 --voice espeak:en-us

Manifest fields (one object per line): `id`, `audio` (path relative to the manifest), `text`,
`language`, `kind` (speech | music | foley), `caption`, `voice`, `image` (null: no image data yet),
`split` (train | heldout), `seconds`.

Licences of the teachers (Debian packages): espeak-ng GPL-3+, flite (CMU, BSD-like), festival HTS
voices (various free licences; see /usr/share/doc/festvox-*/copyright). The audio they synthesize
is our training data; none of their code or voice data is copied into this repository."""

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import sentences
from .audio import SAMPLE_RATE, read_wav, write_wav

# Voice specs: "engine:voice". espeak-ng voices accept "+variant" (e.g. en-us+f3).
def _synthesize(engine: str, voice: str, text: str, raw_path: str) -> None:
    if engine == "espeak":
        cmd = ["espeak-ng", "-v", voice, "-w", raw_path, text]
    elif engine == "flite":
        cmd = ["flite", "-voice", voice or "kal", "-t", text, "-o", raw_path]
    elif engine == "festival":
        cmd = ["text2wave", "-eval", f"(voice_{voice})", "-o", raw_path]
    else:
        raise ValueError(f"unknown TTS engine '{engine}' (espeak, flite or festival)")
    if shutil.which(cmd[0]) is None:
        raise RuntimeError(f"{cmd[0]} is not installed (apt-get install "
                           f"{ {'espeak':'espeak-ng','flite':'flite','festival':'festival festvox-us-slt-hts'}[engine] })")
    subprocess.run(cmd, input=text.encode() if engine == "festival" else None, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _to_corpus_wav(raw_path: str, out_path: str) -> None:
    """24 kHz mono 16-bit, leading and trailing silence trimmed to 0.1 s (sox). `-R`: sox dithers when it
    writes 16 bits, from a fresh random seed unless told otherwise, so without it no two builds of the corpus
    are bit-identical — enough to renumber some unit clusters (see `units_align`)."""
    subprocess.run(["sox", "-R", raw_path, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", out_path,
                    "silence", "1", "0.02", "0.3%", "reverse", "silence", "1", "0.02", "0.3%", "reverse",
                    "pad", "0.1", "0.1"], check=True, stderr=subprocess.PIPE)


def speech_item(index: int, text: str, voice_spec: str, split: str, out_dir: str) -> dict:
    engine, _, voice = voice_spec.partition(":")
    item_id = f"{split}-{engine}-{voice.replace('+', '_')}-{index:05d}"
    rel = os.path.join("speech", item_id + ".wav")
    out_path = os.path.join(out_dir, rel)
    if not os.path.exists(out_path):
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "raw.wav")
            _synthesize(engine, voice, text, raw)
            _to_corpus_wav(raw, out_path + ".part.wav")
        os.replace(out_path + ".part.wav", out_path)
    seconds = len(read_wav(out_path)) / SAMPLE_RATE
    return dict(id=item_id, audio=rel, text=text, language="en", kind="speech", caption=None,
                voice=voice_spec, image=None, split=split, seconds=round(seconds, 3))


# --- procedural Foley and music -------------------------------------------------------------

def _envelope(n, attack=0.01, release=0.05):
    t = np.arange(n) / SAMPLE_RATE
    env = np.minimum(1, t / attack) * np.minimum(1, (n / SAMPLE_RATE - t) / release)
    return np.clip(env, 0, 1)


def _beep(rng):
    f = rng.choice([440, 660, 880, 1000])
    n = int(SAMPLE_RATE * rng.uniform(0.15, 0.4))
    return np.sin(2 * np.pi * f * np.arange(n) / SAMPLE_RATE) * _envelope(n) * 0.4, "beep"


def _whistle(rng):
    n = int(SAMPLE_RATE * rng.uniform(0.4, 0.8))
    f0, f1 = (800, 2000) if rng.random() < 0.5 else (2000, 800)
    f = np.linspace(f0, f1, n)
    return np.sin(2 * np.pi * np.cumsum(f) / SAMPLE_RATE) * _envelope(n, 0.03, 0.1) * 0.3, "whistle"


KNOCK_HIT_SECONDS = 0.12
KNOCK_GAP_SECONDS = 0.15


def knock_hit(noise: np.ndarray) -> np.ndarray:
    """One knock, `KNOCK_HIT_SECONDS` long: a decaying 180 Hz tone with `noise` (standard normal, one
    value per sample) mixed in."""
    t = np.arange(len(noise)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * 180 * t) + 0.5 * noise) * np.exp(-t * 40) * 0.5


def _knock(rng):
    hits = []
    for _ in range(rng.choice([2, 3])):
        hits += [knock_hit(rng.standard_normal(int(SAMPLE_RATE * KNOCK_HIT_SECONDS))),
                 np.zeros(int(SAMPLE_RATE * KNOCK_GAP_SECONDS))]
    return np.concatenate(hits), "knock"


def _drum(rng):
    beats = []
    for _ in range(4):
        n = int(SAMPLE_RATE * 0.25)
        t = np.arange(n) / SAMPLE_RATE
        beats.append(np.sin(2 * np.pi * (50 + 100 * np.exp(-t * 30)) * t) * np.exp(-t * 12) * 0.6)
    return np.concatenate(beats), "drum"


def _melody(rng):
    scale = [261.6, 293.7, 329.6, 349.2, 392.0, 440.0, 493.9, 523.3]
    notes = []
    for _ in range(rng.randint(4, 8)):
        f = rng.choice(scale)
        n = int(SAMPLE_RATE * rng.choice([0.2, 0.3, 0.4]))
        t = np.arange(n) / SAMPLE_RATE
        tone = sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 2, 3))
        notes.append(tone * _envelope(n, 0.01, 0.08) * 0.25)
    return np.concatenate(notes), "melody"


FOLEY = {"beep": _beep, "whistle": _whistle, "knock": _knock, "drum": _drum, "melody": _melody}


def foley_item(index: int, rng: random.Random, out_dir: str) -> dict:
    name = rng.choice(sorted(FOLEY))
    samples, word = FOLEY[name](_NumpyRandom(rng))
    samples = np.concatenate([np.zeros(int(0.1 * SAMPLE_RATE)), samples, np.zeros(int(0.1 * SAMPLE_RATE))])
    kind = "music" if name == "melody" else "foley"
    item_id = f"train-{kind}-{index:05d}"
    rel = os.path.join("foley", item_id + ".wav")
    write_wav(os.path.join(out_dir, rel), samples.astype(np.float32))
    text = f"♪ {word} ♪" if kind == "music" else f"[{word}]"
    return dict(id=item_id, audio=rel, text=text, language="en", kind=kind, caption=f"a synthesized {word}",
                voice=None, image=None, split="train", seconds=round(len(samples) / SAMPLE_RATE, 3))


class _NumpyRandom:
    """The few random draws the Foley generators need, from a seeded `random.Random`."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._np = np.random.default_rng(rng.randrange(1 << 30))

    def choice(self, seq):
        return self._rng.choice(seq)

    def uniform(self, a, b):
        return self._rng.uniform(a, b)

    def random(self):
        return self._rng.random()

    def randint(self, a, b):
        return self._rng.randint(a, b)

    def standard_normal(self, n):
        return self._np.standard_normal(n)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="corpus directory (created; existing WAVs are reused)")
    p.add_argument("--sentences", type=int, default=4000, help="training sentences per voice")
    p.add_argument("--heldout", type=int, default=50, help="held-out evaluation sentences")
    p.add_argument("--voice", action="append", default=None,
                   help="engine:voice, repeatable (espeak:en-us, espeak:en-us+f3, flite:kal, festival:cmu_us_slt_arctic_hts)")
    p.add_argument("--foley", type=int, default=300, help="procedural Foley/music clips")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    voices = a.voice or ["espeak:en-us"]
    os.makedirs(os.path.join(a.out, "speech"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "foley"), exist_ok=True)
    train, heldout = sentences.split(a.sentences, a.heldout, a.seed)
    jobs = [(i, s, v, "train") for v in voices for i, s in enumerate(train)]
    jobs += [(i, s, v, "heldout") for v in voices for i, s in enumerate(heldout)]
    items = []
    with ThreadPoolExecutor(a.jobs) as pool:
        futures = [pool.submit(speech_item, i, s, v, split, a.out) for i, s, v, split in jobs]
        for k, f in enumerate(futures):
            items.append(f.result())
            if (k + 1) % 500 == 0 or k + 1 == len(futures):
                print(f"corpus: {k + 1}/{len(futures)} speech items", file=sys.stderr, flush=True)
    rng = random.Random(a.seed + 1)
    items += [foley_item(i, rng, a.out) for i in range(a.foley)]
    tmp = os.path.join(a.out, "manifest.jsonl.part")
    with open(tmp, "w") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    os.replace(tmp, os.path.join(a.out, "manifest.jsonl"))
    hours = sum(i["seconds"] for i in items) / 3600
    print(f"corpus: {len(items)} items, {hours:.2f} h, manifest {os.path.join(a.out, 'manifest.jsonl')}")


def cli():
    """`main` with errors printed as one line naming what failed (no traceback)."""
    try:
        main()
    except (RuntimeError, ValueError, OSError) as e:
        sys.exit(f"corpus: error: {e}")
    except subprocess.CalledProcessError as e:
        detail = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        sys.exit(f"corpus: error: {' '.join(map(str, e.cmd))} failed (exit {e.returncode})"
                 + (f": {detail[-1]}" if detail else ""))


if __name__ == "__main__":
    cli()
