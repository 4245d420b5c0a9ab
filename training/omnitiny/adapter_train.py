"""Trains OmniBark-tiny's adapters — projection heads, type tags, control embeddings, cross-attention
layers, gates and routing MLP — on the frozen semantic GPT, for tasks with a known answer built from the
steering corpus (`steer_corpus`): the speaking rate (slow, normal, fast) of the target sentence is given

  - by a style instruction (`[slow]`, `[fast]`; text adapter),
  - by a reference recording of another sentence at that rate (audio adapter, codec-encoder frames),
  - by an image whose colour codes it (image adapter, the frozen tower of `steer_images`),
  - by two of them that disagree: the one with the larger routing weight wins (3 against 1), which is
    what a bundle's `--weight` / preset routing says;
  - by one of them beside a distractor that says nothing about the rate (a grey image, the style
    `[calm]`), at equal weights: the routing MLP has to move the weight to the informative modality;

and two control tasks (control adapter): a beat marker at second t → the sentence with a pause starting
at t (the steering corpus's `pause` rows, made with `steer_corpus --pauses`); an SFX trigger at second t
→ the sentence with a knock starting at t (its `sfx` rows, `steer_corpus --sfx`; the trigger without a payload
or with "knock"); an SFX trigger with payload "drum" → a drum roll there (its `drum` rows, `--drums`);

and, when the steering manifest holds other voices (`steer_voices`), two speaker tasks: a reference recording
of another sentence in a voice (the teacher's or another espeak-ng variant's) → the sentence in that voice's
own units (`speaker`); the style `[whisper]` → the whisper variant's units (`whisper`). The frozen
semantic GPT knows only the teacher's units; the units of a voice are the same clusters, but that voice's
cepstra fall in other ones, so what the adapters learn here is which units the voice takes.

Losses: cross-entropy of the semantic units (teacher-forced, the base model's input noise) plus
`--nce` × an InfoNCE alignment between each trainable modality's pooled embedding (audio, image) and
the pooled audio-adapter embedding of the target recording; the positives of an example are the
batch's examples of the same rate (the attribute the task defines). Resumable like `gpt_train`.

    python -m omnitiny.adapter_train --model ../models/omnibark-tiny --steer data/steer/manifest.jsonl \\
        --clip ../models/omnibark-tiny/clip --run runs-steer --minutes 30 --export ../models/omnibark-tiny/adapters.safetensors
"""

import argparse
import json
import math
import os
import random
import sys

import torch
import torch.nn.functional as F

from . import checkpoint, fusion, steer_images, vocabulary
from . import layout as L
from .audio import read_wav

RATES = ("slow", "normal", "fast")
STYLE_TAGS = {"slow": "[slow]", "fast": "[fast]"}
KIND_WEIGHTS = {"style": 0.13, "audio": 0.13, "image": 0.13, "agree": 0.07, "disagree": 0.22, "distractor": 0.07,
                "beat": 0.13, "sfx": 0.12, "drum": 0.12, "speaker": 0.2, "whisper": 0.06}
RATE_KINDS = ("style", "audio", "image", "agree", "disagree", "distractor")  # the tasks whose attribute is the rate
TEACHER = "teacher"  # the voice of a steering row without a `voice` field
WHISPER_TAG = "[whisper]"  # the style that asks for the voice variant whose name ends with "+whisper"
KNOCK_PAYLOADS = (None, None, "knock")  # a knock is asked for without a payload (slot 0), or by name
DRUM_PAYLOAD = "drum"
DISTRACTOR_STYLE = "[calm]"  # a tag that says nothing about the rate
DOMINANT_WEIGHT = 3.0


def load_base(model_dir: str):
    import transformers
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    model = transformers.BarkModel.from_pretrained(model_dir).float().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def prepare(a, model) -> dict:
    """Per (sentence, rate): text ids, units, codec-encoder frames [T, D] (and `beat` / `sfx` for a pause /
    knock row); image features per rate. Cached in the run directory; rows added to the manifest since are
    encoded, and the cached rows take the manifest's labels (units, beat, sfx: a relabelled corpus, e.g. after
    `units_align`, needs no new encoding)."""
    cache = os.path.join(a.run, "features.pt")
    data = torch.load(cache, weights_only=False) if os.path.exists(cache) else dict(examples=[], images={})
    tok = vocabulary.tokenizer(os.path.join(a.model, "vocab.txt"))
    base = os.path.dirname(os.path.abspath(a.steer))
    manifest_rows = {(r["id"], r["rate"]): r for r in (json.loads(line) for line in open(a.steer))}
    relabelled = 0
    for e in data["examples"]:
        r = manifest_rows.get((e["id"], e["rate"]))
        if r is not None and (e["units"] != r["units"] or e.get("beat") != r.get("beat") or e.get("sfx") != r.get("sfx")
                              or e.get("voice") != r.get("voice")):
            e.update(units=r["units"], beat=r.get("beat"), sfx=r.get("sfx"), voice=r.get("voice"))
            relabelled += 1
    if relabelled:
        print(f"adapter_train: {relabelled} cached recordings take the manifest's new labels", file=sys.stderr)
    have = {(e["id"], e["rate"]) for e in data["examples"]}
    rows = [r for key, r in manifest_rows.items() if key not in have]
    for k, r in enumerate(rows):
        samples = torch.from_numpy(read_wav(os.path.join(base, r["audio"]))).view(1, 1, -1)
        with torch.no_grad():
            frames = model.codec_model.encoder(samples)[0].T.contiguous()
        data["examples"].append(dict(id=r["id"], rate=r["rate"], voice=r.get("voice"), split=r["split"], text=r["text"],
                                     beat=r.get("beat"), sfx=r.get("sfx"),
                                     text_ids=vocabulary.encode(tok, r["text"]), units=r["units"], frames=frames.half()))
        if (k + 1) % 1000 == 0:
            print(f"adapter_train: encoded {k + 1}/{len(rows)} recordings", file=sys.stderr, flush=True)
    changed = bool(rows) or relabelled > 0
    if a.clip and not data["images"]:
        tower = steer_images.TowerFeatures(a.clip)
        rng = torch.Generator().manual_seed(99)
        for rate in RATES:
            data["images"][rate] = [tower(steer_images.training_image(rate, rng)) for _ in range(a.images)]
        print(f"adapter_train: {a.images} augmented images per rate through {a.clip}", file=sys.stderr)
        changed = True
    if changed:
        torch.save(data, cache + ".part")
        os.replace(cache + ".part", cache)
    return data


