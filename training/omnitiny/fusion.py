"""OmniBark's conditioning path in PyTorch, batched for training: the adapters (audio and image projection
heads, control embeddings, type tags), the routing MLP and the gated cross-attention layers that run
after semantic decoder blocks. The math is the engine's (`Sources/Modalities/Adapters.swift`,
`FusionBlock.swift`) and the state-dict keys are its adapter file layout, so `export` writes a file the
engine loads as it is; `scripts/make_fusion_fixtures.py` holds the unbatched reference the engine is
tested against, and `adapter_parity` checks this module against the engine on a trained file.

Shapes: B examples, M memory rows (padded; `mask` marks real rows), H the semantic hidden size."""

import json
import math

import torch
import torch.nn as nn

from . import layout as L

MODALITIES = ("text", "audio", "image", "control")
CONTROL_KINDS = {"beat": 0, "phoneme": 1, "sfx": 2, "style": 3}


def default_config(hidden_size: int, heads: int, fusion_layers: list, audio_input_size: int,
                   image_input_size: int, sink: bool = True, route_bias: bool = True,
                   relative_route: bool = True, ffn: bool = False, rate_clock: bool = False,
                   rate_clock_layer: int = None, clock_holds: list = None) -> dict:
    """The adapter configuration (`AdapterConfiguration` JSON) for a semantic model of this size; format 2
    when the cross-attention layers have an attention sink, 3 when they also bias attention by routing
    weight (`route_sharpness`; needs the sink), 4 when values are scaled by the routing weight relative to
    the heaviest modality's (needs the route bias), 5 when each fusion layer also has a gated feed-forward
    block (needs format 4), 6 when a rate-clock head also sets the semantic stage's position clock (needs
    format 5); `rate_clock_layer`: the head reads the infer token's residual state after that decoder layer
    and its fusion layer (standardized), not the final state (`rate_clock_state`); `clock_holds` (format 6):
    [{"kind", "units", "lead"}], the clock stops for `units` units from `lead` units before each control event
    of that kind (`clock_holds`)."""
    version = ((((6 if rate_clock else 5) if ffn else 4) if relative_route else 3) if route_bias else 2) if sink else 1
    layer = {"rate_clock_layer": rate_clock_layer} if rate_clock and rate_clock_layer is not None else {}
    if rate_clock and clock_holds:
        layer["clock_holds"] = [dict(h) for h in clock_holds]
    return {**layer, "format_version": version, "hidden_size": hidden_size, "heads": heads, "fusion_layers": list(fusion_layers),
            "audio_input_size": audio_input_size, "audio_pool_stride": 4, "audio_max_tokens": 64,
            "image_input_size": image_input_size, "image_patch_tokens": True, "image_max_tokens": 17,
            "control_slots_per_kind": 64, "control_frame_rate": 75.0, "routing_hidden_size": 64,
            "layer_norm_epsilon": 1e-5}


def clock_holds(config: dict, events: list, units_per_second: float = L.SEMANTIC_RATE_HZ) -> list:
    """Where the rate clock stops for these control events ({kind, time (s)}): [(first unit, units)], one per
    event whose kind the configuration's `clock_holds` names, sorted. An event at second t stops the clock
    from unit floor(t · 49.9 + 0.5) − lead (at least 0) for `units` units: an inserted pause or sound takes
    time the sentence does not, so the words after it keep their place on the clock. The engine's
    `FusionConditioning.rateClockHolds` is the same rule."""
    by_kind = {h["kind"]: h for h in config.get("clock_holds", [])}
    out = []
    for e in events:
        h = by_kind.get(e["kind"])
        if h is not None:
            out.append((max(0, math.floor(e["time"] * units_per_second + 0.5) - h["lead"]), h["units"]))
    return sorted(out)


