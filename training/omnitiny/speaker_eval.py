"""Measures the adapters' speaker tasks through the engine itself (`omnibark speak`): does the generated
speech take the voice of the reference recording (`--reference-audio`, another held-out sentence in that
voice), or the whisper for `--style "[whisper]"`, and does it stay intelligible?

    python -m omnitiny.speaker_eval --model runs-mv2-x/model --adapters runs-speaker1/adapters.safetensors \\
        --clip ../models/omnibark-tiny/clip --steer data/steer-voices/manifest.jsonl --out runs-speaker1/speaker-eval

The voices are those of the steering manifest (`steer_voices`): the teacher's rows (no `voice` field) and
each other voice with held-out rows. Which voice a generated file has is told by `voice_units`'
nearest-centroid classifier of spectral shape, trained on what the model's acoustic stages make of each
voice's own units: the units of `--train-sentences` training rows per voice, rendered by the model's coarse
and fine GPTs and codec (greedy, through transformers). Chance is one in the number of voices. Each
condition is measured with the adapters and without them (the plain run of the same sentence, which the
base model speaks in whatever voice it speaks). Whisper tiny.en's WER says whether the words survive.
Writes the WAVs, `speaker-eval.json` and `speaker-eval.md` under `--out` and prints the table."""

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

from . import wer as wer_metric
from .adapter_eval import machine_description, run_jobs
from .adapter_train import TEACHER, WHISPER_TAG, whisper_voice
from .audio import read_wav, write_wav
from .evaluate import EvaluationError, Transcriber, check_model_dir
from .steer_voices import SteerVoicesError, read_jsonl
from .voice_units import NearestCentroid, voice_features


def voice_rows(steer_path: str) -> dict:
    """{voice: {"train": [rows], "heldout": [rows]}} of the normal-rate rows; the teacher's rows are `TEACHER`.
    Refuses a manifest with fewer than two voices, or a voice without held-out rows, by name."""
    try:
        rows = read_jsonl(steer_path)
    except SteerVoicesError as e:
        raise EvaluationError(f"--steer {e}") from None
    voices = {}
    for row in rows:
        if row.get("rate") == "normal" and row.get("split") in ("train", "heldout"):
            voices.setdefault(row.get("voice") or TEACHER, {"train": [], "heldout": []})[row["split"]].append(row)
    if len(voices) < 2:
        raise EvaluationError(f"--steer {steer_path}: only the teacher's voice; add others with steer_voices")
    for voice, splits in voices.items():
        if not splits["heldout"] or not splits["train"]:
            raise EvaluationError(f"--steer {steer_path}: voice {voice} has no "
                                  f"{'held-out' if not splits['heldout'] else 'training'} rows")
    return voices


def condition_table(voices: list) -> list:
    """(name, wanted voice, {"audio": voice} | {"style": tag}) — plain first; one reference per voice; the
    whisper style when a voice is the whisper variant."""
    rows = [("plain", TEACHER, {})]
    rows += [(f"reference {voice}", voice, {"audio": voice}) for voice in voices]
    whisper = whisper_voice(voices)
    if whisper:
        rows.append((f"style {WHISPER_TAG}", whisper, {"style": WHISPER_TAG}))
    return rows


