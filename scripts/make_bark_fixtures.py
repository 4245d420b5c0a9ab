#!/usr/bin/env python3
"""Generate OmniBark's reference-parity fixtures from Hugging Face transformers' Bark.

Writes two tiny, fully randomised `BarkModel` directories under Tests/Fixtures/:

    bark-tiny-nobias/   bias=False, block 1024, tied fine lm_heads (shaped like the real model)
    bark-tiny-bias/     bias=True,  block 128,  untied fine lm_heads, n_codes_given 2

Each holds what `BarkModel.save_pretrained` writes (config.json, generation_config.json,
model.safetensors), a `pytorch_model.bin` with exactly the safetensors key set, Suno-layout
checkpoints `suno/{text,coarse,fine}.pt`, and float32 reference logits in `reference/*.npy`.
See Tests/Fixtures/README.md for the contract the Swift tests read.

CI never runs this (no torch there); the outputs are committed. Regenerate with

    python3 -m venv venv-ref && venv-ref/bin/pip install -r scripts/requirements-fixtures.txt
    venv-ref/bin/python scripts/make_bark_fixtures.py

Nothing is downloaded: every weight is drawn from fixed seeds.
"""

import argparse
import os
import platform
import re
import shutil
import sys
import tempfile

import numpy as np
import safetensors
import torch
import transformers
from safetensors.torch import load_file
from torch import nn
from transformers import (
    BarkCoarseConfig,
    BarkConfig,
    BarkFineConfig,
    BarkModel,
    BarkSemanticConfig,
    EncodecConfig,
)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures")

# ---------------------------------------------------------------------------------------------
# Fixture specifications (the contract: do not change shapes without updating the Swift tests)
# ---------------------------------------------------------------------------------------------
FIXTURES = {
    "bark-tiny-nobias": dict(
        seed=20241124,
        bias=False,
        block_size=1024,
        causal=dict(num_layers=2, num_heads=2, hidden_size=16),
        semantic_vocab=(500, 120),
        coarse_vocab=(300, 300),
        fine=dict(num_layers=2, num_heads=2, hidden_size=16, vocab=(1056, 1056),
                  n_codes_total=8, n_codes_given=1, tied=True),
        codec=dict(num_filters=2, hidden_size=8, codebook_size=1024, target_bandwidths=[6.0]),
        # The bool [1,1,1024,1024] causal-mask buffers are 1 MiB per layer; keeping them in three
        # copies (safetensors, .bin, suno/*.pt) would blow the 8 MB budget, so this fixture drops
        # `attn.bias` from every file (as checkpoints saved without the buffer look). The bias
        # fixture keeps them everywhere, so a loader's skip path is still exercised.
        keep_attn_bias=False,
    ),
    "bark-tiny-bias": dict(
        seed=19700101,
        bias=True,
        block_size=128,
        causal=dict(num_layers=3, num_heads=3, hidden_size=24),
        semantic_vocab=(200, 90),
        coarse_vocab=(150, 150),
        fine=dict(num_layers=3, num_heads=3, hidden_size=24, vocab=(80, 80),
                  n_codes_total=5, n_codes_given=2, tied=False),
        codec=dict(num_filters=2, hidden_size=8, codebook_size=64, target_bandwidths=[6.0]),
        keep_attn_bias=True,
    ),
}

SEQ_LEN = 20          # causal full-forward length
PREFILL = 8           # cached: prefill this many, then one token at a time
EMBEDS_LEN = 12       # inputs_embeds forward length
FINE_LEN = 24         # fine forward length
CACHE_TOL = 1e-5

