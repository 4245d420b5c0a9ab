"""Trains one of OmniBark-tiny's three GPTs (transformers' `BarkSemanticModel`, `BarkCoarseModel`,
`BarkFineModel` at the sizes in `layout`) on the examples of `bark_data`. Resumable.

    python -m omnitiny.gpt_train --stage semantic --data runs/records.pt --run runs/semantic --minutes 40

`--data` is the file `omnitiny.records` writes (text ids, units and codec codes per utterance).

Teaching a trained coarse GPT one new kind of input without changing what it does with the others:
`--train-units 30,240` trains only the input embedding rows of the named semantic units (phase 18: the drum
roll's), so every unit sequence without them renders bit for bit as before. `--anchor CKPT --anchor-skip drum`
trains every weight with a KL term to CKPT on the rows of the other kinds (phase 18 measured it: it did not
keep plain speech, see training/README.md)."""

import argparse
import collections
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from . import bark_data, checkpoint
from . import layout as L
from .steer_records import kind_of


def build(stage: str, text_vocab_size: int, dropout: float = 0.0):
    from transformers import BarkCoarseConfig, BarkCoarseModel, BarkFineConfig, BarkFineModel, \
        BarkSemanticConfig, BarkSemanticModel
    cfg = dict(L.model_configs(text_vocab_size)[stage], dropout=dropout)
    if stage == "semantic":
        return BarkSemanticModel(BarkSemanticConfig(**cfg))
    if stage == "coarse":
        return BarkCoarseModel(BarkCoarseConfig(**cfg))
    return BarkFineModel(BarkFineConfig(**cfg))