def add_distractor_images(a, data) -> None:
    """Grey images (random shade, a random shape): an image that carries no rate."""
    if not a.clip or "grey" in data["images"]:
        return
    tower = steer_images.TowerFeatures(a.clip)
    rng = torch.Generator().manual_seed(98)
    data["images"]["grey"] = [tower(steer_images.training_image("grey", rng)) for _ in range(a.images)]


def teacher_forced_inputs(embed, text_vocab_size: int, examples, noise: float = 0.0, rng=None):
    """The semantic GPT's teacher-forced batch, as it was trained without a history prompt: per
    (text ids, units), the text and an empty history summed over 64 positions, the infer token, then the
    units (a fraction `noise` of them replaced by random ones from `rng`). Returns (embeddings [B, T, H],
    targets [B, T] with -100 where no loss: the units, then EOS)."""
    rows, targets = [], []
    text_pad = L.text_pad(text_vocab_size)
    for text_ids, unit_ids in examples:
        text = [i + L.TEXT_OFFSET for i in text_ids[: L.MAX_TEXT]]
        text += [text_pad] * (L.MAX_TEXT - len(text))
        units = list(unit_ids[: L.SEMANTIC_MAX_NEW - 1])
        noisy = [rng.randrange(L.SEMANTIC_VOCAB) if noise and rng.random() < noise else u for u in units]
        prefix = embed(torch.tensor(text)) + embed(torch.tensor([L.SEMANTIC_EOS] * L.MAX_TEXT))
        infer = embed(torch.tensor([L.semantic_infer(text_vocab_size)]))
        rows.append(torch.cat([prefix, infer, embed(torch.tensor(noisy, dtype=torch.long))]))
        targets.append([-100] * L.MAX_TEXT + units + [L.SEMANTIC_EOS])
    length = max(r.shape[0] for r in rows)
    x = torch.stack([F.pad(r, (0, 0, 0, length - r.shape[0])) for r in rows])
    y = torch.tensor([t + [-100] * (length - len(t)) for t in targets])
    return x, y


def unit_strides(batch, normal_lengths: dict) -> list:
    """Per drawn example, its rate stride s: the target recording's units over its sentence's normal-rate
    recording's (slow ≈ 1.48, fast ≈ 0.69); 1 for normal speech and for the control tasks (a pause or a
    knock is an insertion: the words around it keep the normal rate)."""
    return [len(ex["target"]["units"]) / normal_lengths[ex["target"]["id"]] if ex["rate"] in STYLE_TAGS else 1.0
            for ex in batch]


def unit_positions(strides, length: int, block_size: int, holds=None) -> torch.Tensor:
    """Position ids [B, length] for `teacher_forced_inputs`' rows on a rate clock: the text, history and
    infer positions as they come (0 … MAX_TEXT), then unit k at MAX_TEXT + 1 + round(k' / s), so that the
    frozen model, which finds its place in the text by absolute position, sees a slow or fast sentence
    advance at the normal rate's pace; clamped to the last position the model has. k' is k less the units
    spent in the example's clock holds before it (`holds`: per example [(first unit, units)],
    `fusion.clock_holds`): during a hold the clock stands still; holds queue (one that would start while
    another runs starts when it ends). The engine's `SemanticRateClock`."""
    start = L.MAX_TEXT + 1
    rows = []
    for i, s in enumerate(strides):
        k = torch.arange(length - start, dtype=torch.float64)
        ticks = k.clone()
        free = 0
        for first, units in sorted(holds[i] if holds else []):
            first = max(first, free)
            ticks -= (k - first).clamp(min=0, max=units)
            free = first + units
        units = torch.floor(ticks / s + 0.5).long()
        rows.append(torch.cat([torch.arange(start), (start + units).clamp(max=block_size - 1)]))
    return torch.stack(rows)


