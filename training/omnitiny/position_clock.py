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

The same for the inserted sounds (`pause`: a beat marker's pause, `sfx`: a knock): the share of units named
right before the insertion and from 5 units after it, with positions as they come and with the clock standing
still from the event for the insertion's length (`fusion.clock_holds`: the adapter file's `clock_holds`, else
beat 29 units and SFX 41, each from 5 units before the event), for the base model and for the adapters
steered by the event on their own clock.

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

INSERTIONS = {"pause": ("beat", "beat"), "sfx": ("sfx", "sfx")}  # row rate → (event kind, example field)
DEFAULT_HOLDS = [{"kind": "beat", "units": 29, "lead": 5}, {"kind": "sfx", "units": 41, "lead": 5}]


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


def insertion_accuracy(semantic, text_vocab_size: int, examples, kind: str, field: str, holds_config: dict,
                       held: bool, trainer=None, tok=None) -> tuple:
    """(% right before the insertion, % right from 5 units after it) over `examples` (rows with an inserted
    pause or knock at second `example[field]`), teacher-forced; `held`: the clock stands still
    (`holds_config`'s `clock_holds`); with `trainer`, the adapters steered by the event, on their clock."""
    right, total = [0, 0], [0, 0]
    for example in examples:
        event = {"kind": kind, "time": example[field]}
        holds = fusion.clock_holds(holds_config, [event]) if held else []
        x, y = teacher_forced_inputs(semantic.input_embeds_layer, text_vocab_size, [(example["text_ids"], example["units"])])
        stride = 1.0
        with torch.no_grad():
            if trainer is not None:
                memory = trainer.adapters.memory([trainer.tokens({"control": [event]}, tok)], [[1, 1, 1, 1]])
                if hasattr(trainer.adapters, "rate_clock"):
                    trainer.fused.memory = memory
                    semantic(inputs_embeds=x[:, : L.MAX_TEXT + 1])
                    stride = float(trainer.adapters.stride(trainer.fused.rate_clock_state(L.MAX_TEXT))[0])
                trainer.fused.memory = memory
            positions = unit_positions([stride], x.shape[1], semantic.config.block_size, [holds])
            predicted = semantic(inputs_embeds=x, position_ids=positions).logits[0, :, : L.SEMANTIC_VOCAB + 1].argmax(-1)
            if trainer is not None:
                trainer.fused.memory = None
        first, units = fusion.clock_holds(holds_config, [event])[0]  # where the insertion is, on either clock
        scored = (y[0] != -100).nonzero().flatten().tolist()
        for k, t in enumerate(scored):
            part = 0 if k < first else (1 if k >= first + units + 5 else None)
            if part is not None:
                right[part] += int(predicted[t] == y[0, t])
                total[part] += 1
    return tuple(100.0 * r / max(1, n) for r, n in zip(right, total))


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
    config = trainer.adapters.config if trainer is not None and trainer.adapters.config.get("clock_holds") else {"clock_holds": DEFAULT_HOLDS}
    print(f"% of units named right before / from 5 units after an inserted sound (holds {config['clock_holds']})")
    for rate, (kind, field) in INSERTIONS.items():
        rows = [held[i][rate] for i in sorted(held) if rate in held[i] and held[i][rate].get(field) is not None][: a.sentences]
        if not rows:
            continue
        plain = insertion_accuracy(semantic, text_vocab_size, rows, kind, field, config, held=False)
        stopped = insertion_accuracy(semantic, text_vocab_size, rows, kind, field, config, held=True)
        print(f"{rate:7s} positions as they come {plain[0]:5.1f} / {plain[1]:5.1f} %   "
              f"clock held {stopped[0]:5.1f} / {stopped[1]:5.1f} %   ({len(rows)} sentences)")
        if trainer is not None:
            holds = bool(trainer.adapters.config.get("clock_holds"))
            steered = insertion_accuracy(semantic, text_vocab_size, rows, kind, field, config, held=holds, trainer=trainer, tok=tok)
            print(f"{'':7s} with the adapters and the {kind} event, on their clock{' (held)' if holds else ''} "
                  f"{steered[0]:5.1f} / {steered[1]:5.1f} %")


if __name__ == "__main__":
    main()
