"""Averaging two adapter files: values mixed tensor by tensor, the layout checked first.
Run from training/: python -m unittest discover tests"""

import os
import tempfile
import unittest

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from omnitiny import adapter_average


class AdapterAverageTests(unittest.TestCase):
    def write(self, directory, name, tensors, metadata):
        path = os.path.join(directory, name)
        save_file(tensors, path, metadata=metadata)
        return path

    def test_mixes_values_and_keeps_the_header(self):
        meta = {"format": "6", "omnibark_adapters": '{"clock_holds": []}'}
        with tempfile.TemporaryDirectory() as d:
            a = self.write(d, "a.safetensors", {"g": torch.tensor([1.0, -2.0]), "w": torch.zeros(2, 3)}, meta)
            b = self.write(d, "b.safetensors", {"g": torch.tensor([3.0, 2.0]), "w": torch.ones(2, 3)}, meta)
            out = os.path.join(d, "sub", "mix.safetensors")
            adapter_average.main(["--a", a, "--b", b, "--weight", "0.25", "--out", out])
            with safe_open(out, "pt") as f:
                self.assertEqual(f.metadata(), meta)
                torch.testing.assert_close(f.get_tensor("g"), torch.tensor([1.5, -1.0]))
                torch.testing.assert_close(f.get_tensor("w"), torch.full((2, 3), 0.25))
            self.assertFalse(os.path.exists(out + ".partial"))

    def test_refuses_files_of_different_layouts(self):
        with tempfile.TemporaryDirectory() as d:
            a = self.write(d, "a.safetensors", {"g": torch.zeros(2)}, {"format": "6"})
            cases = {
                "header metadata differs in ['format']": ({"g": torch.zeros(2)}, {"format": "5"}),
                "tensor names differ: ['h']": ({"g": torch.zeros(2), "h": torch.zeros(1)}, {"format": "6"}),
                "tensor g: (2,)": ({"g": torch.zeros(3)}, {"format": "6"}),
            }
            for expected, (tensors, meta) in cases.items():
                b = self.write(d, "b.safetensors", tensors, meta)
                with self.assertRaises(adapter_average.LayoutMismatch) as caught:
                    adapter_average.average(a, b, 0.5)
                self.assertIn(expected, str(caught.exception))
            with self.assertRaises(ValueError):
                adapter_average.average(a, a, 1.5)


if __name__ == "__main__":
    unittest.main()