def token_cross_entropy(logits, targets):
    """Mean cross-entropy (nats) of [..., V] logits against targets, positions marked -100 left out."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def semantic_loss(model, maker, batch):
    embed = model.input_embeds_layer
    rows, targets = [], []
    for record in batch:
        text, history, units, target = maker.semantic(record)
        prefix = embed(torch.tensor(text)) + embed(torch.tensor(history))
        infer = embed(torch.tensor([L.semantic_infer(maker.text_vocab_size)]))
        rows.append(torch.cat([prefix, infer, embed(torch.tensor(units, dtype=torch.long))]))
        targets.append([-100] * L.MAX_TEXT + target)
    length = max(r.shape[0] for r in rows)
    x = torch.stack([F.pad(r, (0, 0, 0, length - r.shape[0])) for r in rows])
    y = bark_data.pad_batch(targets, -100)
    logits = model(inputs_embeds=x).logits
    # Only semantic units and EOS are ever sampled: the loss is over that range.
    return token_cross_entropy(logits[..., : L.SEMANTIC_VOCAB + 1], y)


def coarse_batch(maker, batch):
    """(input ids, targets) of one window per record, padded to one length: [B, T] each."""
    examples = [maker.coarse(r) for r in batch]
    x = bark_data.pad_batch([e[0] for e in examples], L.COARSE_SEMANTIC_PAD)
    y = bark_data.pad_batch([e[1] for e in examples], -100)
    return x, y


def coarse_loss(model, maker, batch):
    x, y = coarse_batch(maker, batch)
    return token_cross_entropy(model(input_ids=x).logits, y)


def anchored_coarse_loss(model, anchor, maker, batch, weight: float, anchored) -> tuple:
    """(cross-entropy + weight × KL, KL): the KL divergence KL(anchor ‖ model) of the next-token distributions,
    in nats per target position of the rows `anchored` marks (one bool per record), on the same inputs (input
    noise and history prompt included). It holds a fine-tuned model to what `anchor` (the model it started from)
    does on the kinds it already renders, where cross-entropy alone lets greedy choices drift (phase 17)."""
    x, y = coarse_batch(maker, batch)
    logits = model(input_ids=x).logits
    ce = token_cross_entropy(logits, y)
    mask = (y != -100) & torch.tensor(anchored, dtype=torch.bool)[:, None]
    if not bool(mask.any()):
        return ce, torch.zeros(())
    with torch.no_grad():
        reference = F.log_softmax(anchor(input_ids=x).logits[mask], dim=-1)
    kl = F.kl_div(F.log_softmax(logits[mask], dim=-1), reference, log_target=True, reduction="batchmean")
    return ce + weight * kl, kl.detach()


def load_frozen_coarse(path: str, text_vocab_size: int, who: str):
    """The coarse GPT of checkpoint `path` (gpt_train's coarse.pt), in eval mode, no gradients; exits naming
    `path` (as `who`, the command and flag) when it is missing or is not a coarse GPT of this size."""
    if not os.path.isfile(path):
        sys.exit(f"{who} {path}: no such checkpoint")
    model = build("coarse", text_vocab_size)
    try:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=False)["model"])
    except (KeyError, RuntimeError) as e:
        sys.exit(f"{who} {path} is not a coarse GPT checkpoint of this data's size ({str(e)[:200]})")
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def fine_loss(model, maker, batch):
    examples = [maker.fine(r) for r in batch]
    loss = 0.0
    # One codebook per forward pass (the model's head depends on it): group the batch by codebook.
    for book in range(L.N_COARSE, L.N_FINE):
        group = [e for e in examples if e[1] == book]
        if not group:
            continue
        x = torch.tensor(np.stack([e[0] for e in group]))
        y = torch.tensor(np.stack([np.where(e[3], e[2], -100) for e in group]))
        logits = model(codebook_idx=book, input_ids=x).logits[..., : L.CODEBOOK_SIZE]
        loss = loss + token_cross_entropy(logits, y) * len(group)
    return loss / len(examples)


LOSSES = {"semantic": semantic_loss, "coarse": coarse_loss, "fine": fine_loss}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage", required=True, choices=sorted(LOSSES))
    p.add_argument("--data", required=True)
    p.add_argument("--run", required=True, help="run directory (checkpoint <stage>.pt; resumed when present)")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--decay-steps", type=int, default=4000, help="cosine decay horizon")
    p.add_argument("--init", help="checkpoint whose model weights a new run starts from (fresh optimizer and "
                                   "schedule), e.g. the same stage trained on another codec's codes")
    p.add_argument("--dropout", type=float, default=0.0,
                   help="dropout while training (the exported config keeps 0: inference never drops), e.g. 0.1")
    p.add_argument("--input-noise", type=float, default=0.0,
                   help="fraction of the utterance's own input units / coarse codes replaced by random ones "
                        "(targets unchanged) against drift in free-running generation; e.g. 0.3")
    p.add_argument("--anchor", metavar="CKPT",
                   help="coarse only: a checkpoint (usually the --init one) whose next-token distributions the "
                        "model is held to on the rows of kinds not in --anchor-skip, by a KL term")
    p.add_argument("--anchor-weight", type=float, default=1.0, help="weight of the KL term (nats; default 1)")
    p.add_argument("--anchor-skip", default="",
                   help="KIND,… rows of these kinds (steer_records kinds: slow, fast, pause, sfx, drum) are not "
                        "anchored: the kinds being taught, e.g. drum")
    p.add_argument("--train-units", metavar="ID,…", default="",
                   help="coarse only: train nothing but the input embedding rows of these semantic units (e.g. "
                        "30,240, the drum roll's); every other weight stays bit-identical, so a unit sequence "
                        "without them renders exactly as before")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.run, exist_ok=True)
    data = torch.load(a.data, weights_only=False)
    records = [r for r in data["records"] if r["split"] == "train"]
    maker = bark_data.ExampleMaker(records, data["text_vocab_size"], a.seed, input_noise=a.input_noise)
    weights = np.array([r["weight"] for r in records], dtype=np.float64)
    weights /= weights.sum()
    sampler = np.random.default_rng(a.seed)
    model = build(a.stage, data["text_vocab_size"], a.dropout)
    opt = make_optimizer(model, a, records)  # first: it refuses --train-units with --anchor before the anchor loads
    anchor, anchored = load_anchor(a, data["text_vocab_size"], records)
    ckpt_path = os.path.join(a.run, f"{a.stage}.pt")
    state = checkpoint.resume(ckpt_path, model, opt, a.stage)
    if not state and a.init:
        if not os.path.isfile(a.init):
            sys.exit(f"gpt_train: --init {a.init}: no such checkpoint")
        model.load_state_dict(torch.load(a.init, map_location="cpu", weights_only=False)["model"])
        print(f"{a.stage}: starts from the weights of {a.init}", file=sys.stderr)
    step = 0
    if state:
        step = state["step"]
        maker.rng.setstate(state["maker_rng"])
        sampler = state["sampler"]
    print(f"{a.stage}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters, "
          f"{len(records)} utterances", file=sys.stderr)
    loss_fn = LOSSES[a.stage]
    kl_running = None
    clock = checkpoint.RunClock(a.minutes, a.max_steps)
    running = None
    model.train()
    while step < a.max_steps:
        progress = min(1.0, step / a.decay_steps)
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        picked = sampler.choice(len(records), a.batch, p=weights)
        batch = [records[i] for i in picked]
        if anchor is None:
            loss = loss_fn(model, maker, batch)
        else:
            loss, kl = anchored_coarse_loss(model, anchor, maker, batch, a.anchor_weight, [anchored[i] for i in picked])
            kl_running = kl.item() if kl_running is None else 0.98 * kl_running + 0.02 * kl.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 25 == 0:
            anchor_note = "" if kl_running is None else f" (KL to the anchor {kl_running:.4f})"
            print(f"{a.stage} step {step} loss {running:.3f}{anchor_note} lr {lr:.2e} {clock.elapsed_minutes():.1f} min",
                  file=sys.stderr, flush=True)
        save, done = clock.check(step)
        if save:
            checkpoint.save(ckpt_path, model=model.state_dict(), optimizer=opt.state_dict(), step=step,
                            maker_rng=maker.rng.getstate(), sampler=sampler, loss=running)
        if done:
            break
    print(f"{a.stage}: stopped at step {step}, loss {running:.3f}; checkpoint {ckpt_path}")


def make_optimizer(model, a, records):
    """AdamW over every weight, or with `--train-units` over the input embedding alone, its gradient masked to
    the named units' rows and no weight decay: Adam's step is exactly 0 where the gradient always is, so every
    other row and tensor keeps its bits."""
    if not a.train_units:
        return torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
    if a.stage != "coarse":
        sys.exit(f"gpt_train: --train-units is for --stage coarse, not {a.stage}")
    if a.anchor:
        sys.exit("gpt_train: --train-units leaves every other unit's rendering bit-identical; --anchor adds nothing")
    try:
        units = sorted({int(u) for u in a.train_units.split(",") if u.strip()})
    except ValueError:
        sys.exit(f"gpt_train: --train-units {a.train_units!r} is not a list of unit ids")
    bad = [u for u in units if not 0 <= u < L.SEMANTIC_VOCAB]
    if not units or bad:
        sys.exit(f"gpt_train: --train-units needs ids in 0..{L.SEMANTIC_VOCAB - 1} (got {a.train_units!r})")
    seen = {u: sum(int(np.count_nonzero(np.asarray(r["units"]) == u)) for r in records) for u in units}
    unseen = [u for u, n in seen.items() if n == 0]
    if unseen:
        sys.exit(f"gpt_train: --train-units {', '.join(map(str, unseen))}: no training row contains that unit")
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    embedding = model.input_embeds_layer.weight
    embedding.requires_grad_(True)
    rows = torch.zeros(embedding.shape[0], 1)
    rows[units] = 1.0
    embedding.register_hook(lambda grad: grad * rows)
    print(f"coarse: training only the input embedding rows of units {', '.join(map(str, units))} "
          f"({', '.join(f'{u}: {n} frames' for u, n in seen.items())})", file=sys.stderr)
    return torch.optim.AdamW([embedding], lr=a.lr, betas=(0.9, 0.98), weight_decay=0.0)


def load_anchor(a, text_vocab_size: int, records) -> tuple:
    """(frozen anchor model or None, per training record whether it is anchored); exits naming a bad flag."""
    if not a.anchor:
        if a.anchor_skip:
            sys.exit("gpt_train: --anchor-skip needs --anchor")
        return None, None
    if a.stage != "coarse":
        sys.exit(f"gpt_train: --anchor is for --stage coarse, not {a.stage}")
    if not a.anchor_weight > 0:
        sys.exit(f"gpt_train: --anchor-weight {a.anchor_weight} must be > 0")
    skip = {k.strip() for k in a.anchor_skip.split(",") if k.strip()}
    kinds = collections.Counter(kind_of(r) for r in records)
    unknown = skip - set(kinds)
    if unknown:
        sys.exit(f"gpt_train: --anchor-skip names {', '.join(sorted(unknown))}: no training rows of that kind "
                 f"(the data has {', '.join(sorted(kinds))})")
    if skip >= set(kinds):
        sys.exit("gpt_train: --anchor-skip names every kind in the data: nothing would be anchored")
    anchor = load_frozen_coarse(a.anchor, text_vocab_size, "gpt_train: --anchor")
    anchored = [kind_of(r) not in skip for r in records]
    print(f"coarse: anchored to {a.anchor} (KL weight {a.anchor_weight}) on {sum(anchored)} of {len(records)} "
          f"utterances; not on {', '.join(sorted(skip)) or 'none'}", file=sys.stderr)
    return anchor, anchored


if __name__ == "__main__":
    main()
