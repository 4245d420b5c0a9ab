#!/usr/bin/env python3
"""Parity fixtures for OmniBark's omnimodal conditioning path (adapters, fusion, routing).

Defines a PyTorch reference module with exactly the math of Sources/Modalities (Adapters.swift,
FusionBlock.swift), fills it with random weights and random NON-ZERO gates, runs it on fixed
random inputs, and writes to Tests/Fixtures/fusion/:

  adapters.safetensors   the module's state dict in OmniBark's adapter key layout, with the JSON
                         configuration in __metadata__["omnibark_adapters"]
  events.json            the control events (OmniBark's events-file format)
  reference.safetensors  inputs (text embeddings, audio features, CLIP outputs, hidden states)
                         and outputs (adapter tokens, memory, route weights, per-layer outputs)
  VERSIONS.txt           torch / safetensors versions

Run: /work/venv-ref/bin/python scripts/make_fusion_fixtures.py
"""
import json
import math
import os
import sys

import safetensors
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "fusion")
MODALITIES = ["text", "audio", "image", "control"]
KINDS = {"beat": 0, "phoneme": 1, "sfx": 2, "style": 3}

CONFIG = {
    "format_version": 1, "hidden_size": 16, "heads": 2, "fusion_layers": [0, 2],
    "audio_input_size": 8, "audio_pool_stride": 3, "audio_max_tokens": 4,
    "image_input_size": 12, "image_patch_tokens": True, "image_max_tokens": 3,
    "control_slots_per_kind": 5, "control_frame_rate": 75.0, "routing_hidden_size": 8,
    "layer_norm_epsilon": 1e-5,
}


def fnv1a(s):
    h = 0xcbf29ce484222325
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def control_local_id(event, slots):
    p = event.get("payload")
    if p is None:
        slot = 0
    elif isinstance(p, str):
        slot = fnv1a(p) % slots
    else:
        slot = int(math.floor(p)) % slots
    return KINDS[event["kind"]] * slots + slot


def event_seconds(event):
    return event["time"] if "time" in event else event["frame"] / 75.0


