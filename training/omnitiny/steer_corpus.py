"""The steering corpus of the adapter training (`adapter_train`): the corpus's own sentences spoken again
by the same teacher voice at other speaking rates, with semantic units from the base model's clusters.

    python -m omnitiny.steer_corpus --manifest data/manifest.jsonl --units runs3/units --out data/steer \\
        --sentences 2000

Each training sentence (the first `--sentences` of the manifest's espeak-ng `en-us` speech) and every
held-out one is synthesized at each `--rate NAME=WPM` (espeak-ng `-s`; default slow=115 and fast=270
words per minute; the corpus's own recording, at espeak-ng's default 175, is the rate `normal`), trimmed
like the corpus, and assigned units with `--units`' centroids (so the frozen semantic GPT's vocabulary
is unchanged). Writes `OUT/manifest.jsonl`: one line per (sentence, rate) with `id` (the corpus item),
`rate`, `audio` (relative to OUT, or to the corpus directory for `normal`), `text`, `split`, `seconds`
and `units`. Existing WAVs are reused, so a second run only adds what is missing.

With `--pauses`, every sentence is also spoken with a pause placed at a word boundary (the task of the
control adapter's beat markers): its two halves at the normal rate, each trimmed like the corpus, joined
by `--pause-seconds` of silence; such a row has rate `pause` and `beat`, the second at which the pause
starts (the end of the first half's speech).

With `--sfx`, every sentence is also spoken with a sound effect at the same word boundary (the task of
the control adapter's SFX triggers): the pause recording's two halves with a knock between them (two
hits of 0.12 s, 0.15 s apart: the corpus's Foley knock, which the OmniBark-tiny codec renders, unlike
its beeps); such a row has rate `sfx` and `sfx`, the second at which the first hit starts.

With `--drums`, the same with a drum roll between the halves instead (the SFX trigger's payload "drum"):
four low tom hits 0.135 s apart (a 150 → 60 Hz sweep with a noise click), 0.54 s in all, as long as the
knock, because the rate clock holds for one length per event kind (`--clock-holds sfx:…`). The
OmniBark-tiny codec has no pure-tone path (its beeps and whistles come back silent); these hits get units
of their own and come back as a train of short bursts. Such a row has rate `drum` and `sfx`, the second
at which the first hit starts."""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from . import manifest, units as units_module
from .audio import SAMPLE_RATE, read_wav
from .corpus import KNOCK_GAP_SECONDS, KNOCK_HIT_SECONDS, _to_corpus_wav, knock_hit

TEACHER = "espeak:en-us"


def parse_rate(spec: str) -> tuple:
    name, _, wpm = spec.partition("=")
    if not name or not wpm.isdigit() or not 80 <= int(wpm) <= 450:
        raise argparse.ArgumentTypeError(f"--rate {spec!r}: expected NAME=WPM with WPM in 80…450 (espeak-ng -s)")
    if name == "normal":
        raise argparse.ArgumentTypeError("--rate normal is the corpus's own recording; name the others")
    return name, int(wpm)


def synthesize(text: str, wpm: int, out_path: str, voice: str = "en-us") -> None:
    """espeak-ng `voice` (the teacher's en-us unless told) at `wpm` words per minute → the corpus's WAV
    format (atomically)."""
    if os.path.exists(out_path):
        return
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", raw, text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _to_corpus_wav(raw, out_path + ".part.wav")
    os.replace(out_path + ".part.wav", out_path)