def average_pool(x: torch.Tensor, stride: int, max_tokens: int) -> torch.Tensor:
    """[rows, D] → [ceil(rows / s), D], s = max(stride, ceil(rows / max_tokens)); the last window may be short."""
    rows = x.shape[0]
    s = max(stride, -(-rows // max_tokens), 1)
    return torch.stack([x[i:i + s].mean(0) for i in range(0, rows, s)])


def time_encoding(position: float, width: int) -> torch.Tensor:
    i = torch.arange(width // 2, dtype=torch.float64)
    f = 10000.0 ** (-2.0 * i / width)
    out = torch.empty(width, dtype=torch.float64)
    out[0::2] = torch.sin(position * f)
    out[1::2] = torch.cos(position * f)
    return out.float()


class Head(nn.Module):
    def __init__(self, inp: int, h: int):
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(inp, h), nn.GELU(), nn.Linear(h, h))

    def forward(self, x):
        return self.proj(x)


class CrossAttention(nn.Module):
    def __init__(self, h: int):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(h, h) for _ in range(4))


class FusionLayer(nn.Module):
    """x + tanh(gate) · out_proj(Σ_j softmax_j(q·k_j/√d + b_j) · s_j · v_j), per head; with `sink`
    (format 2) the softmax also runs over a learned row (`null_key`, `null_value`, used as they are).
    b_j = 0 before format 3; from format 3, b_j = route_sharpness · ln(route[owner_j] / max route) for a
    memory row and 0 for the sink: a learned scalar that lets the heavier modality (by routing weight)
    take the attention when two disagree, where scaling values alone only mixes them.
    s_j = route[owner_j] before format 4; from format 4 (`relative_route`), route[owner_j] / max route, so
    the heaviest modality's values are used at full strength whatever else is present: a modality given
    routing weight 3 against one other then says what it would say alone (format 3 scaled it by 0.75)."""

    def __init__(self, h: int, heads: int, eps: float, sink: bool = False, route_bias: bool = False,
                 relative_route: bool = False, ffn: bool = False):
        super().__init__()
        self.norm = nn.LayerNorm(h, eps=eps)
        self.cross_attn = CrossAttention(h)
        self.gate = nn.Parameter(torch.zeros(1))
        self.heads = heads
        if sink:
            self.null_key = nn.Parameter(torch.zeros(h))
            self.null_value = nn.Parameter(torch.zeros(h))
        self.sink = sink
        if route_bias:
            self.route_sharpness = nn.Parameter(torch.zeros(1))
        self.route_bias = route_bias
        self.relative_route = relative_route
        if ffn:  # format 5: y + tanh(ffn_gate) · W2 · gelu(W1 · LN(y)), Flamingo's gated dense block
            self.ffn_norm = nn.LayerNorm(h, eps=eps)
            self.ffn = nn.Sequential(nn.Linear(h, 4 * h), nn.GELU(), nn.Linear(4 * h, h))
            self.ffn_gate = nn.Parameter(torch.zeros(1))
        self.has_ffn = ffn

    def forward(self, x, memory, mask, row_route):
        """x [B, T, H]; memory [B, M, H]; mask [B, M] (True = real row); row_route [B, M]."""
        b, t, h = x.shape
        d = h // self.heads
        q = self.cross_attn.q_proj(self.norm(x)).view(b, t, self.heads, d).transpose(1, 2)
        k = self.cross_attn.k_proj(memory).view(b, -1, self.heads, d).transpose(1, 2)
        log_ratio = route_log_ratio(row_route, mask)
        scale = torch.exp(log_ratio) * mask if self.relative_route else row_route
        v = (self.cross_attn.v_proj(memory) * scale.unsqueeze(-1)).view(b, -1, self.heads, d).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        if self.route_bias:
            scores = scores + self.route_sharpness * log_ratio[:, None, None, :]
        scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
        if self.sink:
            null_k = self.null_key.view(1, self.heads, 1, d)
            null_v = self.null_value.view(1, self.heads, 1, d).expand(b, -1, -1, -1)
            scores = torch.cat([scores, (q * null_k).sum(-1, keepdim=True) / math.sqrt(d)], dim=-1)
            v = torch.cat([v, null_v], dim=2)
        a = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, h)
        out = x + torch.tanh(self.gate) * self.cross_attn.out_proj(a)
        if self.has_ffn:
            out = out + torch.tanh(self.ffn_gate) * self.ffn(self.ffn_norm(out))
        # An example without memory is left exactly as it is (the engine skips the layer).
        return torch.where(mask.any(1)[:, None, None], out, x)


