"""Whether the acoustic stages can render a whisper at all, before any adapter is asked for `[whisper]`:
the held-out sentences spoken by espeak-ng `en-us` and `en-us+whisper` (the corpus's WAV format), each
turned into semantic units with the model's own unit vocabulary (`--units`, the aligned centroids) and
rendered by the coarse and fine GPTs and the codec (greedy, as `units_wer`). Measured per variant: the
share of loud 40 ms frames that are voiced (normalized autocorrelation peak > 0.5 between 70 and 400 Hz;
a whisper has none), the number of distinct units per sentence, and Whisper's word error rate, for the
teacher and for the rendering. A steering adapter can only choose units: if the teacher's own whisper
units come back voiced, no `[whisper]` adapter on the frozen model can produce a whisper.

    python -m omnitiny.whisper_units --model ../models/omnibark-tiny --units runs/units-aligned \\
        --steer data/steer/manifest.jsonl --out runs/whisper-units

Writes the WAVs and whisper-units.json to --out and prints a Markdown table (8 sentences: about 3 minutes)."""

import argparse
import json
import os
import sys

import numpy as np

from . import steer_corpus, units_wer, wer
from .audio import SAMPLE_RATE, read_wav, write_wav
from .evaluate import Transcriber

VARIANTS = {"normal": "en-us", "whisper": "en-us+whisper"}
NORMAL_WPM = 175  # espeak-ng's default rate, the corpus's normal
FRAME = 960  # 40 ms at 24 kHz


def voiced_share(samples: np.ndarray, floor_db: float = -30.0, threshold: float = 0.5) -> float:
    """Share of the 40 ms frames within `floor_db` of the loudest whose normalized autocorrelation peaks
    above `threshold` at a lag of 70–400 Hz (0 when no frame is loud)."""
    n = len(samples) // FRAME
    if n == 0:
        return 0.0
    frames = samples[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    rms = np.sqrt((frames ** 2).mean(1) + 1e-12)
    loud = 20 * np.log10(rms / rms.max()) > floor_db
    lo, hi = SAMPLE_RATE // 400, SAMPLE_RATE // 70
    voiced = 0
    for frame in frames[loud]:
        frame = frame - frame.mean()
        ac = np.correlate(frame, frame, "full")[FRAME - 1:]
        if ac[0] > 0 and ac[lo:hi].max() / ac[0] > threshold:
            voiced += 1
    return voiced / max(int(loud.sum()), 1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the model directory (Bark layout)")
    p.add_argument("--units", required=True, help="units directory whose centroids are the model's vocabulary")
    p.add_argument("--steer", required=True, help="steer_corpus manifest (its held-out sentences)")
    p.add_argument("--out", required=True)
    p.add_argument("--sentences", type=int, default=8)
    a = p.parse_args(argv)
    to_units = steer_corpus.load_units(a.units)
    model = units_wer.load_model(a.model)
    with open(a.steer, encoding="utf-8") as fh:
        rows = [r for r in map(json.loads, fh) if r["split"] == "heldout" and r["rate"] == "normal"][: a.sentences]
    if not rows:
        sys.exit(f"whisper_units: {a.steer} has no held-out normal-rate rows")
    os.makedirs(a.out, exist_ok=True)
    transcriber = Transcriber([])
    result = {}
    for variant, voice in VARIANTS.items():
        items = []
        for k, row in enumerate(rows):
            teacher_wav = os.path.join(a.out, f"teacher-{variant}-{k:02d}.wav")
            steer_corpus.synthesize(row["text"], NORMAL_WPM, teacher_wav, voice=voice)
            teacher = read_wav(teacher_wav)
            units = to_units(teacher)
            rendered = units_wer.render(model, units)
            rendered_wav = os.path.join(a.out, f"rendered-{variant}-{k:02d}.wav")
            write_wav(rendered_wav, rendered)
            items.append(dict(teacher_voiced=voiced_share(teacher), rendered_voiced=voiced_share(rendered),
                              distinct_units=len(set(units)),
                              teacher_edits=wer.word_edits(row["text"], transcriber.transcribe(teacher_wav)[0]),
                              rendered_edits=wer.word_edits(row["text"], transcriber.transcribe(rendered_wav)[0])))
        result[variant] = dict(teacher_voiced=float(np.mean([i["teacher_voiced"] for i in items])),
                               rendered_voiced=float(np.mean([i["rendered_voiced"] for i in items])),
                               distinct_units=float(np.mean([i["distinct_units"] for i in items])),
                               teacher_wer=wer.corpus_wer([i["teacher_edits"] for i in items]),
                               rendered_wer=wer.corpus_wer([i["rendered_edits"] for i in items]))
        print(f"whisper_units: {variant} done", file=sys.stderr, flush=True)
    with open(os.path.join(a.out, "whisper-units.json"), "w", encoding="utf-8") as fh:
        json.dump(dict(sentences=len(rows), result=result), fh, indent=1)
    print(f"espeak-ng's plain and whispered speech of {len(rows)} held-out sentences, as units, rendered by the "
          "coarse and fine GPTs and the codec (greedy):\n")
    print("| variant | voiced frames, teacher | voiced frames, rendered | distinct units | WER teacher | WER rendered |")
    print("|---|---|---|---|---|---|")
    for variant, r in result.items():
        print(f"| {variant} | {100 * r['teacher_voiced']:.0f} % | {100 * r['rendered_voiced']:.0f} % | "
              f"{r['distinct_units']:.0f} | {100 * r['teacher_wer']:.1f} % | {100 * r['rendered_wer']:.1f} % |")


if __name__ == "__main__":
    main()
