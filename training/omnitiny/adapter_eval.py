"""Measures what the trained adapters steer, through the engine itself (`omnibark speak`), on the held-out
sentences of the steering corpus: for each task, how often the generated speech has the wanted speaking
rate, with the adapters against without, the Whisper word error rate (speech must stay intelligible) and
the routing weights the engine reports.

    python -m omnitiny.adapter_eval --model ../models/omnibark-tiny --adapters ../models/omnibark-tiny/adapters.safetensors \\
        --clip ../models/omnibark-tiny/clip --steer data/steer/manifest.jsonl --out runs-steer/eval

The rate of a generated file: its speech duration (leading and trailing silence trimmed) against the
teacher's recordings of the same sentence at the three rates, trimmed the same way; the nearest in log
duration names the rate (chance 1/3). A beat marker at second t (from the teacher's `pause` recording of
the sentence) is followed when the generated speech has a pause (≥ 0.15 s below −30 dB of its loudest
frame, between its first and last loud frames) starting within 0.25 s of t. An SFX trigger at second t
(from the teacher's `sfx` recording, a knock at a word boundary) is followed when the generated audio
has a knock starting within 0.25 s of t: a short sound (≤ 0.45 s above −30 dB of the loudest frame, parts
less than 0.06 s apart joined) with quiet before (≥ 0.06 s) and after (≥ 0.1 s), between other sounds. Of
200 teacher recordings, the knock ones all have one at t; the pause, normal and slow ones 1, 0 and 1, the
fast ones none. An SFX trigger with payload "drum" at second t (from the teacher's `drum` recording, a drum
roll at that boundary) is followed when a drum roll starts within 0.25 s of t: at least 4 short sounds in a
row (each ≤ 0.25 s above −30 dB of the loudest 10 ms frame, onsets ≤ 0.25 s apart, all within 0.6 s; the
OmniBark-tiny codec renders the teacher's four hits as a train of short bursts, its knock as two longer
ones, which are not a roll). Of the 50 held-out teacher recordings, the drum ones all have a roll at t, the
knock, pause, normal and slow ones 0, 0, 1 and 0, the fast ones 5 (fast syllables can look like hits); the
knock detector finds none in the drum ones. A reference recording is always another held-out sentence's, an
image a fresh augmented one (`steer_images`), so nothing is copied from the target. Writes `eval.json`,
`eval.md` and the WAVs under `--out`."""

import argparse
import json
import math
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from . import steer_images
from . import wer as wer_metric
from .audio import SAMPLE_RATE, read_wav
from .evaluate import ASR_DESCRIPTION, Transcriber

RATES = ("slow", "normal", "fast")


def condition_table(dominant: float = 3) -> list:
    """(name, wanted rate, task, {style, audio, image}, weights) — the modalities name rates; in the priority
    rows the heavier modality's routing weight is `dominant` (the others 1)."""
    w = f"{dominant:g}"
    rows = [("plain", "normal", "none", {}, {})]
    rows += [(f"style {r}", r, "style", {"style": r}, {}) for r in ("slow", "fast")]
    rows += [(f"reference {r}", r, "reference audio", {"audio": r}, {}) for r in RATES]
    rows += [(f"image {r}", r, "image", {"image": r}, {}) for r in RATES]
    rows += [(f"style slow + reference fast, audio={w}", "fast", "priority", {"style": "slow", "audio": "fast"}, {"audio": dominant}),
             (f"style slow (text={w}) + reference fast", "slow", "priority", {"style": "slow", "audio": "fast"}, {"text": dominant}),
             (f"reference slow + image fast, image={w}", "fast", "priority", {"audio": "slow", "image": "fast"}, {"image": dominant}),
             ("reference slow + grey image", "slow", "distractor", {"audio": "slow", "image": "grey"}, {}),
             ("image fast + style [calm]", "fast", "distractor", {"image": "fast", "style": "calm"}, {}),
             ("beat marker", "pause", "control events", {"beat": True}, {}),
             ("SFX trigger (knock)", "knock", "control events", {"sfx": True}, {}),
             ("SFX trigger (drum)", "drum", "control events", {"sfx": "drum"}, {})]
    return rows


def control_event(given: dict):
    """(event kind, the teacher recording whose second it takes, payload) of a condition's control event, or None:
    a beat marker takes the `pause` row's beat, an SFX trigger without a payload the `sfx` (knock) row's second,
    one with a payload (the drum) the row named by it."""
    if given.get("beat"):
        return "beat", "pause", None
    if given.get("sfx"):
        payload = given["sfx"] if isinstance(given["sfx"], str) else None
        return "sfx", payload or "sfx", payload
    return None