def example_holds(batch, config: dict) -> list:
    """Per drawn example, the rate clock's holds for its control events (`fusion.clock_holds`)."""
    return [fusion.clock_holds(config, ex["inputs"].get("control", [])) for ex in batch]


def self_fed_inputs(embed, x, targets, predictions, fraction: float, rng):
    """Parallel scheduled sampling: `x` (the teacher-forced embeddings) with a `fraction` of its unit inputs
    replaced by the embeddings of `predictions` [B, T] (the model's own argmax, from a pass over `x`). The
    input at t + 1 is the unit the target at t names, so it becomes `predictions[t]`; EOS and the text are
    never replaced. Free-running, the model reads its own earlier choices, mistakes included; fed them
    here it learns to carry on from them. Returns (embeddings, the number replaced)."""
    unit = (targets[:, :-1] != -100) & (targets[:, :-1] != L.SEMANTIC_EOS)
    draw = torch.rand(unit.shape, generator=rng) < fraction
    chosen = unit & draw
    if not chosen.any():
        return x, 0
    x = x.clone()
    b, t = chosen.nonzero(as_tuple=True)
    x[b, t + 1] = embed(predictions[b, t])
    return x, int(chosen.sum())


def loss_weights(targets, transition_weight: float = 1.0):
    """Per-position CE weights [B, T] for `teacher_forced_inputs`' targets: 0 where there is no loss
    (-100), `transition_weight` where the target differs from the target before it (the content moves
    on; the first unit, after the text, counts as held), else 1."""
    weight = (targets != -100).float()
    if transition_weight != 1.0:
        moved = torch.zeros_like(targets, dtype=torch.bool)
        moved[:, 1:] = (targets[:, 1:] != targets[:, :-1]) & (targets[:, :-1] != -100) & (targets[:, 1:] != -100)
        weight = torch.where(moved, weight * transition_weight, weight)
    return weight


class Tasks:
    """Draws training (or evaluation) examples: a target recording and the conditioning that names its rate."""

    def __init__(self, examples, images, split, seed, kinds=KIND_WEIGHTS):
        self.rng = random.Random(seed)
        teacher = [e for e in examples if e["split"] == split and not e.get("voice")]
        self.by_rate = {r: [e for e in teacher if e["rate"] == r] for r in RATES}
        self.by_voice = {TEACHER: self.by_rate["normal"]}
        for e in examples:
            if e["split"] == split and e.get("voice") and e["rate"] == "normal":
                self.by_voice.setdefault(e["voice"], []).append(e)
        self.whisper = whisper_voice(self.by_voice)
        self.pauses = [e for e in examples if e["split"] == split and e["rate"] == "pause"]
        self.knocks = [e for e in examples if e["split"] == split and e["rate"] == "sfx"]
        self.drums = [e for e in examples if e["split"] == split and e["rate"] == "drum"]
        self.images = images
        rates = all(self.by_rate[r] for r in RATES)  # a corpus of the speaker tasks alone has no slow or fast rows
        self.kinds = {k: w for k, w in kinds.items()
                      if (rates or k not in RATE_KINDS) and (images or k not in ("image", "distractor")) and (self.pauses or k != "beat")
                      and (self.knocks or k != "sfx") and (self.drums or k != "drum")
                      and (len(self.by_voice) > 1 or k != "speaker") and (self.whisper or k != "whisper")}

    def _modality(self, name, rate):
        """One modality's input naming `rate`: ('text', tag) | ('audio', frames) | ('image', (pooled, hidden))."""
        if name == "text":
            return STYLE_TAGS[rate]
        if name == "audio":
            return self.rng.choice(self.by_rate[rate])["frames"].float()
        return self.rng.choice(self.images[rate])

    def _sources(self):
        return ["audio", "image"] if self.images else ["audio"]

    def draw(self, kind=None):
        kind = kind or self.rng.choices(list(self.kinds), weights=list(self.kinds.values()))[0]
        if kind == "beat":
            target = self.rng.choice(self.pauses)
            return dict(kind=kind, rate="normal", target=target, weights=[1, 1, 1, 1],
                        inputs={"control": [{"kind": "beat", "time": target["beat"]}]})
        if kind in ("sfx", "drum"):
            target = self.rng.choice(self.knocks if kind == "sfx" else self.drums)
            event = {"kind": "sfx", "time": target["sfx"]}
            payload = self.rng.choice(KNOCK_PAYLOADS) if kind == "sfx" else DRUM_PAYLOAD
            if payload is not None:
                event["payload"] = payload
            return dict(kind=kind, rate="normal", target=target, weights=[1, 1, 1, 1], inputs={"control": [event]})
        if kind == "speaker":  # a reference in a voice → this sentence in that voice (the teacher's too)
            voice = self.rng.choice(list(self.by_voice))
            reference = self.rng.choice(self.by_voice[voice])["frames"].float()
            return dict(kind=kind, rate="normal", voice=voice, target=self.rng.choice(self.by_voice[voice]),
                        weights=[1, 1, 1, 1], inputs={"audio": reference})
        if kind == "whisper":
            return dict(kind=kind, rate="normal", voice=self.whisper, target=self.rng.choice(self.by_voice[self.whisper]),
                        weights=[1, 1, 1, 1], inputs={"text": WHISPER_TAG})
        if kind == "style":
            rate = self.rng.choice(list(STYLE_TAGS))
            inputs, weights = {"text": STYLE_TAGS[rate]}, [1, 1, 1, 1]
        elif kind in ("audio", "image"):
            rate = self.rng.choice(RATES)
            inputs, weights = {kind: self._modality(kind, rate)}, [1, 1, 1, 1]
        elif kind == "distractor":
            rate = self.rng.choice(RATES)
            informative = self.rng.choice((["text"] if rate in STYLE_TAGS else []) + self._sources())
            noise = self.rng.choice([n for n in ("text", "image") if n != informative])
            inputs = {informative: self._modality(informative, rate),
                      noise: DISTRACTOR_STYLE if noise == "text" else self.rng.choice(self.images["grey"])}
            weights = [1, 1, 1, 1]
        elif kind == "agree":
            rate = self.rng.choice(RATES)
            names = ["text"] + self._sources() if rate in STYLE_TAGS else self._sources()
            pick = self.rng.sample(names, 2) if len(names) > 1 else names
            inputs, weights = {n: self._modality(n, rate) for n in pick}, [1, 1, 1, 1]
        else:  # disagree: the heavier modality wins
            names = ["text"] + self._sources()
            first, second = self.rng.sample(names, 2)
            rates = {}
            for n in (first, second):
                choices = [r for r in (STYLE_TAGS if n == "text" else RATES) if r not in rates.values()]
                rates[n] = self.rng.choice(choices)
            rate = rates[first]
            inputs = {n: self._modality(n, rates[n]) for n in (first, second)}
            weights = [1.0] * 4
            weights[fusion.MODALITIES.index(first)] = DOMINANT_WEIGHT
        target = self.rng.choice(self.by_rate[rate])
        return dict(kind=kind, rate=rate, target=target, inputs=inputs, weights=weights)


