"""Semantic units: `--reuse` keeps an earlier run's unit vocabulary for a grown corpus.
Run from training/: python -m unittest discover tests"""

import json
import os
import tempfile
import unittest

import numpy as np

import torch

from omnitiny import units, units_align
from omnitiny.audio import SAMPLE_RATE, write_wav


def corpus(directory, n):
    """n chirps of different lengths, with a manifest (one held out)."""
    rows = []
    for i in range(n):
        t = np.arange(int(SAMPLE_RATE * (0.5 + 0.1 * i))) / SAMPLE_RATE
        write_wav(os.path.join(directory, f"{i}.wav"), 0.3 * np.sin(2 * np.pi * (200 + 300 * i) * t * (1 + t)))
        rows.append(dict(id=f"u{i}", audio=f"{i}.wav", text="x", kind="speech", split="heldout" if i == 0 else "train"))
    path = os.path.join(directory, "manifest.jsonl")
    with open(path, "w") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in rows))
    return path


def read_units(directory):
    with open(os.path.join(directory, "units.jsonl")) as fh:
        return {row["id"]: row["units"] for row in map(json.loads, fh)}


class ReuseTests(unittest.TestCase):
    def test_grown_corpus_keeps_centroids_and_earlier_units(self):
        with tempfile.TemporaryDirectory() as tmp:
            small = corpus(tmp, 4)
            units.main(["--manifest", small, "--out", os.path.join(tmp, "a"), "--clusters", "8", "--iterations", "3"])
            before = read_units(os.path.join(tmp, "a"))
            grown = corpus(tmp, 7)
            units.main(["--manifest", grown, "--out", os.path.join(tmp, "b"), "--reuse", os.path.join(tmp, "a")])
            after = read_units(os.path.join(tmp, "b"))
            self.assertEqual(len(after), 7)
            for key, value in before.items():
                self.assertEqual(after[key], value)
            self.assertTrue(np.array_equal(np.load(os.path.join(tmp, "a", "centroids.npy")),
                                           np.load(os.path.join(tmp, "b", "centroids.npy"))))

    def test_reuse_of_a_missing_directory_names_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            small = corpus(tmp, 2)
            with self.assertRaises(SystemExit) as caught:
                units.main(["--manifest", small, "--out", os.path.join(tmp, "b"), "--reuse", os.path.join(tmp, "nowhere")])
            self.assertIn("nowhere", str(caught.exception))

    def test_held_out_only_manifest_takes_units_from_reuse_and_needs_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            units.main(["--manifest", corpus(tmp, 4), "--out", os.path.join(tmp, "a"), "--clusters", "8", "--iterations", "3"])
            before = read_units(os.path.join(tmp, "a"))
            held = os.path.join(tmp, "held.jsonl")
            with open(os.path.join(tmp, "manifest.jsonl")) as fh, open(held, "w") as out:
                out.writelines(line for line in fh if '"heldout"' in line)
            units.main(["--manifest", held, "--out", os.path.join(tmp, "b"), "--reuse", os.path.join(tmp, "a")])
            self.assertEqual(read_units(os.path.join(tmp, "b")), {"u0": before["u0"]})
            with self.assertRaises(SystemExit) as caught:
                units.main(["--manifest", held, "--out", os.path.join(tmp, "c")])
            self.assertIn("--reuse", str(caught.exception))


class RecordsTests(unittest.TestCase):
    def test_held_out_only_manifest_gives_records_that_are_never_drawn(self):
        from omnitiny import records
        with tempfile.TemporaryDirectory() as tmp:
            units.main(["--manifest", corpus(tmp, 4), "--out", os.path.join(tmp, "a"), "--clusters", "8", "--iterations", "3"])
            held = os.path.join(tmp, "held.jsonl")
            with open(os.path.join(tmp, "manifest.jsonl")) as fh, open(held, "w") as out:
                out.writelines(json.dumps(dict(json.loads(line), voice="espeak:en-us", seconds=0.5)) + "\n"
                               for line in fh if '"heldout"' in line)
            out = os.path.join(tmp, "records.pt")
            records.main(["--manifest", held, "--units", os.path.join(tmp, "a"), "--out", out])
            rows = torch.load(out, weights_only=False)["records"]
            self.assertEqual([(r["id"], r["split"], r["weight"]) for r in rows], [("u0", "heldout", 0.0)])


if __name__ == "__main__":
    unittest.main()


class AlignTests(unittest.TestCase):
    def test_confusion_of_a_permutation_gives_it_back(self):
        rng = np.random.default_rng(0)
        perm = np.arange(12)
        perm[[2, 5, 7]] = [5, 7, 2]
        confusion = rng.integers(0, 3, size=(12, 12))  # noise below the evidence threshold
        for c in range(12):
            confusion[c, perm[c]] += 40 if c != 9 else 0  # id 9: no evidence
        self.assertEqual(units_align.one_to_one(confusion).tolist(), perm.tolist())

    def test_one_to_one_never_gives_two_ids_the_same_number(self):
        confusion = np.zeros((6, 6), dtype=int)
        confusion[0, 3] = confusion[1, 3] = 50  # two rebuilt ids look like the same trained id
        confusion[3, 3] = 10
        perm = units_align.one_to_one(confusion)
        self.assertEqual(sorted(perm.tolist()), list(range(6)))
        self.assertEqual(perm[0], 3)

    def test_reordered_centroids_assign_the_new_ids(self):
        rng = np.random.default_rng(1)
        centroids = rng.standard_normal((8, 4)).astype(np.float32)
        x = torch.from_numpy(rng.standard_normal((50, 4)).astype(np.float32))
        perm = np.array([3, 0, 1, 2, 4, 7, 6, 5])
        before = units.assign_units(x, torch.from_numpy(centroids)).numpy()
        after = units.assign_units(x, torch.from_numpy(units_align.reorder(centroids, perm))).numpy()
        self.assertEqual(after.tolist(), perm[before].tolist())

    def test_refit_moves_centroids_to_the_frames_the_gpt_names_confidently(self):
        rng = np.random.default_rng(2)
        true = np.array([[0, 0], [4, 0], [0, 4], [9, 9]], dtype=np.float32)
        truth, features = [], []
        for _ in range(6):  # six "recordings" of 30 frames from clusters 0-2 (3 never occurs)
            ids = rng.integers(0, 3, size=30)
            truth.append(ids)
            features.append(torch.from_numpy(true[ids] + 0.1 * rng.standard_normal((30, 2)).astype(np.float32)))
        drawn_badly = true + np.array([[1.5, 1.5], [-1.5, 1.0], [1.0, -1.5], [0.5, 0.5]], dtype=np.float32)

        class Judge:
            """Names each frame's true cluster with probability 0.9, and a wrong one, unsure, every 7th frame."""
            def predictions(self, rows):
                out = []
                for ids in truth:
                    guess, prob = ids.copy(), np.full(len(ids), 0.9)
                    guess[::7], prob[::7] = (ids[::7] + 1) % 3, 0.3
                    out.append((guess, prob))
                return out

        rows = [dict(text="x", units=[]) for _ in truth]
        new, moved, frames = units_align.refit(Judge(), rows, features, drawn_badly, confidence=0.5, min_frames=5)
        self.assertEqual(moved, 3)  # id 3 has no frames: it keeps its centroid
        self.assertEqual(frames, sum(len(ids) - len(ids[::7]) for ids in truth))
        np.testing.assert_allclose(new[:3], true[:3], atol=0.05)
        np.testing.assert_array_equal(new[3], drawn_badly[3])
