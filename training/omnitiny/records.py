"""Joins the manifest, the tokenizer, the semantic units and (once the codec is trained) the codec
codes into one training file for `gpt_train`, with the curriculum's sampling weight per utterance
(p(kind) ∝ hours^(1/temperature), shared evenly by the kind's utterances).

    python -m omnitiny.records --manifest data/manifest.jsonl --units runs/units --codec runs/codec/codec.pt --out runs/records.pt"""

import argparse
import json
import os
import sys

import numpy as np
import torch

from . import codec_model, manifest, mel_latent, vocabulary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", required=True)
    p.add_argument("--units", required=True, help="directory written by omnitiny.units")
    p.add_argument("--codec", help="codec checkpoint; without it the records have no codes (semantic stage only)")
    p.add_argument("--codes", choices=["auto", "encoder", "mel"], default="auto",
                   help="codes from the codec's encoder, or from the exact mel latent quantized with its codebooks "
                        "(what a `melcodec_train` codec's encoder learns to approximate). auto (default): mel for a "
                        "codec made by melcodec_train, else encoder")
    p.add_argument("--out", required=True)
    p.add_argument("--temperature", type=float, default=1.5, help="curriculum temperature over kinds")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, help="only the first N utterances of each split (smoke tests)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    vocab_path = os.path.join(os.path.dirname(os.path.abspath(a.out)), "vocab.txt")
    vocabulary.write(vocab_path)
    tok = vocabulary.tokenizer(vocab_path)
    units = {}
    with open(os.path.join(a.units, "units.jsonl")) as fh:
        for line in fh:
            row = json.loads(line)
            units[row["id"]] = np.array(row["units"], dtype=np.int64)
    items = manifest.read(a.manifest, "train")[: a.limit] + manifest.read(a.manifest, "heldout")[: a.limit]
    model = None
    if a.codec:
        model = codec_model.build()
        state = torch.load(a.codec, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        model.eval()
        if a.codes == "auto":
            a.codes = "mel" if state.get("latent") == "mel" else "encoder"
        print(f"records: codes from the codec's {'mel latent' if a.codes == 'mel' else 'encoder'}", file=sys.stderr)
    hours = {}
    for item in items:
        if item["split"] == "train":
            hours[item["kind"]] = hours.get(item["kind"], 0) + item["seconds"] / 3600
    kind_weight = {k: h ** (1 / a.temperature) for k, h in hours.items()}
    total = sum(kind_weight.values())
    counts = {k: sum(1 for i in items if i["kind"] == k and i["split"] == "train") for k in hours}
    records = []
    audio = manifest.load_audio(items)
    for n, (item, samples) in enumerate(zip(items, audio)):
        codes = None
        if model is not None:
            signal = torch.from_numpy(samples.astype(np.float32) / 32768)
            if a.codes == "mel":
                books = [layer.codebook.embed for layer in model.quantizer.layers]
                with torch.no_grad():
                    codes = mel_latent.quantize(books, mel_latent.log_mel(signal[None]), len(books))[1][:, 0].numpy()
            else:
                codes = codec_model.encode(model, signal, len(model.quantizer.layers)).numpy()
        records.append(dict(id=item["id"], split=item["split"], kind=item["kind"], voice=item["voice"],
                            text=item["text"], text_ids=vocabulary.encode(tok, item["text"]),
                            units=units[item["id"]], codes=codes,
                            # a held-out-only manifest has no training hours: its rows, which gpt_train never draws, weigh 0
                            weight=kind_weight.get(item["kind"], 0) / total / max(1, counts.get(item["kind"], 1)) if total else 0.0))
        if (n + 1) % 500 == 0:
            print(f"records: {n + 1}/{len(items)}", file=sys.stderr, flush=True)
    torch.save(dict(records=records, text_vocab_size=len(vocabulary.entries()), vocab=vocabulary.entries()),
               a.out + ".part")
    os.replace(a.out + ".part", a.out)
    if total:
        print("records: curriculum " + ", ".join(f"{k} {hours[k]:.2f} h → p {kind_weight[k] / total:.2f}" for k in sorted(hours)))
    print(f"records: {len(records)} utterances → {a.out}")


if __name__ == "__main__":
    main()
