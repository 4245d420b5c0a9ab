"""Training examples (`bark_data`): input noise corrupts only the utterance's own inputs, keeps each
token in its own range and never touches the targets. Run from training/: python -m unittest discover tests"""

import unittest

import numpy as np

from omnitiny import bark_data
from omnitiny import layout as L


def record(frames=150, seed=0):
    rng = np.random.default_rng(seed)
    n_units = int(frames / 1.5)
    return dict(id="r", split="train", kind="speech", voice="v", text="a b", text_ids=[3, 4, 5],
                units=rng.integers(0, L.SEMANTIC_VOCAB, n_units), codes=rng.integers(0, L.CODEBOOK_SIZE, (4, frames)),
                weight=1.0)


def makers(noise):
    rec = record()
    clean = bark_data.ExampleMaker([rec], 40, 0, history_probability=0.0)
    noisy = bark_data.ExampleMaker([rec], 40, 0, history_probability=0.0, input_noise=noise)
    return rec, clean, noisy


class InputNoiseTests(unittest.TestCase):
    def test_coarse_noise_keeps_targets_context_and_codebooks(self):
        rec, clean, noisy = makers(0.5)
        for seed in range(5):  # different windows
            clean.rng.seed(seed)
            noisy.rng.seed(seed)
            ids, targets = clean.coarse(rec)
            nids, ntargets = noisy.coarse(rec)
            self.assertEqual(targets, ntargets)
            self.assertEqual(len(ids), len(nids))
            # The semantic context and the infer token are never corrupted.
            self.assertEqual(ids[:L.COARSE_INPUT + 1], nids[:L.COARSE_INPUT + 1])
            changed = [i for i, (a, b) in enumerate(zip(ids, nids)) if a != b]
            self.assertGreater(len(changed), 0)
            for i in changed:
                book = (ids[i] - L.SEMANTIC_VOCAB) // L.CODEBOOK_SIZE
                self.assertEqual((nids[i] - L.SEMANTIC_VOCAB) // L.CODEBOOK_SIZE, book)
                self.assertGreaterEqual(nids[i], L.SEMANTIC_VOCAB)

    def test_semantic_noise_changes_inputs_not_targets(self):
        rec, clean, noisy = makers(0.3)
        clean.rng.seed(1)
        noisy.rng.seed(1)
        text, history, units, targets = clean.semantic(rec)
        ntext, nhistory, nunits, ntargets = noisy.semantic(rec)
        self.assertEqual((text, history, targets), (ntext, nhistory, ntargets))
        self.assertEqual(units, targets[:-1])
        changed = sum(a != b for a, b in zip(units, nunits))
        self.assertGreater(changed, len(units) * 0.1)
        self.assertLess(changed, len(units) * 0.5)
        self.assertTrue(all(0 <= u < L.SEMANTIC_VOCAB for u in nunits))

    def test_no_noise_by_default(self):
        rec, clean, _ = makers(0.0)
        clean.rng.seed(2)
        text, history, units, targets = clean.semantic(rec)
        self.assertEqual(units, list(rec["units"]))


if __name__ == "__main__":
    unittest.main()