class Trainer:
    def __init__(self, base, adapters, text_vocab_size, seed):
        self.semantic = base.semantic
        self.fused = fusion.FusedSemantic(base.semantic, adapters)
        self.adapters = adapters
        self.text_vocab_size = text_vocab_size
        self.rng = random.Random(seed)
        self.feed_rng = torch.Generator().manual_seed(seed + 7)
        self.style_cache = {}
        self.normal_lengths = {}  # sentence id → units of its normal-rate recording (`unit_strides`)

    def know_normal_lengths(self, examples):
        self.normal_lengths = {e["id"]: len(e["units"]) for e in examples if e["rate"] == "normal"}

    def style_embeddings(self, tag, tok):
        if tag not in self.style_cache:
            ids = [t + L.TEXT_OFFSET for t in vocabulary.encode(tok, tag)]
            with torch.no_grad():
                self.style_cache[tag] = self.semantic.input_embeds_layer(torch.tensor(ids))
        return self.style_cache[tag]

    def tokens(self, inputs, tok):
        out = {}
        for name, value in inputs.items():
            if name == "text":
                out["text"] = self.style_embeddings(value, tok)
            elif name == "audio":
                out["audio"] = self.adapters.audio_tokens(value)
            elif name == "image":
                out["image"] = self.adapters.image_tokens(value[0], value[1])
            elif name == "control":
                out["control"] = self.adapters.control_tokens(value)
        return out

    def batch_inputs(self, batch, noise):
        return teacher_forced_inputs(self.semantic.input_embeds_layer, self.text_vocab_size,
                                     [(ex["target"]["text_ids"], ex["target"]["units"]) for ex in batch], noise, self.rng)

    def losses(self, batch, tok, noise, conditioned=True, transition_weight=1.0, self_feed=0.0, rate_clock=False,
               kept_layers=None):
        """(token CE, InfoNCE, per-example CE, rate-clock loss) for a batch of drawn examples. With `transition_weight`
        w ≠ 1 each unit that differs from the one before it (where the content moves on, as opposed to
        a unit held) counts w times in the mean. With `self_feed` > 0 that fraction of the input units
        is the model's own argmax from a first pass without gradients (`self_fed_inputs`). With
        `rate_clock` (format 6) the unit positions follow each example's rate clock (`unit_positions`, the
        target's true stride: teacher forcing; with the configuration's `clock_holds`, standing still from each
        control event for as long as its inserted sound takes, when conditioned), and the rate-clock loss is the squared error of the head's
        ln(stride), read from the infer token's state (`rate_clock_state`), against the true one (conditioned only).
        `kept_layers`: only that many of the lowest fusion layers run (`FusedSemantic.kept_layers`)."""
        self.fused.kept_layers = kept_layers
        x, y = self.batch_inputs(batch, noise)
        positions, strides = None, None
        if rate_clock:
            strides = unit_strides(batch, self.normal_lengths)
            holds = example_holds(batch, self.adapters.config) if conditioned else None
            positions = unit_positions(strides, x.shape[1], self.semantic.config.block_size, holds)
        nce = torch.zeros(())
        if conditioned:
            per = [self.tokens(ex["inputs"], tok) for ex in batch]
            self.fused.memory = self.adapters.memory(per, [ex["weights"] for ex in batch])
            nce = self.info_nce(batch, per)
        else:
            self.fused.memory = None
        if self_feed > 0:
            with torch.no_grad():
                first = self.semantic(inputs_embeds=x, position_ids=positions).logits[..., : L.SEMANTIC_VOCAB].argmax(-1)
            x, _ = self_fed_inputs(self.semantic.input_embeds_layer, x, y, first, self_feed, self.feed_rng)
        logits = self.semantic(inputs_embeds=x, position_ids=positions).logits[..., : L.SEMANTIC_VOCAB + 1]
        clock = torch.zeros(())
        if rate_clock and conditioned:
            predicted = self.adapters.log_stride(self.fused.rate_clock_state(L.MAX_TEXT))
            clock = F.mse_loss(predicted, torch.log(torch.tensor(strides, dtype=predicted.dtype)))
        self.fused.memory = None
        self.fused.kept_layers = None
        ce = F.cross_entropy(logits.transpose(1, 2), y, ignore_index=-100, reduction="none")
        weight = loss_weights(y, transition_weight)
        per_example = (ce * weight).sum(1) / weight.sum(1)
        return per_example.mean(), nce, per_example.detach(), clock

    def info_nce(self, batch, per, temperature=0.1):
        anchors, targets, labels = [], [], []
        target_summary = torch.stack([self.adapters.audio_tokens(ex["target"]["frames"].float()).mean(0) for ex in batch])
        for i, (ex, toks) in enumerate(zip(batch, per)):
            for name in ("audio", "image"):
                if name in toks and ex["weights"][fusion.MODALITIES.index(name)] >= 1:
                    anchors.append(toks[name].mean(0))
                    targets.append(i)
            labels.append(attribute_label(ex))
        if not anchors:
            return torch.zeros(())
        a = F.normalize(torch.stack(anchors), dim=-1)
        t = F.normalize(target_summary, dim=-1)
        logits = a @ t.T / temperature
        labels = torch.tensor([sorted(set(labels)).index(label) for label in labels])
        # Positives: the targets whose attribute (rate and voice) is the anchor's own example's target's.
        positive = labels[torch.tensor(targets)][:, None] == labels[None, :]
        log_p = logits.log_softmax(dim=-1)
        return -(log_p * positive).sum(1).div(positive.sum(1)).mean()