# Suno names, inverse of transformers' convert_suno_to_hf.py mapping (checked against
# suno-ai/bark bark/model.py and bark/model_fine.py).
_LAYER_RENAMES = [
    (r"^layers\.(\d+)\.layernorm_1\.", r"transformer.h.\1.ln_1."),
    (r"^layers\.(\d+)\.layernorm_2\.", r"transformer.h.\1.ln_2."),
    (r"^layers\.(\d+)\.attn\.att_proj\.", r"transformer.h.\1.attn.c_attn."),
    (r"^layers\.(\d+)\.attn\.out_proj\.", r"transformer.h.\1.attn.c_proj."),
    (r"^layers\.(\d+)\.attn\.bias$", r"transformer.h.\1.attn.bias"),
    (r"^layers\.(\d+)\.mlp\.in_proj\.", r"transformer.h.\1.mlp.c_fc."),
    (r"^layers\.(\d+)\.mlp\.out_proj\.", r"transformer.h.\1.mlp.c_proj."),
    (r"^layernorm_final\.", r"transformer.ln_f."),
    (r"^input_embeds_layer\.", r"transformer.wte."),
    (r"^input_embeds_layers\.(\d+)\.", r"transformer.wtes.\1."),
    (r"^position_embeds_layer\.", r"transformer.wpe."),
    (r"^lm_head\.", r"lm_head."),
    (r"^lm_heads\.(\d+)\.", r"lm_heads.\1."),
]


def hf_to_suno(name):
    for pattern, repl in _LAYER_RENAMES:
        new, n = re.subn(pattern, repl, name)
        if n:
            return new
    raise KeyError(f"no Suno name for {name}")


def suno_to_hf(name):
    """Forward mapping as transformers' convert_suno_to_hf.py + Suno module names imply."""
    assert name.startswith("_orig_mod.")
    name = name[len("_orig_mod."):]
    for a, b in [("transformer.h.", "layers."), (".ln_1.", ".layernorm_1."), (".ln_2.", ".layernorm_2."),
                 (".c_attn.", ".att_proj."), ("attn.c_proj.", "attn.out_proj."), (".c_fc.", ".in_proj."),
                 ("mlp.c_proj.", "mlp.out_proj."), ("transformer.ln_f.", "layernorm_final."),
                 ("transformer.wtes.", "input_embeds_layers."), ("transformer.wte.", "input_embeds_layer."),
                 ("transformer.wpe.", "position_embeds_layer.")]:
        name = name.replace(a, b)
    return name


# ---------------------------------------------------------------------------------------------
def build_config(spec):
    common = dict(block_size=spec["block_size"], bias=spec["bias"], dropout=0.0)
    sem = BarkSemanticConfig(input_vocab_size=spec["semantic_vocab"][0], output_vocab_size=spec["semantic_vocab"][1],
                             **spec["causal"], **common)
    coarse = BarkCoarseConfig(input_vocab_size=spec["coarse_vocab"][0], output_vocab_size=spec["coarse_vocab"][1],
                              **spec["causal"], **common)
    f = spec["fine"]
    fine = BarkFineConfig(input_vocab_size=f["vocab"][0], output_vocab_size=f["vocab"][1],
                          num_layers=f["num_layers"], num_heads=f["num_heads"], hidden_size=f["hidden_size"],
                          n_codes_total=f["n_codes_total"], n_codes_given=f["n_codes_given"],
                          tie_word_embeddings=f["tied"], **common)
    codec = EncodecConfig(**spec["codec"])
    return BarkConfig(semantic_config=sem.to_dict(), coarse_acoustics_config=coarse.to_dict(),
                      fine_acoustics_config=fine.to_dict(), codec_config=codec.to_dict())


