"""Writes OmniBark-tiny as a Hugging Face Bark model directory — the layout `suno/bark-small` is
downloaded in and the engine loads: `config.json`, `model.safetensors` (float16), `generation_config.json`
(every scaled constant), `vocab.txt` + `tokenizer_config.json` + `special_tokens_map.json`, and
speaker presets (`speaker_embeddings_path.json` + `speaker_embeddings/*.npy`).

    python -m omnitiny.export --runs runs --out ../models/omnibark-tiny"""

import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

from . import codec_model, gpt_train
from . import layout as L


def voice_arrays(record) -> dict:
    codes = np.asarray(record["codes"], dtype=np.int64)
    return {"semantic_prompt": np.asarray(record["units"], dtype=np.int64),
            "coarse_prompt": codes[: L.N_COARSE], "fine_prompt": codes[: L.N_FINE]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", required=True, help="directory with codec/codec.pt, semantic/, coarse/, fine/ and records.pt")
    p.add_argument("--records", help="records file (default RUNS/records.pt)")
    p.add_argument("--out", required=True)
    p.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    p.add_argument("--voice-utterance", default=None, help="record id whose tokens become the speaker preset")
    a = p.parse_args(argv)
    from transformers import BarkConfig, BarkModel
    data = torch.load(a.records or os.path.join(a.runs, "records.pt"), weights_only=False)
    vocab_size = data["text_vocab_size"]
    cfgs = L.model_configs(vocab_size)
    config = BarkConfig(semantic_config=cfgs["semantic"], coarse_acoustics_config=cfgs["coarse"],
                        fine_acoustics_config=cfgs["fine"], codec_config=codec_model.CODEC_CONFIG)
    model = BarkModel(config)
    parts = {"semantic": model.semantic, "coarse": model.coarse_acoustics, "fine": model.fine_acoustics}
    for stage, module in parts.items():
        state = torch.load(os.path.join(a.runs, stage, f"{stage}.pt"), map_location="cpu", weights_only=False)
        module.load_state_dict(state["model"])
        print(f"export: {stage} step {state['step']}, loss {state['loss']:.3f}", file=sys.stderr)
    codec = torch.load(os.path.join(a.runs, "codec", "codec.pt"), map_location="cpu", weights_only=False)
    model.codec_model.load_state_dict(codec["model"])
    print(f"export: codec step {codec['step']}, mel loss {codec['mel']:.3f}", file=sys.stderr)
    encoder_path = os.path.join(a.runs, "codec", "encoder.pt")
    if os.path.exists(encoder_path):  # a mel-latent codec's encoder trains in its own run (melcodec_train)
        encoder = torch.load(encoder_path, map_location="cpu", weights_only=False)
        model.codec_model.encoder.load_state_dict(encoder["encoder"])
        print(f"export: codec encoder step {encoder['step']}, regression loss {encoder['loss']:.3f}", file=sys.stderr)
    elif codec.get("latent") == "mel":
        sys.exit(f"export: {encoder_path} is missing: run melcodec_train --part encoder (the decoder run leaves the encoder untrained)")
    if a.dtype == "float16":
        model = model.half()
    tmp = a.out.rstrip("/") + ".part"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    with open(os.path.join(tmp, "generation_config.json"), "w") as fh:
        json.dump(L.generation_config(vocab_size), fh, indent=2)
    with open(os.path.join(tmp, "vocab.txt"), "w") as fh:
        fh.write("\n".join(data["vocab"]) + "\n")
    with open(os.path.join(tmp, "tokenizer_config.json"), "w") as fh:
        json.dump({"do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True,
                   "unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                   "mask_token": "[MASK]", "model_max_length": 512, "tokenizer_class": "BertTokenizer"}, fh, indent=2)
    with open(os.path.join(tmp, "special_tokens_map.json"), "w") as fh:
        json.dump({"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                   "mask_token": "[MASK]"}, fh, indent=2)
    records = {r["id"]: r for r in data["records"]}
    voices = {}
    # Rows without a voice (the steering corpus's other rates, `steer_records`) make no preset.
    speech = [r for r in data["records"] if r["split"] == "train" and r["kind"] == "speech" and r["codes"] is not None
              and r["voice"] is not None]
    by_voice = {}
    for r in speech:
        by_voice.setdefault(r["voice"], r if a.voice_utterance is None else records[a.voice_utterance])
    index = {"repo_or_path": "."}
    os.makedirs(os.path.join(tmp, "speaker_embeddings", "v2"), exist_ok=True)
    for n, (voice, record) in enumerate(sorted(by_voice.items())):
        name = f"v2/en_speaker_{n}"
        entry = {}
        for key, array in voice_arrays(record).items():
            rel = os.path.join("speaker_embeddings", f"{name}_{key}.npy")
            np.save(os.path.join(tmp, rel), array)
            entry[key] = rel
        index[name] = entry
        voices[name] = {"teacher": voice, "utterance": record["id"], "text": record["text"]}
    with open(os.path.join(tmp, "speaker_embeddings_path.json"), "w") as fh:
        json.dump(index, fh, indent=2)
    with open(os.path.join(tmp, "VOICES.json"), "w") as fh:
        json.dump(voices, fh, indent=2)
    # Keep what export does not write: the hand-written model card, the adapters (adapter_train), the
    # frozen CLIP tower and the examples (steer_images).
    if os.path.isdir(a.out):
        for name in os.listdir(a.out):
            if not os.path.exists(os.path.join(tmp, name)):
                source = os.path.join(a.out, name)
                (shutil.copytree if os.path.isdir(source) else shutil.copy2)(source, os.path.join(tmp, name))
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.replace(tmp, a.out)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(a.out) for f in fs)
    print(f"export: {a.out} ({size / 1e6:.1f} MB), voices {', '.join(voices)}")


if __name__ == "__main__":
    main()