def time_encoding(position, width):
    out = torch.zeros(width, dtype=torch.float64)
    for i in range(width // 2):
        f = 10000.0 ** (-2.0 * i / width)
        out[2 * i] = math.sin(position * f)
        out[2 * i + 1] = math.cos(position * f)
    return out.float()


def average_pool(x, stride, max_tokens):
    rows = x.shape[0]
    s = max(stride, -(-rows // max_tokens), 1)
    return torch.stack([x[i:i + s].mean(0) for i in range(0, rows, s)])


class Head(nn.Module):
    def __init__(self, inp, h):
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(inp, h), nn.GELU(), nn.Linear(h, h))

    def forward(self, x):
        return self.proj(x)


class CrossAttn(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(h, h) for _ in range(4))


class FusionLayer(nn.Module):
    def __init__(self, h, heads, eps):
        super().__init__()
        self.norm = nn.LayerNorm(h, eps=eps)
        self.cross_attn = CrossAttn(h)
        self.gate = nn.Parameter(torch.zeros(1))
        self.heads = heads

    def forward(self, x, memory, owners, route):
        """x + tanh(gate) · out_proj(Σ_j softmax_j(q·k_j/√d) · g_route[owner_j] · v_j)."""
        h = x.shape[-1]
        d = h // self.heads
        q = self.cross_attn.q_proj(self.norm(x)).view(-1, self.heads, d).transpose(0, 1)       # [heads, rows, d]
        k = self.cross_attn.k_proj(memory).view(-1, self.heads, d).transpose(0, 1)             # [heads, M, d]
        v = self.cross_attn.v_proj(memory) * route[owners].unsqueeze(1)
        v = v.view(-1, self.heads, d).transpose(0, 1)
        p = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1)
        a = (p @ v).transpose(0, 1).reshape(-1, h)
        return x + torch.tanh(self.gate) * self.cross_attn.out_proj(a)


class OmniAdaptersRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.c = c
        self.adapters = nn.ModuleDict({"audio": Head(c["audio_input_size"], h), "image": Head(c["image_input_size"], h)})
        self.control = nn.Module()
        self.control.embeddings = nn.Embedding(4 * c["control_slots_per_kind"], h)
        self.type_tags = nn.Embedding(4, h)
        self.routing = nn.Module()
        self.routing.mlp = nn.Sequential(nn.Linear(4 * h, c["routing_hidden_size"]), nn.GELU(), nn.Linear(c["routing_hidden_size"], 4))
        self.fusion = nn.Module()
        self.fusion.layers = nn.ModuleDict({str(i): FusionLayer(h, c["heads"], c["layer_norm_epsilon"]) for i in c["fusion_layers"]})

    def tokens(self, text=None, audio=None, image_pooled=None, image_hidden=None, events=None):
        c = self.c
        out = {}
        if text is not None:
            out["text"] = text
        if audio is not None:
            out["audio"] = self.adapters["audio"](average_pool(audio, c["audio_pool_stride"], c["audio_max_tokens"]))
        if image_pooled is not None:
            rows = [image_pooled[None]]
            if c["image_patch_tokens"] and image_hidden is not None and image_hidden.shape[0] > 1 and c["image_max_tokens"] > 1:
                rows.append(average_pool(image_hidden[1:], 1, c["image_max_tokens"] - 1))
            out["image"] = self.adapters["image"](torch.cat(rows))
        if events:
            ids = torch.tensor([control_local_id(e, c["control_slots_per_kind"]) for e in events])
            enc = torch.stack([time_encoding(event_seconds(e) * c["control_frame_rate"], c["hidden_size"]) for e in events])
            out["control"] = self.control.embeddings(ids) + enc
        return out

    def memory(self, tokens, weights):
        """weights: routing weight per modality (0 = off). Returns memory, owners, route, summaries."""
        h = self.c["hidden_size"]
        present = [m for m in MODALITIES if m in tokens and weights[MODALITIES.index(m)] > 0]
        summaries = torch.zeros(4, h)
        rows, owners = [], []
        for m in present:
            i = MODALITIES.index(m)
            summaries[i] = tokens[m].mean(0)
            rows.append(tokens[m] + self.type_tags.weight[i])
            owners += [i] * tokens[m].shape[0]
        logits = self.routing.mlp(summaries.reshape(1, -1))[0]
        bias = torch.tensor([math.log(w) if w > 0 else 0.0 for w in weights])
        mask = torch.tensor([m in present for m in MODALITIES])
        route = torch.softmax((logits + bias).masked_fill(~mask, float("-inf")), dim=0)
        return torch.cat(rows), torch.tensor(owners), route, summaries


def main():
    torch.manual_seed(7)
    c = CONFIG
    h = c["hidden_size"]
    model = OmniAdaptersRef(c)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gate"):
                p.copy_(torch.empty(1).uniform_(0.4, 1.2) * (1 if "0" in name else -1))
            else:
                p.copy_(torch.randn_like(p) * 0.3)
    model.eval()

    events = [
        {"time": 0.5, "kind": "beat"},
        {"frame": 10, "kind": "phoneme", "payload": "AH"},
        {"time": 1.25, "kind": "sfx", "payload": "door_slam"},
        {"time": 0.0, "kind": "style", "payload": 3},
    ]
    events_sorted = sorted(events, key=event_seconds)  # stable, as ControlEvent.sorted
    inputs = {
        "text_embeddings": torch.randn(3, h),
        "audio_features": torch.randn(13, c["audio_input_size"]),
        "image_pooled": torch.randn(c["image_input_size"]),
        "image_hidden": torch.randn(6, c["image_input_size"]),
        "hidden": torch.randn(5, h),
    }
    ref = dict(inputs)
    with torch.no_grad():
        toks = model.tokens(inputs["text_embeddings"], inputs["audio_features"], inputs["image_pooled"],
                            inputs["image_hidden"], events_sorted)
        for m, t in toks.items():
            ref[f"tokens.{m}"] = t
        cases = {"all": [1.0, 2.0, 1.0, 0.5], "partial": [1.0, 1.0, 1.0, 0.0]}
        for case, weights in cases.items():
            tk = dict(toks)
            if case == "partial":
                del tk["image"]
            memory, owners, route, summaries = model.memory(tk, weights)
            ref[f"{case}.route_weights"] = route
            ref[f"{case}.memory"] = memory
            ref[f"{case}.summaries"] = summaries
            ref[f"{case}.owners"] = owners.float()
            x = inputs["hidden"]
            for i in c["fusion_layers"]:
                y = model.fusion.layers[str(i)](x, memory, owners, route)
                ref[f"{case}.layer{i}.output"] = y
                x = y
    state = {}
    for name, t in model.state_dict().items():
        key = name.replace("fusion.layers.", "fusion.layers.")  # ModuleDict keys are the layer indices
        state[key] = t.detach().float().contiguous()
    os.makedirs(OUT, exist_ok=True)
    save_file(state, os.path.join(OUT, "adapters.safetensors"),
              metadata={"omnibark_adapters": json.dumps(c), "format": "omnibark-adapters"})
    save_file({k: v.detach().float().clone().contiguous() for k, v in ref.items()}, os.path.join(OUT, "reference.safetensors"),
              metadata={"cases": json.dumps(cases)})
    with open(os.path.join(OUT, "events.json"), "w") as f:
        json.dump({"events": events}, f, indent=1)
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write(f"python {sys.version.split()[0]}\ntorch {torch.__version__}\nsafetensors {safetensors.__version__}\n")
    print("keys:", sorted(state))


if __name__ == "__main__":
    main()
