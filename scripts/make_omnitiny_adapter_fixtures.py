#!/usr/bin/env python3
"""Parity fixtures for the TRAINED adapters shipped with OmniBark-tiny: the training code's forward pass
(training/omnitiny/fusion.py hooked into transformers' BarkSemanticModel) on the committed files, so a
Swift test can show the engine computes the same thing from the same files.

Reads (all committed): models/omnibark-tiny (model.safetensors, vocab.txt, adapters.safetensors, clip/)
and models/omnibark-tiny/examples (slow.png, slow.wav). Writes Tests/Fixtures/omnitiny-adapters/:

  reference.safetensors  inputs — style embeddings of "[slow]" and "[fast]", codec-encoder frames of
                         slow.wav, the CLIP tower's pooled / last hidden state of slow.png, a beat marker
                         at 0.3 s, an SFX trigger at 0.3 s, the prefill
                         embeddings of one sentence (text + empty history + infer token + 24 units) — and
                         outputs per case: route weights, memory, semantic logits [rows, 257]; with a
                         format-6 file also the rate clock's stride [1], read from the infer token's state
                         (`FusedSemantic.rate_clock_state`: after fusion layer `rate_clock_layer`, or the
                         final state), and the logits are then those of the units on that clock, which
                         stands still where the file's `clock_holds` say for the control events
                         (`fusion.clock_holds`; its positions: {case}.positions [rows])
  VERSIONS.txt           torch / transformers versions

Run (in the training venv): .venv/bin/python scripts/make_omnitiny_adapter_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "training"))

from omnitiny import fusion, layout as L, steer_images, vocabulary  # noqa: E402
from omnitiny.adapter_train import load_base, unit_positions  # noqa: E402
from omnitiny.audio import read_wav  # noqa: E402

MODEL = os.path.join(ROOT, "models", "omnibark-tiny")
EXAMPLES = os.path.join(MODEL, "examples")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "omnitiny-adapters")
SENTENCE = "Anna saw the little red boat near the river today."
UNITS = [3, 3, 17, 17, 42, 42, 42, 101, 101, 9, 9, 9, 250, 250, 77, 77, 77, 5, 5, 5, 130, 130, 64, 64]
# case → (modalities given, routing weights text, audio, image, control)
CASES = {"style": (("text",), [1, 1, 1, 1]),
         "all": (("text", "audio", "image"), [1, 3, 1, 1]),
         "beat": (("control",), [1, 1, 1, 1]),
         "sfx": (("control",), [1, 1, 1, 1]),
         "drum": (("control",), [1, 1, 1, 1])}
# At 0.3 s, so that a clock hold (from about unit 10) falls within the 24 units. The drum trigger's payload
# names its embedding row by the FNV-1a hash both sides compute.
EVENTS = {"beat": {"kind": "beat", "time": 0.3}, "sfx": {"kind": "sfx", "time": 0.3},
          "drum": {"kind": "sfx", "time": 0.3, "payload": "drum"}}


def main():
    from safetensors.torch import save_file
    import safetensors
    import transformers
    torch.manual_seed(0)
    base = load_base(MODEL)
    adapters = fusion.load_adapters(os.path.join(MODEL, "adapters.safetensors"))
    fused = fusion.FusedSemantic(base.semantic, adapters)
    tok = vocabulary.tokenizer(os.path.join(MODEL, "vocab.txt"))
    embed = base.semantic.input_embeds_layer
    text_vocab = len(vocabulary.entries())

    ref = {}
    with torch.no_grad():
        for tag in ("[slow]", "[fast]"):
            ids = [i + L.TEXT_OFFSET for i in vocabulary.encode(tok, tag)]
            ref[f"style_embeddings.{tag.strip('[]')}"] = embed(torch.tensor(ids))
        samples = torch.from_numpy(read_wav(os.path.join(EXAMPLES, "slow.wav"))).view(1, 1, -1)
        ref["audio_features"] = base.codec_model.encoder(samples)[0].T.contiguous()
        from PIL import Image
        image = torch.from_numpy(np.asarray(Image.open(os.path.join(EXAMPLES, "slow.png")).convert("RGB"))).permute(2, 0, 1)
        pooled, hidden = steer_images.TowerFeatures(os.path.join(MODEL, "clip"))(image.float() / 255)
        ref["image_pooled"], ref["image_hidden"] = pooled, hidden

        text = [i + L.TEXT_OFFSET for i in vocabulary.encode(tok, SENTENCE)]
        text += [L.text_pad(text_vocab)] * (L.MAX_TEXT - len(text))
        x = torch.cat([embed(torch.tensor(text)) + embed(torch.tensor([L.SEMANTIC_EOS] * L.MAX_TEXT)),
                       embed(torch.tensor([L.semantic_infer(text_vocab)])), embed(torch.tensor(UNITS))])
        ref["prefill_embeddings"] = x
        fused.memory = None
        ref["plain.logits"] = base.semantic(inputs_embeds=x[None]).logits[0, :, : L.SEMANTIC_VOCAB + 1]
        for case, (given, routing) in CASES.items():
            tokens = {"text": ref["style_embeddings.slow"]} if "text" in given else {}
            if "control" in given:
                tokens["control"] = adapters.control_tokens([EVENTS[case]])
            if "audio" in given:
                tokens["audio"] = adapters.audio_tokens(ref["audio_features"])
            if "image" in given:
                tokens["image"] = adapters.image_tokens(pooled, hidden)
            fused.memory = adapters.memory([tokens], [routing])
            memory, mask, _, route, _ = fused.memory
            ref[f"{case}.memory"] = memory[0][mask[0]]
            ref[f"{case}.route_weights"] = route[0]
            logits = base.semantic(inputs_embeds=x[None]).logits
            if adapters.config["format_version"] >= 6:  # the infer token's state does not depend on later positions
                stride = adapters.stride(fused.rate_clock_state(L.MAX_TEXT))
                ref[f"{case}.stride"] = stride
                holds = fusion.clock_holds(adapters.config, [EVENTS[case]] if "control" in given else [])
                positions = unit_positions([float(stride)], x.shape[0], base.semantic.config.block_size, [holds])
                ref[f"{case}.positions"] = positions[0].float()
                logits = base.semantic(inputs_embeds=x[None], position_ids=positions).logits
            ref[f"{case}.logits"] = logits[0, :, : L.SEMANTIC_VOCAB + 1]
            fused.memory = None
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.detach().float().contiguous() for k, v in ref.items()}, os.path.join(OUT, "reference.safetensors"),
              metadata={"sentence": SENTENCE, "units": json.dumps(UNITS), "cases": json.dumps(CASES)})
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write(f"python {sys.version.split()[0]}\ntorch {torch.__version__}\ntransformers {transformers.__version__}\n"
                f"safetensors {safetensors.__version__}\n")
    print("keys:", sorted(ref))


if __name__ == "__main__":
    main()