@torch.no_grad()
def randomise(model, gen):
    """Overwrite every parameter and persistent buffer that matters with seeded random values."""

    def normal(t, std, mean=0.0):
        t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float32) * std + mean)

    modules = dict(model.named_modules())
    for name, p in model.named_parameters():  # tied parameters are listed once
        owner_name, _, leaf = name.rpartition(".")
        owner = modules[owner_name]
        if isinstance(owner, nn.Embedding):
            normal(p, 1.0)
        elif isinstance(owner, nn.LayerNorm):
            normal(p, 0.2, 1.0) if leaf == "weight" else normal(p, 0.1)
        elif leaf == "original0":        # weight-norm magnitude g
            normal(p, 0.3, 1.0)
        elif leaf == "original1":        # weight-norm direction v
            normal(p, 0.3)
        elif isinstance(owner, (nn.Linear, nn.Conv1d, nn.ConvTranspose1d, nn.LSTM)):
            normal(p, 0.3) if "weight" in leaf else normal(p, 0.1)
        else:
            raise RuntimeError(f"unhandled parameter {name} ({type(owner).__name__})")

    for name, b in model.named_buffers():
        leaf = name.rpartition(".")[2]
        if name.endswith("attn.bias") or leaf in ("stride", "kernel_size", "padding_total"):
            continue  # causal mask / non-persistent conv geometry
        if leaf in ("embed", "embed_avg"):
            normal(b, 1.0)
        elif leaf == "cluster_size":
            b.copy_(torch.rand(b.shape, generator=gen) * 2.0 + 0.5)
        elif leaf == "inited":
            b.fill_(1.0)
        else:
            raise RuntimeError(f"unhandled buffer {name}")


def check_embeddings_tied(model, spec):
    fine = model.fine_acoustics
    f = spec["fine"]
    for i in range(f["n_codes_total"] - f["n_codes_given"]):
        same_obj = fine.lm_heads[i].weight is fine.input_embeds_layers[i + 1].weight
        assert same_obj == f["tied"], f"lm_heads.{i} tied={same_obj}, expected {f['tied']}"
        if not f["tied"]:
            assert not torch.equal(fine.lm_heads[i].weight, fine.input_embeds_layers[i + 1].weight)


# ---------------------------------------------------------------------------------------------
@torch.no_grad()
def causal_reference(sub, prefix, vocab_in, hidden, gen, ref_dir):
    ids = torch.randint(0, vocab_in, (1, SEQ_LEN), generator=gen, dtype=torch.int64)
    full = sub(input_ids=ids, use_cache=False).logits

    out = sub(input_ids=ids[:, :PREFILL], use_cache=True)
    cache, chunks = out.cache, [out.logits]
    for t in range(PREFILL, SEQ_LEN):
        assert cache.get_seq_length() == t
        out = sub(input_ids=ids[:, t:t + 1], cache=cache, use_cache=True)
        cache = out.cache
        chunks.append(out.logits)
    cached = torch.cat(chunks, dim=1)
    diff = (cached - full).abs().max().item()
    print(f"    {prefix}: logits |max|={full.abs().max().item():.3f} std={full.std().item():.3f}; "
          f"cached vs full max abs diff = {diff:.3e}")
    assert diff < CACHE_TOL, f"{prefix}: cached logits differ from full by {diff}"

    embeds = torch.randn((1, EMBEDS_LEN, hidden), generator=gen, dtype=torch.float32)
    from_embeds = sub(inputs_embeds=embeds, use_cache=False).logits

    np.save(os.path.join(ref_dir, f"{prefix}_input_ids.npy"), ids.numpy().astype(np.int64))
    np.save(os.path.join(ref_dir, f"{prefix}_logits_full.npy"), full.numpy().astype(np.float32))
    np.save(os.path.join(ref_dir, f"{prefix}_logits_cached.npy"), cached.numpy().astype(np.float32))
    np.save(os.path.join(ref_dir, f"{prefix}_input_embeds.npy"), embeds.numpy().astype(np.float32))
    np.save(os.path.join(ref_dir, f"{prefix}_logits_from_embeds.npy"), from_embeds.numpy().astype(np.float32))
    return {"ids": ids, "full": full, "embeds": embeds, "from_embeds": from_embeds}