def whisper_voice(voices) -> str:
    """The voice `WHISPER_TAG` asks for: the first of `voices` that is a whisper variant (its name ends with
    "+whisper", e.g. "espeak:en-us+whisper"), or None."""
    return next((v for v in voices if v.endswith("+whisper")), None)


def attribute_label(example: dict) -> str:
    """What a drawn example's conditioning names: its target's rate and voice (e.g. "normal/teacher")."""
    return f"{example['rate']}/{example.get('voice') or TEACHER}"


def router_keeps(n_layers: int) -> list:
    """How many fusion layers the latency router's drop-fusion-layers step can leave running, fewer than all:
    it halves the count each time, down to one (4 → [2, 1])."""
    keeps, kept = [], n_layers
    while kept > 1:
        kept = max(1, kept // 2)
        keeps.append(kept)
    return keeps


def evaluate(trainer, data, tok, seed=5, per_kind=24, rate_clock=False, kept_layers=None, kinds=KIND_WEIGHTS):
    """Held-out teacher-forced CE per task kind (of `kinds`, those the held-out rows allow), with and without
    the adapters; with `rate_clock`, also the root-mean-square error of the head's ln(stride) (0.1 ≈ a stride
    10 % off). `kept_layers`: the adapted passes run only that many of the lowest fusion layers."""
    tasks = Tasks(data["examples"], data["images"], "heldout", seed, kinds)
    out = {}
    with torch.no_grad():
        for kind in tasks.kinds:
            batch = [tasks.draw(kind) for _ in range(per_kind)]
            with_ad, _, _, clock = trainer.losses(batch, tok, 0.0, rate_clock=rate_clock, kept_layers=kept_layers)
            without = trainer.losses(batch, tok, 0.0, conditioned=False)[0].item()
            out[kind] = (with_ad.item(), without) + ((clock.sqrt().item(),) if rate_clock else ())
    return out


def control_row(adapters, spec: str) -> int:
    """The control embedding row of KIND[:PAYLOAD] (a payload of digits is a number, as in an events file)."""
    kind, _, payload = spec.partition(":")
    if kind not in fusion.CONTROL_KINDS:
        sys.exit(f"adapter_train: --copy-control-rows {spec!r}: a kind of {list(fusion.CONTROL_KINDS)}")
    value = None if not payload else (int(payload) if payload.isdigit() else payload)
    slots = adapters.config["control_slots_per_kind"]
    return fusion.CONTROL_KINDS[kind] * slots + fusion.control_slot(value, slots)


def copy_control_rows(adapters, specs: str) -> None:
    """`--copy-control-rows`: TO=FROM pairs, each row copied from the initial weights."""
    weight = adapters.control.embeddings.weight
    for item in filter(None, specs.split(",")):
        to, _, source = item.partition("=")
        if not source:
            sys.exit(f"adapter_train: --copy-control-rows {item!r}: expected TO=FROM, e.g. sfx:drum=sfx")
        with torch.no_grad():
            weight[control_row(adapters, to)] = weight[control_row(adapters, source)]
        print(f"adapters: control row {to} starts as {source}", file=sys.stderr)


def export(adapters, path):
    from safetensors.torch import save_file
    tmp = path + ".part"
    save_file(adapters.state_for_export(), tmp, metadata=adapters.metadata())
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the frozen base model (Bark directory layout)")
    p.add_argument("--steer", required=True, help="steer_corpus manifest")
    p.add_argument("--clip", help="the frozen image tower (steer_images --tower); without it no image task")
    p.add_argument("--run", required=True)
    p.add_argument("--fusion-layers", default="0,1,2,3")
    p.add_argument("--images", type=int, default=150, help="augmented images per rate")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--decay-steps", type=int, default=3000)
    p.add_argument("--weight-decay", type=float, default=0.01,
                   help="AdamW's decoupled weight decay (0 with --train-only control.embeddings keeps every other "
                        "row of a table exactly as it was)")
    p.add_argument("--nce", type=float, default=0.1, help="weight of the InfoNCE alignment loss")
    p.add_argument("--transition-weight", type=float, default=1.0,
                   help="weight in the token CE of each unit that differs from the one before it (where the content "
                        "moves on) against 1 for a held unit; the held-out report stays unweighted")
    p.add_argument("--input-noise", type=float, default=0.1, help="fraction of input units replaced (as the base model trained)")
    p.add_argument("--self-feed", type=float, default=0.0,
                   help="fraction of input units replaced by the adapted model's own argmax from a first pass "
                        "(parallel scheduled sampling: it learns to go on from its own choices, as when it "
                        "generates; costs one more forward pass per step)")
    p.add_argument("--rate-clock", action="store_true",
                   help="format 6 (needs --ffn): a head sets the semantic stage's position clock from the conditioned "
                        "infer token, so a slow or fast sentence advances at the normal rate's pace (`unit_positions`); "
                        "trained on each target's true stride")
    p.add_argument("--rate-clock-layer", type=int,
                   help="with --rate-clock: the head reads the infer token's state after this fusion layer (standardized) "
                        "instead of the final state, so closing later fusion layers keeps the clock")
    p.add_argument("--train-only", help="comma-separated parameter-name prefixes: only these train (e.g. rate_clock)")
    p.add_argument("--clock-weight", type=float, default=1.0, help="weight of the rate-clock loss (squared ln-stride error)")
    p.add_argument("--init", help="adapters.pt of an earlier run, or an exported adapter file (.safetensors), whose "
                                   "weights a new run starts from (tensors it lacks, e.g. attention sinks or route "
                                   "sharpness, keep their initial values)")
    p.add_argument("--no-sink", action="store_true", help="format 1: cross-attention without an attention sink")
    p.add_argument("--no-route-bias", action="store_true",
                   help="format 2: routing weights scale the values only (no learned route sharpness in attention)")
    p.add_argument("--ffn", action="store_true",
                   help="format 5: each fusion layer also has a gated feed-forward block (4H wide; gate starts at 0; "
                        "needs the route bias)")
    p.add_argument("--absolute-route", action="store_true",
                   help="format 3: values scaled by the routing weight itself, not relative to the heaviest modality's")
    p.add_argument("--sharpness-lr-scale", type=float, default=20.0,
                   help="learning-rate multiple of the route sharpness and feed-forward gate scalars (one each per "
                        "layer; no weight decay)")
    p.add_argument("--clock-holds", default="",
                   help="with --rate-clock: control kinds at which the clock stops, KIND:UNITS:LEAD,… (e.g. "
                        "beat:29:5,sfx:41:5: from 5 units before a beat marker's second, 29 units, about the "
                        "corpus's inserted pause; `fusion.clock_holds`)")
    p.add_argument("--layer-drop", type=float, default=0.0,
                   help="share of steps that run only the lowest fusion layers, as many as the latency router's "
                        "drop-fusion-layers step leaves (half, then one; drawn evenly), so the adapters still steer "
                        "when the router closes the upper layers; 0 trains with every layer open")
    p.add_argument("--copy-control-rows", default="",
                   help="with --init: start control embedding rows as copies of others, KIND[:PAYLOAD]=KIND[:PAYLOAD],… "
                        "(e.g. sfx:drum=sfx: the drum trigger starts where the trained knock trigger, no payload, is, "
                        "so it begins by placing a sound and learns which)")
    p.add_argument("--tasks", help=f"only these task kinds, comma-separated (of {', '.join(KIND_WEIGHTS)}; their relative "
                                   "weights kept), e.g. sfx,drum with --train-only control.embeddings")
    p.add_argument("--export", help="write the adapter file here when the run stops")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if not 0.0 <= a.layer_drop <= 1.0:
        sys.exit(f"adapter_train: --layer-drop {a.layer_drop}: a share of the steps, from 0 to 1")
    if not 0.0 <= a.self_feed <= 1.0:
        sys.exit(f"adapter_train: --self-feed {a.self_feed}: a fraction of the input units, from 0 to 1")
    if a.rate_clock_layer is not None and (not a.rate_clock or a.rate_clock_layer not in [int(i) for i in a.fusion_layers.split(",")]):
        sys.exit(f"adapter_train: --rate-clock-layer {a.rate_clock_layer}: needs --rate-clock and one of --fusion-layers {a.fusion_layers}")
    holds = []
    for item in filter(None, a.clock_holds.split(",")):
        try:
            kind, units, lead = item.split(":")
            holds.append({"kind": kind, "units": int(units), "lead": int(lead)})
        except ValueError:
            sys.exit(f"adapter_train: --clock-holds {item!r}: expected KIND:UNITS:LEAD, e.g. beat:29:5")
        if kind not in fusion.CONTROL_KINDS or holds[-1]["units"] < 1 or holds[-1]["lead"] < 0:
            sys.exit(f"adapter_train: --clock-holds {item!r}: a kind of {list(fusion.CONTROL_KINDS)}, units ≥ 1, lead ≥ 0")
    if a.copy_control_rows and not a.init:
        sys.exit("adapter_train: --copy-control-rows needs --init (rows are copied from the initial weights)")
    if holds and not a.rate_clock:
        sys.exit("adapter_train: --clock-holds needs --rate-clock (format 6)")
    if a.rate_clock and not a.ffn:
        sys.exit("adapter_train: --rate-clock (format 6) builds on format 5: add --ffn")
    if a.ffn and (a.no_route_bias or a.absolute_route or a.no_sink):
        sys.exit("adapter_train: --ffn (format 5) builds on format 4: drop --no-sink, --no-route-bias and --absolute-route")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.run, exist_ok=True)
    base = load_base(a.model)
    data = prepare(a, base)
    add_distractor_images(a, data)
    tok = vocabulary.tokenizer(os.path.join(a.model, "vocab.txt"))
    sem = base.semantic.config
    image_width = len(data["images"]["slow"][0][0]) if data["images"] else 64
    config = fusion.default_config(sem.hidden_size, sem.num_heads, [int(i) for i in a.fusion_layers.split(",")],
                                   base.codec_model.config.hidden_size, image_width, sink=not a.no_sink,
                                   route_bias=not a.no_route_bias, relative_route=not a.absolute_route, ffn=a.ffn,
                                   rate_clock=a.rate_clock, rate_clock_layer=a.rate_clock_layer, clock_holds=holds)
    # default_config: format 3 needs the sink, format 4 the route bias
    adapters = fusion.OmniAdapters(config)
    text_vocab_size = len(vocabulary.entries())
    trainer = Trainer(base, adapters, text_vocab_size, a.seed)
    trainer.know_normal_lengths(data["examples"])
    kinds = KIND_WEIGHTS
    if a.tasks:
        kinds = {k: KIND_WEIGHTS[k] for k in a.tasks.split(",") if k in KIND_WEIGHTS}
        unknown = [k for k in a.tasks.split(",") if k not in KIND_WEIGHTS]
        if unknown or not kinds:
            sys.exit(f"adapter_train: --tasks {a.tasks}: kinds are {', '.join(KIND_WEIGHTS)}")
    tasks = Tasks(data["examples"], data["images"], "train", a.seed, kinds)
    if not tasks.kinds:
        sys.exit(f"adapter_train: {a.steer} has the rows of none of the tasks {', '.join(kinds)}")
    # The scalars that open a path (route sharpness, the feed-forward blocks' gates) learn faster: from 0,
    # a gate at the base learning rate would take thousands of steps to let its block count.
    scalar = ("route_sharpness", "ffn_gate")
    if a.train_only:
        prefixes = tuple(a.train_only.split(","))
        for n, p in adapters.named_parameters():
            p.requires_grad_(n.startswith(prefixes))
        if not any(p.requires_grad for p in adapters.parameters()):
            sys.exit(f"adapter_train: --train-only {a.train_only}: no parameter has that prefix")
    sharp = [p for n, p in adapters.named_parameters() if n.endswith(scalar)]
    rest = [p for n, p in adapters.named_parameters() if not n.endswith(scalar)]
    opt = torch.optim.AdamW([dict(params=rest, scale=1.0),
                             dict(params=sharp, scale=a.sharpness_lr_scale, weight_decay=0.0)],
                            lr=a.lr, betas=(0.9, 0.98), weight_decay=a.weight_decay)
    ckpt = os.path.join(a.run, "adapters.pt")
    state = checkpoint.resume(ckpt, adapters, opt, "adapters")
    step = 0
    if state:
        step = state["step"]
        tasks.rng.setstate(state["tasks_rng"])
        if "feed_rng" in state:  # written since --self-feed
            trainer.feed_rng.set_state(state["feed_rng"])
    elif a.init:
        if not os.path.isfile(a.init):
            sys.exit(f"adapter_train: --init {a.init}: no such checkpoint")
        if a.init.endswith(".safetensors"):
            from safetensors.torch import load_file
            initial = load_file(a.init)
            initial_layer = fusion.load_adapters(a.init).config.get("rate_clock_layer")
        else:
            saved = torch.load(a.init, weights_only=False)
            initial, initial_layer = saved["model"], saved.get("config", {}).get("rate_clock_layer")
        if initial_layer != config.get("rate_clock_layer"):  # a head trained on another state starts again at 0
            initial = {k: v for k, v in initial.items() if not k.startswith("rate_clock.")}
        missing, unexpected = adapters.load_state_dict(initial, strict=False)
        if unexpected:
            sys.exit(f"adapter_train: --init {a.init}: tensors this configuration does not have: {unexpected[:4]}")
        print(f"adapters: start from {a.init}; new: {missing or 'none'}", file=sys.stderr)
        copy_control_rows(adapters, a.copy_control_rows)
    print(f"adapters: {sum(p.numel() for p in adapters.parameters()) / 1e6:.2f} M parameters, fusion layers "
          f"{config['fusion_layers']}, tasks {list(tasks.kinds)}", file=sys.stderr)
    keeps = router_keeps(len(config["fusion_layers"]))
    if a.layer_drop > 0 and not keeps:
        sys.exit("adapter_train: --layer-drop needs more than one fusion layer (--fusion-layers)")
    drop_rng = random.Random(a.seed + 11)
    if state and "drop_rng" in state:  # written since --layer-drop
        drop_rng.setstate(state["drop_rng"])
    clock = checkpoint.RunClock(a.minutes, a.max_steps)
    running = None
    while step < a.max_steps:
        progress = min(1.0, step / a.decay_steps)
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr * g["scale"]
        batch = [tasks.draw() for _ in range(a.batch)]
        kept = drop_rng.choice(keeps) if a.layer_drop > 0 and drop_rng.random() < a.layer_drop else None
        ce, nce, _, stride_error = trainer.losses(batch, tok, a.input_noise, transition_weight=a.transition_weight,
                                                  self_feed=a.self_feed, rate_clock=a.rate_clock, kept_layers=kept)
        loss = ce + a.nce * nce + a.clock_weight * stride_error
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(adapters.parameters(), 1.0)
        opt.step()
        step += 1
        now = (ce.item(), nce.item(), stride_error.item())
        running = now if running is None else tuple(0.98 * r + 0.02 * n for r, n in zip(running, now))
        if step % 25 == 0:
            gates = " ".join(f"{math.tanh(layer.gate.item()):+.2f}" for layer in adapters.fusion.layers.values())
            if config["format_version"] >= 3:
                gates += " sharpness " + " ".join(f"{layer.route_sharpness.item():.2f}" for layer in adapters.fusion.layers.values())
            if a.ffn:
                gates += " ffn " + " ".join(f"{math.tanh(layer.ffn_gate.item()):+.3f}" for layer in adapters.fusion.layers.values())
            clock_text = f" clock rms {math.sqrt(running[2]):.3f}" if a.rate_clock else ""
            print(f"adapters step {step} ce {running[0]:.3f} nce {running[1]:.3f}{clock_text} gates {gates} lr {lr:.1e} "
                  f"{clock.elapsed_minutes():.1f} min", file=sys.stderr, flush=True)
        if step % 500 == 0:
            report = evaluate(trainer, data, tok, rate_clock=a.rate_clock, kinds=kinds)
            print("adapters held-out CE (with / without" + (" / rate-clock rms" if a.rate_clock else "") + "): "
                  + ", ".join(f"{k} " + "/".join(f"{v:.3f}" for v in values) for k, values in report.items()),
                  file=sys.stderr, flush=True)
            if a.layer_drop > 0:
                report = evaluate(trainer, data, tok, rate_clock=a.rate_clock, kept_layers=keeps[0], kinds=kinds)
                print(f"adapters held-out CE with {keeps[0]} fusion layers (with / without"
                      + (" / rate-clock rms" if a.rate_clock else "") + "): "
                      + ", ".join(f"{k} " + "/".join(f"{v:.3f}" for v in values) for k, values in report.items()),
                      file=sys.stderr, flush=True)
        save, done = clock.check(step)
        if save:
            checkpoint.save(ckpt, model=adapters.state_dict(), optimizer=opt.state_dict(), step=step,
                            tasks_rng=tasks.rng.getstate(), feed_rng=trainer.feed_rng.get_state(),
                            drop_rng=drop_rng.getstate(), config=config)
        if done:
            break
    if a.export:
        export(adapters, a.export)
        print(f"adapters: exported step {step} → {a.export}", file=sys.stderr)
    print(f"adapters: stopped at step {step}; checkpoint {ckpt}")


if __name__ == "__main__":
    main()
