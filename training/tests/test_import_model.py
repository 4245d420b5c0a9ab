"""Importing the shipped model back into training checkpoints: every stage loads into the training code's
own modules with the exported values. Run from training/: python -m unittest discover tests"""

import io
import os
import tempfile
import unittest
from contextlib import redirect_stdout

import torch
from safetensors import safe_open

from omnitiny import codec_model, gpt_train, import_model

MODEL = os.path.join(os.path.dirname(__file__), "..", "..", "models", "omnibark-tiny")


class ImportModelTests(unittest.TestCase):
    def test_every_stage_loads_with_the_exported_values(self):
        with tempfile.TemporaryDirectory() as runs, redirect_stdout(io.StringIO()):
            import_model.main(["--model", MODEL, "--runs", runs])
            with open(os.path.join(MODEL, "vocab.txt"), encoding="utf-8") as fh:
                vocab = sum(1 for _ in fh)
            with safe_open(os.path.join(MODEL, "model.safetensors"), "pt") as shipped:
                for stage, prefix in (("semantic", "semantic."), ("coarse", "coarse_acoustics."), ("fine", "fine_acoustics.")):
                    state = torch.load(os.path.join(runs, stage, f"{stage}.pt"), weights_only=False)
                    module = gpt_train.build(stage, vocab)
                    module.load_state_dict(state["model"])            # strict: every tensor, no extra one
                    stored = [k for k in state["model"] if prefix + k in shipped.keys()]   # tied heads are stored once
                    self.assertGreater(len(stored), len(state["model"]) // 2)
                    for name in stored:
                        torch.testing.assert_close(state["model"][name], shipped.get_tensor(prefix + name).float())
                        self.assertEqual(state["model"][name].dtype, torch.float32)
                codec = torch.load(os.path.join(runs, "codec", "codec.pt"), weights_only=False)
                self.assertEqual(codec["latent"], "mel")
                codec_model.build().load_state_dict(codec["model"])
                encoder = torch.load(os.path.join(runs, "codec", "encoder.pt"), weights_only=False)
                self.assertEqual(set(encoder["encoder"]), {k[len("encoder."):] for k in codec["model"] if k.startswith("encoder.")})

    def test_a_directory_without_a_model_is_refused_by_name(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(SystemExit) as caught:
                import_model.main(["--model", d, "--runs", os.path.join(d, "runs")])
            self.assertIn("no config.json", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