FRAME = 480  # 20 ms at 24 kHz
FINE_FRAME = 240  # 10 ms: a drum roll's bursts are 10-30 ms apart


def loud_frames(samples: np.ndarray, floor_db: float, frame: int = FRAME) -> np.ndarray:
    """Per frame of `frame` samples (20 ms): whether its RMS is within `floor_db` of the loudest frame's."""
    n = len(samples) // frame
    if n == 0:
        return np.zeros(0, dtype=bool)
    rms = np.sqrt((samples[: n * frame].reshape(n, frame).astype(np.float64) ** 2).mean(1) + 1e-12)
    return 20 * np.log10(rms / rms.max()) > floor_db


def speech_seconds(samples: np.ndarray, floor_db: float = -35.0) -> float:
    """Seconds from the first to the last 20 ms frame within `floor_db` of the loudest frame."""
    loud = np.nonzero(loud_frames(samples, floor_db))[0]
    return (loud[-1] - loud[0] + 1) * FRAME / SAMPLE_RATE if len(loud) else 0.0


def pauses(samples: np.ndarray, floor_db: float = -30.0, min_seconds: float = 0.15) -> list:
    """Start seconds of the silent runs (≥ `min_seconds` below `floor_db` of the loudest 20 ms frame)
    between the first and the last loud frame."""
    loud = loud_frames(samples, floor_db)
    idx = np.nonzero(loud)[0]
    if len(idx) < 2:
        return []
    starts, run = [], 0
    for f in range(idx[0], idx[-1] + 1):
        if not loud[f]:
            run += 1
        else:
            if run * FRAME / SAMPLE_RATE >= min_seconds:
                starts.append((f - run) * FRAME / SAMPLE_RATE)
            run = 0
    return starts


def has_pause_at(samples: np.ndarray, beat: float, tolerance: float = 0.25) -> bool:
    return any(abs(start - beat) <= tolerance for start in pauses(samples))


def sound_segments(samples: np.ndarray, floor_db: float = -30.0, frame: int = FRAME) -> list:
    """(start, end) seconds of the runs of frames (`frame` samples, 20 ms) within `floor_db` of the loudest frame."""
    loud = loud_frames(samples, floor_db, frame)
    out, start = [], None
    for f, is_loud in enumerate(list(loud) + [False]):
        if is_loud and start is None:
            start = f
        elif not is_loud and start is not None:
            out.append((start * frame / SAMPLE_RATE, f * frame / SAMPLE_RATE))
            start = None
    return out


def knocks(samples: np.ndarray, join: float = 0.06, longest: float = 0.45, before: float = 0.06,
           after: float = 0.1) -> list:
    """Start seconds of knocks: a short sound (its parts less than `join` s apart, `longest` s in all) with
    at least `before` s of quiet before it and `after` s after it, between other sounds (not the file's
    first or last one)."""
    groups = []
    for start, end in sound_segments(samples):
        if groups and start - groups[-1][1] < join:
            groups[-1][1] = end
        else:
            groups.append([start, end])
    return [start for k, (start, end) in enumerate(groups[1:-1], 1)
            if end - start <= longest and start - groups[k - 1][1] >= before and groups[k + 1][0] - end >= after]


def has_knock_at(samples: np.ndarray, time: float, tolerance: float = 0.25) -> bool:
    return any(abs(start - time) <= tolerance for start in knocks(samples))


def drum_rolls(samples: np.ndarray, least: int = 4, longest: float = 0.25, gap: float = 0.25,
               span: float = 0.6) -> list:
    """Start seconds of drum rolls: every sound (a run of 10 ms frames within −30 dB of the loudest) that begins
    at least `least` sounds in a row, each at most `longest` s long and starting at most `gap` s after the one
    before, all within `span` s of the first. A roll of four hits after short syllables is listed from each of
    them, so a trigger's second is compared with the roll's own first hit as well."""
    segments = sound_segments(samples, frame=FINE_FRAME)
    out = []
    for k, (start, _) in enumerate(segments):
        run = 0
        for j in range(k, len(segments)):
            first, last = segments[j]
            if last - first > longest or first - start > span or (j > k and first - segments[j - 1][0] > gap):
                break
            run += 1
        if run >= least:
            out.append(start)
    return out


def has_drum_roll_at(samples: np.ndarray, time: float, tolerance: float = 0.25) -> bool:
    return any(abs(start - time) <= tolerance for start in drum_rolls(samples))