def split_sentence(text: str, rng: random.Random) -> tuple:
    """(first half, second half) at a random word boundary with at least two words on each side."""
    words = text.split()
    k = rng.randint(2, len(words) - 2) if len(words) >= 4 else max(1, len(words) // 2)
    return " ".join(words[:k]).rstrip(",;:"), " ".join(words[k:])


def synthesize_pause(text: str, index: int, pause_seconds: float, out_path: str) -> float:
    """The sentence with a pause at a word boundary (chosen from `index`); returns the beat second."""
    first, second = split_sentence(text, random.Random(index))
    halves = [out_path + ".a.wav", out_path + ".b.wav"]
    if not os.path.exists(out_path):
        from .audio import write_wav
        for part, path in zip((first, second), halves):
            synthesize(part, 175, path)
        a, b = read_wav(halves[0]), read_wav(halves[1])
        joined = np.concatenate([a, np.zeros(int(round(pause_seconds * SAMPLE_RATE)), dtype=np.float32), b])
        write_wav(out_path + ".part.wav", joined)
        os.replace(out_path + ".part.wav", out_path)
    beat = (len(read_wav(halves[0])) - 0.1 * SAMPLE_RATE) / SAMPLE_RATE  # the corpus trim leaves 0.1 s of tail
    return round(beat, 3)


def knock(seed: int) -> np.ndarray:
    """Two of `corpus`'s Foley knocks, each followed by silence."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(2):
        parts += [knock_hit(rng.standard_normal(int(KNOCK_HIT_SECONDS * SAMPLE_RATE))),
                  np.zeros(int(KNOCK_GAP_SECONDS * SAMPLE_RATE))]
    return np.concatenate(parts).astype(np.float32)


DRUM_HITS = 4
DRUM_HIT_SECONDS = 0.135  # 4 × 0.135 = 0.54 s, the knock's 2 × (0.12 + 0.15)


def drum_roll(seed: int) -> np.ndarray:
    """Four low tom hits, `DRUM_HIT_SECONDS` apart: a 150 → 60 Hz sweep (decaying 30 /s) with a noise
    click at each onset; the click's noise comes from `seed`."""
    rng = np.random.default_rng(seed)
    n = int(round(DRUM_HIT_SECONDS * SAMPLE_RATE))
    t = np.arange(n) / SAMPLE_RATE
    sweep = np.sin(2 * np.pi * (60 * t + 90 * (1 - np.exp(-t * 30)) / 30))  # 150 Hz falling to 60 Hz
    hits = [(sweep + 0.6 * rng.standard_normal(n) * np.exp(-t * 150)) * np.exp(-t * 30) * 0.5 for _ in range(DRUM_HITS)]
    return np.concatenate(hits).astype(np.float32)


SOUNDS = {"sfx": knock, "drum": drum_roll}  # row rate → the sound between the halves


def synthesize_sfx(text: str, index: int, pause_seconds: float, out_path: str, pause_path: str,
                   sound: str = "sfx") -> float:
    """The sentence with a sound (`SOUNDS[sound]`: a knock, or a drum roll) at the pause recording's word
    boundary; returns the second the sound starts."""
    synthesize_pause(text, index, pause_seconds, pause_path)  # the halves (reused when they exist)
    a = read_wav(pause_path + ".a.wav")
    if not os.path.exists(out_path):
        from .audio import write_wav
        b = read_wav(pause_path + ".b.wav")
        write_wav(out_path + ".part.wav", np.concatenate([a, SOUNDS[sound](index), b]))
        os.replace(out_path + ".part.wav", out_path)
    return round(len(a) / SAMPLE_RATE, 3)


def load_units(units_dir: str):
    try:
        centers = torch.from_numpy(np.load(os.path.join(units_dir, "centroids.npy")))
        norm = np.load(os.path.join(units_dir, "normalization.npz"))
    except OSError as e:
        sys.exit(f"steer_corpus: --units {units_dir}: {e.strerror or e} (needs centroids.npy and normalization.npz)")
    mean, std = torch.from_numpy(norm["mean"]), torch.from_numpy(norm["std"])
    return lambda samples: units_module.assign_units((units_module.features(samples) - mean) / std, centers).tolist()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", required=True, help="the corpus manifest (corpus.py)")
    p.add_argument("--units", required=True, help="units directory of the base model (centroids.npy, normalization.npz)")
    p.add_argument("--out", required=True)
    p.add_argument("--sentences", type=int, default=2000, help="training sentences (the manifest's first ones)")
    p.add_argument("--rate", type=parse_rate, action="append", default=None,
                   help="NAME=WPM, repeatable (default: slow=115 fast=270)")
    p.add_argument("--pauses", action="store_true", help="also the sentences with a pause at a word boundary (rate 'pause')")
    p.add_argument("--pause-seconds", type=float, default=0.3, help="silence inserted between the halves (each keeps 0.1 s of its own)")
    p.add_argument("--sfx", action="store_true", help="also the sentences with a knock at a word boundary (rate 'sfx')")
    p.add_argument("--drums", action="store_true", help="also the sentences with a drum roll at a word boundary (rate 'drum')")
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args(argv)
    rates = a.rate or [("slow", 115), ("fast", 270)]
    corpus_dir = os.path.dirname(os.path.abspath(a.manifest))
    speech = [i for i in manifest.read(a.manifest, "train") if i["voice"] == TEACHER and i["kind"] == "speech"]
    items = speech[: a.sentences] + [i for i in manifest.read(a.manifest, "heldout") if i["voice"] == TEACHER]
    if not items:
        sys.exit(f"steer_corpus: {a.manifest} has no {TEACHER} speech")
    assign = load_units(a.units)
    jobs = []
    for name, wpm in rates:
        os.makedirs(os.path.join(a.out, name), exist_ok=True)
        jobs += [(item, name, wpm, os.path.join(name, item["id"] + ".wav")) for item in items]
    with ThreadPoolExecutor(a.jobs) as pool:
        futures = [pool.submit(synthesize, item["text"], wpm, os.path.join(a.out, rel)) for item, _, wpm, rel in jobs]
        for k, f in enumerate(futures):
            f.result()
            if (k + 1) % 500 == 0 or k + 1 == len(futures):
                print(f"steer_corpus: synthesized {k + 1}/{len(futures)}", file=sys.stderr, flush=True)
    beats = {}
    if a.pauses:
        os.makedirs(os.path.join(a.out, "pause"), exist_ok=True)
        with ThreadPoolExecutor(a.jobs) as pool:
            futures = {item["id"]: pool.submit(synthesize_pause, item["text"], k, a.pause_seconds,
                                               os.path.join(a.out, "pause", item["id"] + ".wav"))
                       for k, item in enumerate(items)}
            beats = {i: f.result() for i, f in futures.items()}
        print(f"steer_corpus: {len(beats)} sentences with a pause", file=sys.stderr, flush=True)
    sfx = {}  # row rate ("sfx": a knock, "drum") → {sentence id: the second the sound starts}
    for sound, wanted, name in (("sfx", a.sfx, "a knock"), ("drum", a.drums, "a drum roll")):
        if not wanted:
            continue
        os.makedirs(os.path.join(a.out, sound), exist_ok=True)
        os.makedirs(os.path.join(a.out, "pause"), exist_ok=True)
        with ThreadPoolExecutor(a.jobs) as pool:
            futures = {item["id"]: pool.submit(synthesize_sfx, item["text"], k, a.pause_seconds,
                                               os.path.join(a.out, sound, item["id"] + ".wav"),
                                               os.path.join(a.out, "pause", item["id"] + ".wav"), sound)
                       for k, item in enumerate(items)}
            sfx[sound] = {i: f.result() for i, f in futures.items()}
        print(f"steer_corpus: {len(sfx[sound])} sentences with {name}", file=sys.stderr, flush=True)
    rows = [(item, "normal", os.path.join(corpus_dir, item["audio"])) for item in items]
    rows += [(item, name, os.path.join(a.out, rel)) for item, name, _, rel in jobs]
    rows += [(item, "pause", os.path.join(a.out, "pause", item["id"] + ".wav")) for item in items if item["id"] in beats]
    rows += [(item, sound, os.path.join(a.out, sound, item["id"] + ".wav"))
             for sound in sfx for item in items if item["id"] in sfx[sound]]
    tmp = os.path.join(a.out, "manifest.jsonl.part")
    with open(tmp, "w") as fh:
        for k, (item, name, path) in enumerate(rows):
            samples = read_wav(path)
            row = dict(id=item["id"], rate=name, audio=os.path.relpath(path, a.out), text=item["text"],
                       split=item["split"], seconds=round(len(samples) / SAMPLE_RATE, 3), units=assign(samples))
            if name == "pause":
                row["beat"] = beats[item["id"]]
            if name in sfx:
                row["sfx"] = sfx[name][item["id"]]
            fh.write(json.dumps(row) + "\n")
            if (k + 1) % 1000 == 0:
                print(f"steer_corpus: units {k + 1}/{len(rows)}", file=sys.stderr, flush=True)
    os.replace(tmp, os.path.join(a.out, "manifest.jsonl"))
    print(f"steer_corpus: {len(items)} sentences × {1 + len(rates)} rates → {a.out}/manifest.jsonl")


if __name__ == "__main__":
    main()