class OmniAdapters(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        h = config["hidden_size"]
        self.config = config
        self.adapters = nn.ModuleDict({"audio": Head(config["audio_input_size"], h),
                                       "image": Head(config["image_input_size"], h)})
        self.control = nn.Module()
        self.control.embeddings = nn.Embedding(4 * config["control_slots_per_kind"], h)
        self.type_tags = nn.Embedding(4, h)
        self.routing = nn.Module()
        r = config["routing_hidden_size"]
        self.routing.mlp = nn.Sequential(nn.Linear(4 * h, r), nn.GELU(), nn.Linear(r, 4))
        self.fusion = nn.Module()
        version = config["format_version"]
        self.fusion.layers = nn.ModuleDict({str(i): FusionLayer(h, config["heads"], config["layer_norm_epsilon"],
                                                                version >= 2, version >= 3, version >= 4, version >= 5)
                                            for i in config["fusion_layers"]})
        with torch.no_grad():  # small starting weights: the frozen model sees little until the gates open
            for name, p in self.named_parameters():
                if name.endswith(("null_key", "null_value", "route_sharpness")):
                    nn.init.zeros_(p)
                elif p.dim() > 1 and "embeddings" not in name:
                    nn.init.normal_(p, std=0.02)
                elif name.endswith("bias"):
                    nn.init.zeros_(p)
            self.type_tags.weight.normal_(std=0.02)
            self.control.embeddings.weight.normal_(std=0.02)
        if version >= 6:  # format 6: ln(stride) from the infer token's state (`rate_clock_state`); starts at stride 1
            self.rate_clock = nn.Linear(h, 1)
            nn.init.zeros_(self.rate_clock.weight)
            nn.init.zeros_(self.rate_clock.bias)

    STRIDE_RANGE = (0.25, 4.0)  # the engine's SemanticRateClock.strideRange

    def log_stride(self, infer_state: torch.Tensor) -> torch.Tensor:
        """[B, H] states of the infer token (`FusedSemantic.rate_clock_state`) → [B] ln(stride), unclamped (for the loss)."""
        return self.rate_clock(infer_state).squeeze(-1)

    def stride(self, infer_state: torch.Tensor) -> torch.Tensor:
        """[B, H] → [B] the rate clock's stride, clamped as the engine clamps it (`RateClockHead`)."""
        low, high = self.STRIDE_RANGE
        return self.log_stride(infer_state).exp().clamp(low, high)

    # --- adapters: each returns [tokens, H] for one example ----------------------------------
    def audio_tokens(self, frames: torch.Tensor) -> torch.Tensor:
        """frames: codec encoder output [T, audio_input_size] (75 Hz, before the quantizer)."""
        c = self.config
        return self.adapters["audio"](average_pool(frames, c["audio_pool_stride"], c["audio_max_tokens"]))

    def image_tokens(self, pooled: torch.Tensor, hidden: torch.Tensor = None) -> torch.Tensor:
        c = self.config
        rows = [pooled[None]]
        if c["image_patch_tokens"] and hidden is not None and hidden.shape[0] > 1 and c["image_max_tokens"] > 1:
            rows.append(average_pool(hidden[1:], 1, c["image_max_tokens"] - 1))
        return self.adapters["image"](torch.cat(rows))

    def control_tokens(self, events: list) -> torch.Tensor:
        """events: dicts {kind, time (s), payload?} sorted by time."""
        c = self.config
        slots = c["control_slots_per_kind"]
        ids = torch.tensor([CONTROL_KINDS[e["kind"]] * slots + control_slot(e.get("payload"), slots) for e in events])
        enc = torch.stack([time_encoding(e["time"] * c["control_frame_rate"], c["hidden_size"]) for e in events])
        return self.control.embeddings(ids) + enc

    # --- memory ------------------------------------------------------------------------------
    def memory(self, per_example: list, weights: list):
        """per_example: B dicts modality → tokens [n, H]; weights: B lists of 4 routing weights (0 = off).
        Returns memory [B, M, H], mask [B, M], row_route [B, M], route [B, 4], summaries [B, 4, H]."""
        h = self.config["hidden_size"]
        b = len(per_example)
        summaries = torch.zeros(b, 4, h)
        present = torch.zeros(b, 4, dtype=torch.bool)
        rows, owners = [], []
        for i, tokens in enumerate(per_example):
            parts, own = [], []
            for m, name in enumerate(MODALITIES):
                if name in tokens and weights[i][m] > 0:
                    t = tokens[name]
                    summaries[i, m] = t.mean(0)
                    present[i, m] = True
                    parts.append(t + self.type_tags.weight[m])
                    own += [m] * t.shape[0]
            rows.append(torch.cat(parts) if parts else torch.zeros(0, h))
            owners.append(own)
        logits = self.routing.mlp(summaries.reshape(b, -1))
        bias = torch.tensor([[math.log(w) if w > 0 else 0.0 for w in ws] for ws in weights])
        route = torch.softmax((logits + bias).masked_fill(~present, float("-inf")), dim=-1)
        route = torch.nan_to_num(route, nan=0.0)  # an example without modalities
        m_max = max(1, max(r.shape[0] for r in rows))
        memory = torch.zeros(b, m_max, h)
        mask = torch.zeros(b, m_max, dtype=torch.bool)
        owner_index = torch.zeros(b, m_max, dtype=torch.long)
        for i, (r, own) in enumerate(zip(rows, owners)):
            memory[i, : r.shape[0]] = r
            mask[i, : r.shape[0]] = True
            owner_index[i, : len(own)] = torch.tensor(own, dtype=torch.long)
        row_route = torch.gather(route, 1, owner_index) * mask
        return memory, mask, row_route, route, summaries

    def state_for_export(self) -> dict:
        return {k: v.detach().float().contiguous() for k, v in self.state_dict().items()}

    def metadata(self) -> dict:
        return {"omnibark_adapters": json.dumps(self.config), "format": "omnibark-adapters"}


ROUTE_FLOOR = 1e-30  # ln of a route weight is taken of at least this (an underflowed softmax weight)


def route_log_ratio(row_route: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """[B, M]: ln(route[owner_j] / the largest route weight of the example) for real rows (≤ 0; 0 for the
    heaviest modality's rows), 0 for padding."""
    top = row_route.masked_fill(~mask, 0).amax(1, keepdim=True).clamp(min=ROUTE_FLOOR)
    ratio = torch.log(row_route.clamp(min=ROUTE_FLOOR)) - torch.log(top)
    return ratio.masked_fill(~mask, 0)


def control_slot(payload, slots: int) -> int:
    if payload is None:
        return 0
    if isinstance(payload, str):
        h = 0xcbf29ce484222325
        for byte in payload.encode("utf-8"):
            h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        return h % slots
    return int(math.floor(payload)) % slots


def load_adapters(path: str) -> OmniAdapters:
    """An exported adapter file (`OmniAdapters.state_for_export` and `metadata`): the configuration from its
    `__metadata__.omnibark_adapters`, then its tensors; in eval mode."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    with safe_open(path, "pt") as f:
        config = json.loads(f.metadata()["omnibark_adapters"])
    adapters = OmniAdapters(config)
    adapters.load_state_dict(load_file(path))
    return adapters.eval()


class FusedSemantic:
    """A frozen transformers `BarkSemanticModel` with the fusion layers hooked after its blocks: set
    `memory` (the tuple `OmniAdapters.memory` returns, or None) before each forward pass, and `kept_layers`
    to run only that many of the lowest fusion layers (the latency router's drop-fusion-layers step). `final_state`
    keeps the pass's final-LayerNorm output and `clock_layer_state` the output of the fusion layer the
    rate clock reads (`rate_clock_state`)."""

    def __init__(self, semantic, adapters: OmniAdapters):
        self.semantic = semantic
        self.adapters = adapters
        self.memory = None
        self.final_state = None  # [B, T, H]: the last forward pass's final-LayerNorm output
        self.clock_layer_state = None  # [B, T, H]: the output of fusion layer `rate_clock_layer` (with memory)
        # The number of fusion layers that run, the lowest-numbered ones (None: all), as the engine's latency
        # router leaves them after its drop-fusion-layers step; the others pass their block's output on unchanged.
        self.kept_layers = None
        for index in adapters.config["fusion_layers"]:
            semantic.layers[index].register_forward_hook(self._hook(str(index)))
        semantic.layernorm_final.register_forward_hook(self._keep_final_state)

    def _keep_final_state(self, module, inputs, output):
        self.final_state = output

    def rate_clock_state(self, row: int) -> torch.Tensor:
        """[B, H]: what a format-6 rate clock reads at `row` (the infer token) from the last forward pass: the
        final-LayerNorm output, or with `rate_clock_layer` the residual state after that decoder layer and
        its fusion layer, standardized (LayerNorm without weights, eps 1e-5) — a clock that does not depend on
        the fusion layers after it, so the latency router's drop-fusion-layers step keeps it."""
        layer = self.adapters.config.get("rate_clock_layer")
        if layer is None:
            return self.final_state[:, row]
        state = self.clock_layer_state[:, row]
        return torch.nn.functional.layer_norm(state, (state.shape[-1],), eps=1e-5)

    def _hook(self, key: str):
        def hook(module, inputs, output):
            if self.memory is None:
                return output
            if self.kept_layers is not None and int(key) not in sorted(self.adapters.config["fusion_layers"])[: self.kept_layers]:
                return output
            memory, mask, row_route = self.memory[:3]
            hidden = output[0] if isinstance(output, tuple) else output
            fused = self.adapters.fusion.layers[key](hidden, memory, mask, row_route)
            if key == str(self.adapters.config.get("rate_clock_layer")):
                self.clock_layer_state = fused
            return (fused,) + tuple(output[1:]) if isinstance(output, tuple) else fused
        return hook
