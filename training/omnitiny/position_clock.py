"""Does the frozen semantic GPT find its place in the text by the clock? Teacher-forced on the steering
corpus's held-out recordings at each rate, how often the base model (no adapters) names the next unit,
in the first and the second half of each sentence, with the learned position embeddings read as they
come (unit k at position 65 + k) and with the unit positions rescaled to the normal rate's clock (unit k
at 65 + round(k / s), s = this recording's units over the normal recording's: `adapter_train.unit_positions`,
the engine's `SemanticRateClock`). If rescaling lifts the
slow and fast rows, the model tracks the text by absolute position, and a rate change needs the clock
changed, not only the units; what an adapter that can only add to the hidden states is up against.
With `--adapters`, also the adapted model's share, steered by the rate's style tag (`[slow]`, `[fast]`;
none for normal), positions as they come, or on the adapters' own rate clock (format 6).

    python -m omnitiny.position_clock --model ../models/omnibark-tiny --features runs-steer12/features.pt \
        --adapters ../models/omnibark-tiny/adapters.safetensors
"""

import argparse
import os
import sys

import torch

from . import fusion, vocabulary
from . import layout as L
from .adapter_train import RATES, STYLE_TAGS, Trainer, load_base, teacher_forced_inputs, unit_positions


def accuracy(semantic, text_vocab_size: int, pairs, rescale: bool, memory=None, trainer=None) -> dict:
    """pairs: (example, the same sentence's normal-rate example); `memory`, with `trainer`: the adapters'
    memory for one example (else none); adapters with a rate clock (format 6) then set the positions, as the
    engine does (`rescale` is for the base model). Returns {half: (% right, units)}."""
    right, total = [0, 0], [0, 0]
    for example, normal in pairs:
        x, y = teacher_forced_inputs(semantic.input_embeds_layer, text_vocab_size, [(example["text_ids"], example["units"])])
        stride = len(example["units"]) / len(normal["units"]) if rescale else 1.0
        with torch.no_grad():
            if trainer is not None and hasattr(trainer.adapters, "rate_clock"):
                trainer.fused.memory = memory  # the prefill's infer token sets the clock
                semantic(inputs_embeds=x[:, : L.MAX_TEXT + 1])
                stride = float(trainer.adapters.stride(trainer.fused.rate_clock_state(L.MAX_TEXT))[0])
            positions = unit_positions([stride], x.shape[1], semantic.config.block_size)[0]
            if trainer is not None:
                trainer.fused.memory = memory
            predicted = semantic(inputs_embeds=x, position_ids=positions[None]).logits[0, :, : L.SEMANTIC_VOCAB + 1].argmax(-1)
            if trainer is not None:
                trainer.fused.memory = None
        scored = (y[0] != -100).nonzero().flatten().tolist()
        for k, t in enumerate(scored):
            half = 0 if k < len(scored) / 2 else 1
            right[half] += int(predicted[t] == y[0, t])
            total[half] += 1
    return {half: (100.0 * right[half] / max(1, total[half]), total[half]) for half in (0, 1)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the base model (Bark directory layout)")
    p.add_argument("--features", required=True, help="an adapter_train run's features.pt (its held-out rows are read)")
    p.add_argument("--adapters", help="an adapter file: also its teacher-forced share, steered by the style tag")
    p.add_argument("--sentences", type=int, default=40)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    if not os.path.isfile(a.features):
        sys.exit(f"position_clock: --features {a.features}: no such file (adapter_train writes it in its run directory)")
    torch.set_num_threads(a.threads)
    base = load_base(a.model)
    semantic = base.semantic
    trainer = Trainer(base, fusion.load_adapters(a.adapters), len(vocabulary.entries()), 0) if a.adapters else None
    tok = vocabulary.tokenizer(os.path.join(a.model, "vocab.txt"))
    data = torch.load(a.features, weights_only=False)
    held = {}
    for e in data["examples"]:
        if e["split"] == "heldout":
            held.setdefault(e["id"], {})[e["rate"]] = e
    ids = [i for i in sorted(held) if all(r in held[i] for r in RATES)][: a.sentences]
    if not ids:
        sys.exit(f"position_clock: {a.features} has no held-out sentence at every rate {RATES}")
    text_vocab_size = len(vocabulary.entries())
    print(f"{len(ids)} held-out sentences; % of units named right, first half / second half")
    for rate in RATES:
        pairs = [(held[i][rate], held[i]["normal"]) for i in ids]
        plain = accuracy(semantic, text_vocab_size, pairs, rescale=False)
        rescaled = accuracy(semantic, text_vocab_size, pairs, rescale=True)
        print(f"{rate:7s} positions as they come {plain[0][0]:5.1f} / {plain[1][0]:5.1f} %   "
              f"rescaled to the normal clock {rescaled[0][0]:5.1f} / {rescaled[1][0]:5.1f} %   ({plain[0][1] + plain[1][1]} units)")
        if trainer is not None and rate in STYLE_TAGS:
            with torch.no_grad():
                memory = trainer.adapters.memory([trainer.tokens({"text": STYLE_TAGS[rate]}, tok)], [[1, 0, 0, 0]])
            steered = accuracy(semantic, text_vocab_size, pairs, rescale=False, memory=memory, trainer=trainer)
            clock = "on their rate clock" if hasattr(trainer.adapters, "rate_clock") else "positions as they come"
            print(f"{'':7s} with the adapters and {STYLE_TAGS[rate]}, {clock} {steered[0][0]:5.1f} / {steered[1][0]:5.1f} %")


if __name__ == "__main__":
    main()