def keep_fusion_layers(path: str, keep: int, out_path: str) -> str:
    """A copy of the adapter file whose fusion layers beyond the `keep` lowest have gate 0 (and, from format 5,
    feed-forward gate 0: the whole layer is a no-op, as when the engine drops it)."""
    from safetensors.torch import load_file, save_file
    with open(path, "rb") as fh:
        metadata = json.loads(fh.read(int.from_bytes(fh.read(8), "little")))["__metadata__"]
    tensors = load_file(path)
    layers = sorted(json.loads(metadata["omnibark_adapters"])["fusion_layers"])
    for layer in layers[keep:]:
        tensors[f"fusion.layers.{layer}.gate"] = torch.zeros(1)
        if f"fusion.layers.{layer}.ffn_gate" in tensors:
            tensors[f"fusion.layers.{layer}.ffn_gate"] = torch.zeros(1)
    save_file(tensors, out_path, metadata=metadata)
    return out_path


def classify(seconds: float, teacher: dict) -> str:
    return min(RATES, key=lambda r: abs(math.log(max(seconds, 1e-3)) - math.log(teacher[r])))


def run_jobs(run, jobs: list, workers: int, label: str, every: int) -> None:
    """`run(job)` for every job (engine runs, each a subprocess) on `workers` threads, with progress on stderr
    every `every` jobs; the first failure is raised."""
    with ThreadPoolExecutor(workers) as pool:
        for n, _ in enumerate(pool.map(run, jobs), 1):
            if n % every == 0 or n == len(jobs):
                print(f"{label}: generated {n}/{len(jobs)}", file=sys.stderr, flush=True)


