"""Swapping a trained-on decoder into a model file: only the decoder changes, stored in the file's dtype; other
codebooks or another decoder layout are refused by name and leave the file as it was.
Run from training/: python -m unittest discover tests"""

import io
import os
import tempfile
import unittest
from contextlib import redirect_stdout

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from omnitiny import swap_decoder


def model_tensors():
    g = torch.Generator().manual_seed(0)
    return {"codec_model.decoder.layers.0.conv.bias": torch.randn(4, generator=g).half(),
            "codec_model.decoder.layers.1.weight": torch.randn(4, 3, generator=g).half(),
            "codec_model.quantizer.layers.0.codebook.embed": torch.randn(8, 2, generator=g).half(),
            "codec_model.encoder.layers.0.conv.bias": torch.randn(4, generator=g).half(),
            "semantic.lm_head.weight": torch.randn(5, 3, generator=g).half()}


def run_state(tensors, decoder_shift=0.5):
    """A decoder checkpoint as melcodec_train saves it, from `import_model`'s float32 copy of `tensors`."""
    model = {k[len("codec_model."):]: v.float() for k, v in tensors.items() if k.startswith("codec_model.")}
    model["decoder.layers.1.weight"] = model["decoder.layers.1.weight"] + decoder_shift
    model["encoder.layers.0.conv.bias"] = model["encoder.layers.0.conv.bias"] + 9   # ignored: the encoder is not swapped
    return {"model": model, "step": 42, "latent": "mel"}


class SwapDecoderTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.model_file = os.path.join(self.dir.name, "model.safetensors")
        self.ckpt = os.path.join(self.dir.name, "codec.pt")
        self.original = model_tensors()
        save_file(self.original, self.model_file, metadata={"format": "pt"})
        os.chmod(self.model_file, 0o644)

    def tearDown(self):
        self.dir.cleanup()

    def stored(self):
        with safe_open(self.model_file, "pt") as fh:
            return fh.metadata(), {k: fh.get_tensor(k) for k in fh.keys()}

    def test_only_the_decoder_changes_in_the_files_dtype(self):
        torch.save(run_state(self.original), self.ckpt)
        out = io.StringIO()
        with redirect_stdout(out):
            swap_decoder.main(["--model", self.dir.name, "--codec", self.ckpt])
        self.assertIn("1 of 2 decoder tensors changed (step 42); 1 codebook tensors checked equal", out.getvalue())
        metadata, after = self.stored()
        self.assertEqual(metadata, {"format": "pt"})
        self.assertEqual(set(after), set(self.original))
        key = "codec_model.decoder.layers.1.weight"
        self.assertEqual(after[key].dtype, torch.float16)
        self.assertTrue(torch.equal(after[key], (self.original[key].float() + 0.5).half()))
        for k in self.original:
            if k != key:
                self.assertTrue(torch.equal(after[k], self.original[k]), k)
        self.assertFalse(os.path.exists(self.model_file + ".part"))
        self.assertEqual(os.stat(self.model_file).st_mode & 0o777, 0o644)

    def test_other_codebooks_are_refused_and_the_file_is_kept(self):
        state = run_state(self.original)
        state["model"]["quantizer.layers.0.codebook.embed"][0, 0] += 1
        torch.save(state, self.ckpt)
        with self.assertRaises(SystemExit) as refused:
            swap_decoder.main(["--model", self.dir.name, "--codec", self.ckpt])
        self.assertIn("quantizer.layers.0.codebook.embed differs", str(refused.exception.code))
        _, after = self.stored()
        self.assertTrue(all(torch.equal(after[k], self.original[k]) for k in self.original))

    def test_another_decoder_layout_is_refused_by_name(self):
        state = run_state(self.original)
        state["model"]["decoder.layers.2.weight"] = torch.zeros(1)
        torch.save(state, self.ckpt)
        with self.assertRaises(SystemExit) as refused:
            swap_decoder.main(["--model", self.dir.name, "--codec", self.ckpt])
        self.assertIn("unknown ['codec_model.decoder.layers.2.weight']", str(refused.exception.code))
        state = run_state(self.original)
        state["model"]["decoder.layers.1.weight"] = torch.zeros(4, 4)
        torch.save(state, self.ckpt)
        with self.assertRaises(SystemExit) as refused:
            swap_decoder.main(["--model", self.dir.name, "--codec", self.ckpt])
        self.assertIn("decoder.layers.1.weight has shape (4, 4)", str(refused.exception.code))

    def test_a_checkpoint_without_codebooks_is_refused(self):
        state = run_state(self.original)
        del state["model"]["quantizer.layers.0.codebook.embed"]
        torch.save(state, self.ckpt)
        with self.assertRaises(SystemExit) as refused:
            swap_decoder.main(["--model", self.dir.name, "--codec", self.ckpt])
        self.assertIn("no quantizer.* tensors", str(refused.exception.code))

    def test_a_checkpoint_without_a_decoder_is_refused(self):
        torch.save({"encoder": {}, "step": 1}, self.ckpt)
        with self.assertRaises(SystemExit) as refused:
            swap_decoder.main(["--model", self.dir.name, "--codec", self.ckpt])
        self.assertIn("no codec decoder in it", str(refused.exception.code))


if __name__ == "__main__":
    unittest.main()
