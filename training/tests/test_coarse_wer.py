"""`coarse_wer.generate_codes`: Bark's sliding-window greedy generation, one frame per pair of tokens.
Run from training/: python -m unittest discover tests"""

import unittest

import numpy as np
import torch

from omnitiny import bark_data, coarse_wer, gpt_train
from omnitiny import layout as L


class GenerateCodesTests(unittest.TestCase):
    def test_frame_count_code_range_and_determinism(self):
        torch.manual_seed(0)
        model = gpt_train.build("coarse", 40).eval()
        units = np.random.default_rng(0).integers(0, L.SEMANTIC_VOCAB, 70)  # 70 units: more than one window
        codes = coarse_wer.generate_codes(model, units)
        frames = bark_data.coarse_length(len(units)) // L.N_COARSE
        self.assertEqual(codes.shape, (L.N_COARSE, frames))
        self.assertGreater(frames * L.N_COARSE, L.COARSE_WINDOW)
        self.assertTrue(((codes >= 0) & (codes < L.CODEBOOK_SIZE)).all())
        self.assertTrue(np.array_equal(codes, coarse_wer.generate_codes(model, units)))


if __name__ == "__main__":
    unittest.main()
