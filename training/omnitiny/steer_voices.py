"""Adds other voices to the steering corpus (`steer_corpus`), for the adapters' speaker tasks: the same
sentences spoken by other espeak-ng voice variants (`corpus --voices`, e.g. en-us+f3, en-us+klatt,
en-us+whisper), each with its own semantic units from the base model's clusters (`units --reuse`).

    python -m omnitiny.steer_voices --steer data/steer/manifest.jsonl \\
        --corpus data/manifest-voices-balanced.jsonl --units runs-mv/units \\
        --corpus data/manifest-voices-heldout.jsonl --units runs-mv/units-voices-heldout \\
        --out data/steer-voices/manifest.jsonl

Writes `--out`: every row of `--steer` (the teacher's, untouched), then one row per speech item of each
`--corpus` manifest whose voice is not the teacher's (`--teacher`), in both splits: `id`, `rate` ("normal"),
`voice` (the manifest's, e.g. "espeak:en-us+f3"), `audio` (relative to the output's directory), `text`,
`split`, `seconds` and `units` (from the `--units` directory given with that manifest). A row without
`voice` is the teacher's. Rows of other voices already in `--steer` are replaced, so running it again
with more voices gives one row per item.

`--same-sentences` keeps, of the teacher's rows, only the normal-rate ones of the sentences the other voices
speak: a corpus for the speaker tasks alone (`adapter_train --tasks speaker,whisper`), each voice on the same
texts, and a fraction of the recordings for the adapter training to encode first."""

import argparse
import json
import os
import sys

TEACHER = "espeak:en-us"


class SteerVoicesError(Exception):
    """A bad input, named (file and line, or flag)."""


def read_jsonl(path: str) -> list:
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.readlines()
    except OSError as e:
        raise SteerVoicesError(f"{path}: {e.strerror or e}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise SteerVoicesError(f"{path}:{number}: not JSON ({e.msg})") from None
    return rows


def voice_rows(corpus_path: str, units_dir: str, out_dir: str, teacher: str) -> list:
    """The steering rows of `corpus_path`'s speech items in voices other than `teacher`; each needs its
    units in `units_dir`/units.jsonl (refused by item id otherwise)."""
    units = {r["id"]: r["units"] for r in read_jsonl(os.path.join(units_dir, "units.jsonl"))}
    base = os.path.dirname(os.path.abspath(corpus_path))
    rows = []
    for item in read_jsonl(corpus_path):
        voice = item.get("voice")
        if item.get("kind") != "speech" or not voice or voice == teacher:
            continue
        if item.get("split") not in ("train", "heldout"):
            raise SteerVoicesError(f"{corpus_path}: item {item.get('id')}: split {item.get('split')!r}, not train or heldout")
        if item["id"] not in units:
            raise SteerVoicesError(f"{corpus_path}: item {item['id']} has no units in {units_dir}/units.jsonl "
                                   f"(python -m omnitiny.units --manifest {corpus_path} --reuse …)")
        audio = os.path.relpath(os.path.join(base, item["audio"]), out_dir)
        rows.append(dict(id=item["id"], rate="normal", voice=voice, audio=audio, text=item["text"],
                         split=item["split"], seconds=item.get("seconds"), units=units[item["id"]]))
    return rows


def build(steer_path: str, pairs: list, out_path: str, teacher: str = TEACHER, same_sentences: bool = False) -> dict:
    """Writes the grown manifest at `out_path` (atomically); returns {voice: {split: rows}} of what it added
    (with `same_sentences`, the teacher's rows it kept too)."""
    out_dir = os.path.dirname(os.path.abspath(out_path))
    steer_dir = os.path.dirname(os.path.abspath(steer_path))
    kept = []
    for row in read_jsonl(steer_path):
        if row.get("voice"):
            continue
        row = dict(row, audio=os.path.relpath(os.path.join(steer_dir, row["audio"]), out_dir))
        kept.append(row)
    added, seen = [], set()
    for corpus_path, units_dir in pairs:
        for row in voice_rows(corpus_path, units_dir, out_dir, teacher):
            if row["id"] in seen:
                raise SteerVoicesError(f"{corpus_path}: item {row['id']} is in two --corpus manifests")
            seen.add(row["id"])
            added.append(row)
    if not added:
        raise SteerVoicesError("the --corpus manifests have no speech in a voice other than the teacher's "
                               f"({teacher}); make them with corpus --voices")
    if same_sentences:
        texts = {r["text"] for r in added}
        kept = [r for r in kept if r["rate"] == "normal" and r["text"] in texts]
    os.makedirs(out_dir, exist_ok=True)
    tmp = out_path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in kept + added)
    os.replace(tmp, out_path)
    counts = {teacher: {}} if same_sentences else {}
    for r in kept if same_sentences else []:
        counts[teacher][r["split"]] = counts[teacher].get(r["split"], 0) + 1
    for r in added:
        counts.setdefault(r["voice"], {}).setdefault(r["split"], 0)
        counts[r["voice"]][r["split"]] += 1
    return counts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steer", required=True, help="the teacher's steering manifest (steer_corpus)")
    p.add_argument("--corpus", action="append", required=True, help="a corpus manifest with other voices (repeatable)")
    p.add_argument("--units", action="append", required=True,
                   help="the units directory of the --corpus before it (units --reuse with the steering corpus's centroids)")
    p.add_argument("--teacher", default=TEACHER, help=f"the voice the steering manifest already holds (default {TEACHER})")
    p.add_argument("--out", required=True, help="the grown steering manifest to write")
    p.add_argument("--same-sentences", action="store_true",
                   help="keep only the teacher's normal-rate rows of the sentences the other voices speak (the speaker tasks alone)")
    a = p.parse_args(argv)
    if len(a.corpus) != len(a.units):
        sys.exit(f"steer_voices: {len(a.corpus)} --corpus but {len(a.units)} --units: give one --units per --corpus")
    if os.path.abspath(a.out) == os.path.abspath(a.steer):
        sys.exit("steer_voices: --out must not be --steer (the teacher's manifest stays as it is)")
    try:
        counts = build(a.steer, list(zip(a.corpus, a.units)), a.out, a.teacher, a.same_sentences)
    except SteerVoicesError as e:
        sys.exit(f"steer_voices: {e}")
    for voice, splits in counts.items():
        print(f"steer_voices: {voice}: " + ", ".join(f"{n} {s}" for s, n in sorted(splits.items())), file=sys.stderr)
    print(f"steer_voices: wrote {a.out}")


if __name__ == "__main__":
    main()