def machine_description() -> str:
    """The CPU model, its count and the engine's commit: figures from different machines differ a little
    even for the unsteered rows (2026-12-06: the plain row 30.5 % on one guest, 34.0 % on an AMD EPYC)."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:
        pass
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=here, timeout=10).stdout.strip() or "unknown"
        # The binary is built from the work tree, which may be ahead of HEAD.
        if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                          cwd=here, timeout=10).stdout.strip():
            commit += " with uncommitted changes"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{model}, {os.cpu_count()} CPUs, engine at commit {commit}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--adapters", required=True)
    p.add_argument("--clip", required=True)
    p.add_argument("--steer", required=True, help="steer_corpus manifest (its held-out sentences)")
    p.add_argument("--out", required=True)
    p.add_argument("--omnibark", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "omnibark"))
    p.add_argument("--sentences", type=int, default=50)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--tasks", help="only these tasks, comma-separated (style, reference audio, image, priority, "
                                   "distractor, control events); the plain run is always made")
    p.add_argument("--dominant-weight", type=float, default=3.0,
                   help="the heavier modality's routing weight (--weight) in the priority rows (default 3, as trained)")
    p.add_argument("--keep-fusion-layers", type=int, metavar="N",
                   help="price the latency router's drop-fusion-layers step: run the adapters with only their N "
                        "lowest fusion layers (the others' gates set to 0, which is exactly what dropping them does)")
    p.add_argument("--fusion-layers", type=int, metavar="N",
                   help="the latency router's drop-fusion-layers step as the engine takes it: the steered runs get "
                        "`speak --fusion-layers N` (only the N lowest layers, the others still around control events); "
                        "compare --keep-fusion-layers, which closes the others everywhere")
    p.add_argument("--speak-args", default="",
                   help="more `omnibark speak` options for every run, plain included, as one string "
                        "(e.g. \"--semantic-temperature 0.7 --top-k 50\": sampling, which --seed 1 makes repeatable)")
    a = p.parse_args(argv)
    if not os.path.isfile(a.omnibark):
        sys.exit(f"adapter_eval: no engine binary at {a.omnibark} (swift build -c release --product omnibark)")
    os.makedirs(os.path.join(a.out, "wav"), exist_ok=True)
    if a.keep_fusion_layers is not None:
        a.adapters = keep_fusion_layers(a.adapters, a.keep_fusion_layers, os.path.join(a.out, f"adapters-keep{a.keep_fusion_layers}.safetensors"))
    if a.fusion_layers is not None and a.keep_fusion_layers is not None:
        sys.exit("adapter_eval: give --fusion-layers or --keep-fusion-layers, not both")
    if a.dominant_weight <= 0:
        sys.exit(f"adapter_eval: --dominant-weight {a.dominant_weight}: must be positive")
    table_rows = [row for row in condition_table(a.dominant_weight)
                  if row[0] == "plain" or not a.tasks or row[2] in [t.strip() for t in a.tasks.split(",")]]
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    base = os.path.dirname(os.path.abspath(a.steer))
    rows = [json.loads(line) for line in open(a.steer)]
    held = {}
    for r in rows:
        if r["split"] == "heldout" and not r.get("voice"):  # the teacher's rows; other voices: speaker_eval
            held.setdefault(r["id"], {})[r["rate"]] = r
    ids = sorted(held)[: a.sentences]
    for row in list(table_rows):
        needed = (control_event(row[3]) or (None, None, None))[1]
        if needed and not all(needed in held[i] for i in ids):
            flag = {"pause": "--pauses", "sfx": "--sfx", "drum": "--drums"}[needed]
            print(f"adapter_eval: {row[0]}: skipped, {a.steer} has no `{needed}` rows for every held-out sentence "
                  f"(steer_corpus {flag})", file=sys.stderr)
            table_rows.remove(row)
    teacher = {i: {rate: speech_seconds(read_wav(os.path.join(base, held[i][rate]["audio"]))) for rate in RATES} for i in ids}
    rng = torch.Generator().manual_seed(2026)
    jobs = []
    for k, sid in enumerate(ids):
        other = ids[(k + 1) % len(ids)]  # a reference is never the target sentence
        for name, wanted, task, given, weights in table_rows:
            wav = os.path.join(a.out, "wav", f"{re.sub(r'[^a-z0-9]+', '-', name)}-{k:02d}.wav")
            args = [a.omnibark, "speak", "--model", a.model, "--seed", "1", "--out", wav] + shlex.split(a.speak_args)
            if name != "plain":
                args += ["--adapters", a.adapters, "--clip", a.clip]
                if a.fusion_layers is not None:
                    args += ["--fusion-layers", str(a.fusion_layers)]
            if "style" in given:
                args += ["--style", f"[{given['style']}]"]
            if "audio" in given:
                args += ["--reference-audio", os.path.join(base, held[other][given["audio"]]["audio"])]
            if "image" in given:
                image = os.path.join(a.out, "images", f"{given['image']}-{k:02d}.png")
                if not os.path.exists(image):
                    steer_images.save_png(steer_images.base_image(given["image"], rng), image)
                args += ["--image", image]
            event_times = {}  # a control event at the second of the teacher's pause, knock or drum roll
            if control_event(given):
                kind, recording, payload = control_event(given)
                event_times[kind] = held[sid][recording][kind]
                event = {"kind": kind, "time": event_times[kind]}
                if payload:
                    event["payload"] = payload
                control = os.path.join(a.out, "wav", f"{kind}{'-' + payload if payload else ''}-{k:02d}.json")
                with open(control, "w") as fh:
                    json.dump([event], fh)
                args += ["--control", control]
            beat, sfx = event_times.get("beat"), event_times.get("sfx")
            for modality, w in weights.items():
                args += ["--weight", f"{modality}={w}"]
            jobs.append(dict(sentence=sid, text=held[sid]["normal"]["text"], condition=name, wanted=wanted, task=task,
                             wav=wav, beat=beat or held[sid].get("pause", {}).get("beat"),
                             sfx=sfx or held[sid].get("sfx", {}).get("sfx"),
                             args=args + [held[sid]["normal"]["text"]]))

    def run(job):
        done = subprocess.run(job["args"], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(job['args'])}: exit {done.returncode}: {done.stderr[-500:]}")
        routes = dict((m.strip(), float(w)) for m, w in
                      re.findall(r"(text|reference audio|image|control events) ([0-9.]+)", done.stderr.split("conditioned on", 1)[-1])) \
            if "conditioned on" in done.stderr else {}
        job["routes"] = routes
        return job

    run_jobs(run, jobs, a.jobs, "adapter_eval", every=50)
    transcriber = Transcriber([os.path.join(a.out, "transcripts.jsonl")])
    with open(os.path.join(a.out, "transcripts.jsonl"), "a") as fh:
        for n, job in enumerate(jobs, 1):
            samples = read_wav(job["wav"])
            job["seconds"] = speech_seconds(samples)
            job["rate"] = classify(job["seconds"], teacher[job["sentence"]])
            job["pause_at_beat"] = job["beat"] is not None and has_pause_at(samples, job["beat"])
            job["knock_at_sfx"] = job["sfx"] is not None and has_knock_at(samples, job["sfx"])
            job["drum_at_sfx"] = job["sfx"] is not None and has_drum_roll_at(samples, job["sfx"])
            job["hypothesis"], fields = transcriber.transcribe(job["wav"])
            job["edits"], job["words"] = wer_metric.word_edits(job["text"], job["hypothesis"])
            fh.write(json.dumps(dict(hypothesis=job["hypothesis"], asr=ASR_DESCRIPTION, **fields)) + "\n")
            if n % 100 == 0:
                print(f"adapter_eval: transcribed {n}/{len(jobs)}", file=sys.stderr, flush=True)
    # The teacher at each rate: its own rate accuracy is 100 % by construction; its WER is the reference.
    teacher_wer = {}
    for rate in RATES:
        pairs = []
        for sid in ids:
            hypothesis, _ = transcriber.transcribe(os.path.join(base, held[sid][rate]["audio"]))
            pairs.append(wer_metric.word_edits(held[sid][rate]["text"], hypothesis))
        teacher_wer[rate] = wer_metric.corpus_wer(pairs)
    plain = {j["sentence"]: j for j in jobs if j["condition"] == "plain"}
    table = []
    for name, wanted, task, given, weights in table_rows:
        group = [j for j in jobs if j["condition"] == name]

        def attribute(j):  # the wanted rate, a pause at this sentence's beat or a knock / drum roll at its SFX second
            return {"pause": j["pause_at_beat"], "knock": j["knock_at_sfx"], "drum": j["drum_at_sfx"]}.get(wanted, j["rate"] == wanted)
        hit = sum(attribute(j) for j in group) / len(group)
        # Without adapters the engine speaks as it always does: the plain run of the same sentence.
        hit_without = sum(attribute(plain[j["sentence"]]) for j in group) / len(group)
        route_means = {}
        for modality in ("text", "reference audio", "image", "control events"):
            values = [j["routes"][modality] for j in group if modality in j["routes"]]
            if values:
                route_means[modality] = float(np.mean(values))
        table.append(dict(condition=name, task=task, wanted=wanted, with_adapters=hit, without_adapters=hit_without,
                          wer=wer_metric.corpus_wer([(j["edits"], j["words"]) for j in group]),
                          seconds=float(np.mean([j["seconds"] for j in group])), routes=route_means, n=len(group)))
        if wanted in ("knock", "drum"):  # which sound the trigger brought: both detectors on both rows
            table[-1]["sounds"] = {sound: sum(j[f"{sound}_at_sfx"] for j in group) / len(group) for sound in ("knock", "drum")}
    result = dict(sentences=len(ids), adapters=a.adapters, keep_fusion_layers=a.keep_fusion_layers,
                  fusion_layers=a.fusion_layers, speak_args=a.speak_args,
                  machine=machine_description(), teacher_seconds={r: float(np.mean([teacher[i][r] for i in ids])) for r in RATES},
                  teacher_wer=teacher_wer, table=table)
    with open(os.path.join(a.out, "eval.json"), "w") as fh:
        json.dump(result, fh, indent=1)
    lines = [f"Held-out sentences: {len(ids)}. Teacher speech seconds (slow / normal / fast): "
             + " / ".join(f"{result['teacher_seconds'][r]:.2f}" for r in RATES)
             + "; teacher WER " + " / ".join(f"{100 * teacher_wer[r]:.1f} %" for r in RATES) + ".",
             f"Machine: {result['machine']}. Compare runs made on one kind of machine: the engine's float kernels "
             "and Whisper's int8 ones round differently on another CPU, and greedy choices follow.", "",
             "| condition | wanted (rate; a pause at the beat; a knock / drum roll at the trigger) | with adapters | without | WER | speech s | routing weights |",
             "|---|---|---|---|---|---|---|"]
    for row in table:
        routes = ", ".join(f"{m} {w:.2f}" for m, w in row["routes"].items()) or "—"
        lines.append(f"| {row['condition']} | {row['wanted']} | {100 * row['with_adapters']:.0f} % | "
                     f"{100 * row['without_adapters']:.0f} % | {100 * row['wer']:.1f} % | {row['seconds']:.2f} | {routes} |")
    sounds = [row for row in table if "sounds" in row]
    if sounds:
        lines += ["", "Which sound each SFX trigger brought (both detectors within 0.25 s of the trigger): "
                  + "; ".join(f"{row['condition']}: a knock {100 * row['sounds']['knock']:.0f} %, a drum roll "
                              f"{100 * row['sounds']['drum']:.0f} %" for row in sounds) + "."]
    with open(os.path.join(a.out, "eval.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