def share(hits: list) -> float:
    return sum(hits) / len(hits) if hits else 0.0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the model directory (Bark layout) whose acoustic stages render several voices")
    p.add_argument("--adapters", required=True)
    p.add_argument("--clip", required=True, help="the frozen image tower the adapter file was trained with")
    p.add_argument("--steer", required=True, help="the steering manifest with other voices (steer_voices)")
    p.add_argument("--out", required=True)
    p.add_argument("--omnibark", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "omnibark"))
    p.add_argument("--sentences", type=int, default=20, help="held-out sentences per condition")
    p.add_argument("--train-sentences", type=int, default=20, help="training rows per voice for the classifier")
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args(argv)
    try:
        if not os.path.isfile(a.omnibark):
            raise EvaluationError(f"no engine binary at {a.omnibark} (swift build -c release --product omnibark)")
        for flag, path in (("--adapters", a.adapters), ("--clip", a.clip)):
            if not os.path.exists(path):
                raise EvaluationError(f"{flag} {path}: no such file or directory")
        if a.sentences < 2 or a.train_sentences < 1:
            raise EvaluationError("--sentences: at least 2 (a reference is another sentence's); --train-sentences: at least 1")
        model_dir = check_model_dir(a.model, "--model")
        voices = voice_rows(a.steer)
    except EvaluationError as e:
        sys.exit(f"speaker_eval: {e}")
    base = os.path.dirname(os.path.abspath(a.steer))
    wav_dir = os.path.join(a.out, "wav")
    os.makedirs(wav_dir, exist_ok=True)
    names = sorted(voices, key=lambda v: (v != TEACHER, v))

    # The classifier: each voice's own training units as the model renders them.
    from .units_wer import load_model, render
    model = load_model(model_dir)
    examples = {}
    for voice in names:
        for n, row in enumerate(voices[voice]["train"][: a.train_sentences]):
            path = os.path.join(a.out, "classifier", f"{re.sub(r'[^a-z0-9]+', '-', voice)}-{n:03d}.wav")
            if not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write_wav(path, render(model, row["units"]))
            examples.setdefault(voice, []).append(voice_features(read_wav(path)))
        print(f"speaker_eval: classifier: {voice}: {len(examples[voice])} rendered training rows", file=sys.stderr, flush=True)
    del model
    classifier = NearestCentroid(examples)

    sentences = voices[TEACHER]["heldout"][: a.sentences]
    table_rows = condition_table(names)
    jobs = []
    for k, target in enumerate(sentences):
        for name, wanted, given in table_rows:
            wav = os.path.join(wav_dir, f"{re.sub(r'[^a-z0-9]+', '-', name)}-{k:02d}.wav")
            args = [a.omnibark, "speak", "--model", model_dir, "--seed", "1", "--out", wav]
            if name != "plain":
                args += ["--adapters", a.adapters, "--clip", a.clip]
            if "audio" in given:  # another held-out sentence in that voice: never the target's words
                held = [r for r in voices[given["audio"]]["heldout"] if r["text"] != target["text"]]
                args += ["--reference-audio", os.path.join(base, held[k % len(held)]["audio"])]
            if "style" in given:
                args += ["--style", given["style"]]
            jobs.append(dict(sentence=k, text=target["text"], condition=name, wanted=wanted, wav=wav, args=args + [target["text"]]))

    def run(job):
        done = subprocess.run(job["args"], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(job['args'])}: exit {done.returncode}: {done.stderr[-500:]}")
        return job

    run_jobs(run, jobs, a.jobs, "speaker_eval", every=20)
    transcriber = Transcriber([])
    for n, job in enumerate(jobs, 1):
        job["heard"] = classifier.predict(voice_features(read_wav(job["wav"])))
        hypothesis, _ = transcriber.transcribe(job["wav"])
        job["edits"] = wer_metric.word_edits(job["text"], hypothesis)
        if n % 40 == 0 or n == len(jobs):
            print(f"speaker_eval: transcribed {n}/{len(jobs)}", file=sys.stderr, flush=True)
    plain = {j["sentence"]: j for j in jobs if j["condition"] == "plain"}
    table = []
    for name, wanted, _ in table_rows:
        group = [j for j in jobs if j["condition"] == name]
        table.append(dict(condition=name, wanted=wanted, n=len(group),
                          with_adapters=share([j["heard"] == wanted for j in group]),
                          without_adapters=share([plain[j["sentence"]]["heard"] == wanted for j in group]),
                          heard_as={v: sum(j["heard"] == v for j in group) for v in names},
                          wer=wer_metric.corpus_wer([j["edits"] for j in group])))
    result = dict(sentences=len(sentences), train_sentences=a.train_sentences, model=os.path.abspath(model_dir),
                  adapters=os.path.abspath(a.adapters), machine=machine_description(), voices=names, table=table)
    with open(os.path.join(a.out, "speaker-eval.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)
    lines = [f"Held-out sentences: {len(sentences)}; the voice classifier trained on {a.train_sentences} rendered "
             f"training rows per voice ({len(names)} voices, chance {100 / len(names):.0f} %). Machine: {result['machine']}.", "",
             "| condition | wanted voice | heard as wanted, with adapters | without | WER | heard as (" + ", ".join(names) + ") |",
             "|---|---|---|---|---|---|"]
    for row in table:
        lines.append(f"| {row['condition']} | {row['wanted']} | {100 * row['with_adapters']:.0f} % | "
                     f"{100 * row['without_adapters']:.0f} % | {100 * row['wer']:.1f} % | "
                     + " / ".join(str(row["heard_as"][v]) for v in names) + " |")
    with open(os.path.join(a.out, "speaker-eval.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