@torch.no_grad()
def fine_reference(fine, spec, gen, ref_dir):
    f = spec["fine"]
    ids = torch.randint(0, f["vocab"][0], (1, FINE_LEN, f["n_codes_total"]), generator=gen, dtype=torch.int64)
    np.save(os.path.join(ref_dir, "fine_input_ids.npy"), ids.numpy().astype(np.int64))
    out = {"ids": ids}
    for k in range(f["n_codes_given"], f["n_codes_total"]):
        logits = fine(codebook_idx=k, input_ids=ids).logits
        print(f"    fine k={k}: logits |max|={logits.abs().max().item():.3f} std={logits.std().item():.3f}")
        np.save(os.path.join(ref_dir, f"fine_logits_k{k}.npy"), logits.numpy().astype(np.float32))
        out[k] = logits
    return out


@torch.no_grad()
def verify_against(model, refs, spec, label):
    model.eval()
    worst = 0.0
    for prefix, sub in (("semantic", model.semantic), ("coarse", model.coarse_acoustics)):
        r = refs[prefix]
        worst = max(worst, (sub(input_ids=r["ids"], use_cache=False).logits - r["full"]).abs().max().item())
        worst = max(worst, (sub(inputs_embeds=r["embeds"], use_cache=False).logits
                            - r["from_embeds"]).abs().max().item())
    f = spec["fine"]
    for k in range(f["n_codes_given"], f["n_codes_total"]):
        worst = max(worst, (model.fine_acoustics(codebook_idx=k, input_ids=refs["fine"]["ids"]).logits
                            - refs["fine"][k]).abs().max().item())
    print(f"    reload check [{label}]: max abs diff {worst:.3e}")
    assert worst < 1e-6, f"{label}: reloaded model disagrees ({worst})"


# ---------------------------------------------------------------------------------------------
def suno_checkpoints(model, spec):
    """Suno's original layout: {"model": {"_orig_mod." + name: tensor}, "model_args", "iter_num", "best_val_loss"}."""
    result = {}
    causal_args = dict(n_layer=spec["causal"]["num_layers"], n_head=spec["causal"]["num_heads"],
                       n_embd=spec["causal"]["hidden_size"], block_size=spec["block_size"], bias=spec["bias"],
                       dropout=0.0)
    for fname, sub, vocab in (("text.pt", model.semantic, spec["semantic_vocab"]),
                              ("coarse.pt", model.coarse_acoustics, spec["coarse_vocab"])):
        hf_sd = {k: v for k, v in sub.state_dict().items() if not k.endswith("attn.bias")}
        sd = {}
        # Suno's state_dict order: wte, wpe, h.{i}.{ln_1, attn(c_attn, c_proj, bias), ln_2, mlp}, ln_f, lm_head
        order = ["input_embeds_layer.", "position_embeds_layer."]
        for i in range(spec["causal"]["num_layers"]):
            order += [f"layers.{i}.layernorm_1.", f"layers.{i}.attn.att_proj.", f"layers.{i}.attn.out_proj.",
                      f"layers.{i}.attn.bias", f"layers.{i}.layernorm_2.", f"layers.{i}.mlp.in_proj.",
                      f"layers.{i}.mlp.out_proj."]
        order += ["layernorm_final.", "lm_head."]
        for stem in order:
            if stem.endswith("attn.bias"):
                if spec["keep_attn_bias"]:
                    b = spec["block_size"]
                    mask = torch.tril(torch.ones((b, b), dtype=torch.bool)).view(1, 1, b, b)
                    sd["_orig_mod." + hf_to_suno(stem)] = mask
                continue
            for k in [k for k in hf_sd if k.startswith(stem)]:
                sd["_orig_mod." + hf_to_suno(k)] = hf_sd.pop(k).detach().clone().contiguous()
        assert not hf_sd, f"unmapped keys {sorted(hf_sd)}"
        args = dict(causal_args, input_vocab_size=vocab[0], output_vocab_size=vocab[1])
        result[fname] = {"model": sd, "model_args": args, "iter_num": 1000,
                         "best_val_loss": torch.tensor(2.5)}

    f = spec["fine"]
    fine = model.fine_acoustics
    hf_sd = dict(fine.state_dict())  # includes lm_heads even when tied
    sd = {}
    n_heads = f["n_codes_total"] - f["n_codes_given"]
    shared = {}
    for n in range(f["n_codes_total"]):
        t = hf_sd.pop(f"input_embeds_layers.{n}.weight").detach().clone().contiguous()
        shared[n] = t
        sd[f"_orig_mod.transformer.wtes.{n}.weight"] = t
    sd["_orig_mod.transformer.wpe.weight"] = hf_sd.pop("position_embeds_layer.weight").clone()
    for i in range(f["num_layers"]):
        for stem in ("layernorm_1.", "attn.att_proj.", "attn.out_proj.", "layernorm_2.", "mlp.in_proj.",
                     "mlp.out_proj."):
            for k in [k for k in hf_sd if k.startswith(f"layers.{i}.{stem}")]:
                sd["_orig_mod." + hf_to_suno(k)] = hf_sd.pop(k).detach().clone().contiguous()
    for k in [k for k in hf_sd if k.startswith("layernorm_final.")]:
        sd["_orig_mod." + hf_to_suno(k)] = hf_sd.pop(k).detach().clone().contiguous()
    for i in range(n_heads):
        w = hf_sd.pop(f"lm_heads.{i}.weight")
        # Suno ties lm_heads[i] to wtes[i+1]: when tied, store the very same tensor (one storage in the zip,
        # as torch.save writes a tied model); when untied, its own values.
        sd[f"_orig_mod.lm_heads.{i}.weight"] = shared[i + 1] if f["tied"] else w.detach().clone().contiguous()
    assert not hf_sd, f"unmapped fine keys {sorted(hf_sd)}"
    fargs = dict(n_layer=f["num_layers"], n_head=f["num_heads"], n_embd=f["hidden_size"],
                 block_size=spec["block_size"], bias=spec["bias"], dropout=0.0,
                 input_vocab_size=f["vocab"][0], output_vocab_size=f["vocab"][1],
                 n_codes_total=f["n_codes_total"], n_codes_given=f["n_codes_given"])
    result["fine.pt"] = {"model": sd, "model_args": fargs, "iter_num": 1000, "best_val_loss": torch.tensor(2.5)}
    return result


