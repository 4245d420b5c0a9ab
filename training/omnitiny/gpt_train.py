"""Trains one of OmniBark-tiny's three GPTs (transformers' `BarkSemanticModel`, `BarkCoarseModel`,
`BarkFineModel` at the sizes in `layout`) on the examples of `bark_data`. Resumable.

    python -m omnitiny.gpt_train --stage semantic --data runs/records.pt --run runs/semantic --minutes 40

`--data` is the file `omnitiny.records` writes (text ids, units and codec codes per utterance)."""

import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from . import bark_data, checkpoint
from . import layout as L


def build(stage: str, text_vocab_size: int, dropout: float = 0.0):
    from transformers import BarkCoarseConfig, BarkCoarseModel, BarkFineConfig, BarkFineModel, \
        BarkSemanticConfig, BarkSemanticModel
    cfg = dict(L.model_configs(text_vocab_size)[stage], dropout=dropout)
    if stage == "semantic":
        return BarkSemanticModel(BarkSemanticConfig(**cfg))
    if stage == "coarse":
        return BarkCoarseModel(BarkCoarseConfig(**cfg))
    return BarkFineModel(BarkFineConfig(**cfg))


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
    logits = logits[..., : L.SEMANTIC_VOCAB + 1]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)


def coarse_loss(model, maker, batch):
    examples = [maker.coarse(r) for r in batch]
    x = bark_data.pad_batch([e[0] for e in examples], L.COARSE_SEMANTIC_PAD)
    y = bark_data.pad_batch([e[1] for e in examples], -100)
    logits = model(input_ids=x).logits
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)


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
        loss = loss + F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100) * len(group)
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
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
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
    clock = checkpoint.RunClock(a.minutes, a.max_steps)
    running = None
    model.train()
    while step < a.max_steps:
        progress = min(1.0, step / a.decay_steps)
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        batch = [records[i] for i in sampler.choice(len(records), a.batch, p=weights)]
        loss = loss_fn(model, maker, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 25 == 0:
            print(f"{a.stage} step {step} loss {running:.3f} lr {lr:.2e} {clock.elapsed_minutes():.1f} min",
                  file=sys.stderr, flush=True)
        save, done = clock.check(step)
        if save:
            checkpoint.save(ckpt_path, model=model.state_dict(), optimizer=opt.state_dict(), step=step,
                            maker_rng=maker.rng.getstate(), sampler=sampler, loss=running)
        if done:
            break
    print(f"{a.stage}: stopped at step {step}, loss {running:.3f}; checkpoint {ckpt_path}")


if __name__ == "__main__":
    main()
