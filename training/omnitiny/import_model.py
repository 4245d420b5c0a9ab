"""Turns an exported model directory (Bark layout, `export`) back into the training checkpoints `export`
reads, so a clone that has only `models/omnibark-tiny` (the runs are not committed) can train on from the
shipped weights and export again:

    python -m omnitiny.import_model --model ../models/omnibark-tiny --runs runs-imported
    python -m omnitiny.gpt_train --stage coarse --data RECORDS --run runs-new/coarse \\
        --init runs-imported/coarse/coarse.pt ...

Writes RUNS/{semantic,coarse,fine}/<stage>.pt (`model`, as `gpt_train` saves it), RUNS/codec/codec.pt
(`model`, `latent` "mel", as `melcodec_train --part decoder` saves it) and RUNS/codec/encoder.pt (`encoder`).
The weights are the exported ones in float32 (the shipped file is float16, so that is their precision);
`step` is 0 and `loss` NaN, and there is no optimizer state: use them with `--init` or `export`, never as
a run to resume (gpt_train would resume a run directory that holds <stage>.pt, so train in another one)."""

import argparse
import math
import os
import sys

import torch

from . import checkpoint


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="an exported model directory (config.json, model.safetensors)")
    p.add_argument("--runs", required=True, help="directory to write the checkpoints into (made if missing)")
    a = p.parse_args(argv)
    if not os.path.isfile(os.path.join(a.model, "config.json")):
        sys.exit(f"import_model: --model {a.model}: no config.json there (an `export` directory is expected)")
    import transformers
    transformers.utils.logging.set_verbosity_error()
    model = transformers.BarkModel.from_pretrained(a.model, torch_dtype=torch.float32)

    def state(module):
        return {k: v.detach().float().clone() for k, v in module.state_dict().items()}
    parts = {"semantic": model.semantic, "coarse": model.coarse_acoustics, "fine": model.fine_acoustics}
    for stage, module in parts.items():
        os.makedirs(os.path.join(a.runs, stage), exist_ok=True)
        checkpoint.save(os.path.join(a.runs, stage, f"{stage}.pt"), model=state(module), step=0, loss=math.nan)
    os.makedirs(os.path.join(a.runs, "codec"), exist_ok=True)
    checkpoint.save(os.path.join(a.runs, "codec", "codec.pt"), model=state(model.codec_model), latent="mel", step=0,
                    mel=math.nan)
    checkpoint.save(os.path.join(a.runs, "codec", "encoder.pt"), encoder=state(model.codec_model.encoder), step=0,
                    loss=math.nan)
    print(f"import_model: {a.model} → {a.runs} (semantic, coarse, fine, codec)")


if __name__ == "__main__":
    main()