@torch.no_grad()
def verify_suno(ckpts, config, refs, spec):
    """Load the Suno files back through the forward (convert_suno_to_hf-style) mapping into a fresh model."""
    fresh = BarkModel(config).eval()
    for fname, sub in (("text.pt", fresh.semantic), ("coarse.pt", fresh.coarse_acoustics),
                       ("fine.pt", fresh.fine_acoustics)):
        ck = ckpts[fname]
        sd = {suno_to_hf(k): v for k, v in ck["model"].items()}
        for k, v in sd.items():
            if k.endswith("attn.bias"):
                assert v.dtype == torch.bool and v.shape == (1, 1, spec["block_size"], spec["block_size"])
        sd = {k: v for k, v in sd.items() if not k.endswith("attn.bias")}
        missing, unexpected = sub.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.endswith("attn.bias")]
        assert not missing and not unexpected, (fname, missing, unexpected)
    verify_against(fresh, refs, spec, "suno/*.pt")


# ---------------------------------------------------------------------------------------------
def make_fixture(name, spec, out_root):
    print(f"== {name}")
    torch.manual_seed(spec["seed"])
    np.random.seed(spec["seed"])
    gen = torch.Generator().manual_seed(spec["seed"])

    config = build_config(spec)
    model = BarkModel(config)
    randomise(model, gen)
    model.eval()
    check_embeddings_tied(model, spec)

    out_dir = os.path.join(out_root, name)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    ref_dir = os.path.join(out_dir, "reference")
    os.makedirs(ref_dir)

    # --- Hugging Face directory -----------------------------------------------------------------
    save_kwargs = {}
    if not spec["keep_attn_bias"]:
        sd = {k: v for k, v in model.state_dict().items() if not k.endswith(".attn.bias")}
        save_kwargs["state_dict"] = sd
    model.save_pretrained(out_dir, **save_kwargs)

    st_path = os.path.join(out_dir, "model.safetensors")
    st = load_file(st_path)
    # pytorch_model.bin: exactly the key set (and values) save_pretrained put in model.safetensors.
    torch.save({k: st[k] for k in st}, os.path.join(out_dir, "pytorch_model.bin"))
    bin_sd = torch.load(os.path.join(out_dir, "pytorch_model.bin"), weights_only=True)
    assert set(bin_sd) == set(st), "pytorch_model.bin and model.safetensors key sets differ"
    assert all(torch.equal(bin_sd[k], st[k]) for k in st)
    lm_heads_in_file = sorted(k for k in st if ".lm_heads." in k)
    attn_bias_in_file = sorted(k for k in st if k.endswith("attn.bias"))
    print(f"    model.safetensors: {len(st)} tensors; fine lm_heads in file: {len(lm_heads_in_file)}; "
          f"attn.bias in file: {len(attn_bias_in_file)}")
    if spec["fine"]["tied"]:
        assert not lm_heads_in_file
    else:
        assert len(lm_heads_in_file) == spec["fine"]["n_codes_total"] - spec["fine"]["n_codes_given"]
    assert bool(attn_bias_in_file) == spec["keep_attn_bias"]

    # --- reference outputs ----------------------------------------------------------------------
    refs = {
        "semantic": causal_reference(model.semantic, "semantic", spec["semantic_vocab"][0],
                                     spec["causal"]["hidden_size"], gen, ref_dir),
        "coarse": causal_reference(model.coarse_acoustics, "coarse", spec["coarse_vocab"][0],
                                   spec["causal"]["hidden_size"], gen, ref_dir),
        "fine": fine_reference(model.fine_acoustics, spec, gen, ref_dir),
    }

    # --- Suno original checkpoints --------------------------------------------------------------
    suno_dir = os.path.join(out_dir, "suno")
    os.makedirs(suno_dir)
    ckpts = suno_checkpoints(model, spec)
    for fname, ck in ckpts.items():
        torch.save(ck, os.path.join(suno_dir, fname))
    reloaded = {f: torch.load(os.path.join(suno_dir, f), weights_only=True) for f in ckpts}
    verify_suno(reloaded, config, refs, spec)

    # --- reload the HF directory both ways and compare --------------------------------------------
    with tempfile.TemporaryDirectory() as tmp:
        for fn in ("config.json", "generation_config.json"):
            shutil.copy(os.path.join(out_dir, fn), tmp)
        shutil.copy(os.path.join(out_dir, "pytorch_model.bin"), tmp)
        m_bin = BarkModel.from_pretrained(tmp)
        verify_against(m_bin, refs, spec, "pytorch_model.bin")
    m_st = BarkModel.from_pretrained(out_dir)
    verify_against(m_st, refs, spec, "model.safetensors")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixtures root (default: Tests/Fixtures)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()

    for name, spec in FIXTURES.items():
        make_fixture(name, spec, args.out)

    versions = os.path.join(args.out, "VERSIONS-bark.txt")
    with open(versions, "w") as fh:
        fh.write("# Written by scripts/make_bark_fixtures.py\n")
        fh.write(f"python: {platform.python_version()}\n")
        fh.write(f"torch: {torch.__version__}\n")
        fh.write(f"transformers: {transformers.__version__}\n")
        fh.write(f"safetensors: {safetensors.__version__}\n")
        fh.write(f"numpy: {np.__version__}\n")
        for name, spec in FIXTURES.items():
            fh.write(f"seed {name}: {spec['seed']} (torch.manual_seed, numpy.random.seed, torch.Generator)\n")
        fh.write("torch threads: 1; deterministic algorithms: on; device: cpu; dtype: float32\n")
        fh.write("command: venv-ref/bin/python scripts/make_bark_fixtures.py"
                 + ("" if len(sys.argv) == 1 else " " + " ".join(sys.argv[1:])) + "\n")
    print(f"wrote {versions}")


if __name__ == "__main__":
    main()
