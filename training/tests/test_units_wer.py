"""The acoustic-ceiling tool's row selection and its argument checks (no model needed).
Run from training/: python -m unittest discover tests"""

import io
import json
import os
import tempfile
import unittest
from contextlib import redirect_stderr

from omnitiny import units_wer


def row(sid, kind, split="heldout"):
    return {"id": sid, "rate": kind, "split": split, "text": "a b", "audio": f"{kind}/{sid}.wav", "units": [1, 2]}


class UnitsWerTests(unittest.TestCase):
    def manifest(self, directory, rows):
        path = os.path.join(directory, "manifest.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
        return path

    def test_keeps_held_out_sentences_with_every_kind_in_order(self):
        rows = [row("h2", "normal"), row("h2", "sfx"), row("h1", "normal"), row("h1", "sfx"),
                row("h3", "normal"), row("t1", "normal", "train"), row("t1", "sfx", "train")]
        with tempfile.TemporaryDirectory() as d:
            ids, held = units_wer.held_out_rows(self.manifest(d, rows), ["normal", "sfx"], 10)
            self.assertEqual(ids, ["h1", "h2"])                     # h3 lacks an sfx row; t1 is training data
            self.assertEqual(held["h2"]["sfx"]["audio"], "sfx/h2.wav")
            self.assertEqual(units_wer.held_out_rows(self.manifest(d, rows), ["normal"], 2)[0], ["h1", "h2"])

    def test_an_unknown_kind_or_a_manifest_without_rows_is_refused_by_name(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.manifest(d, [row("h1", "normal")])
            for extra, words in ((["--kinds", "normal,whisper"], "each kind must be one of"),
                                 (["--columns", "units,pitch"], "each column must be one of"),
                                 (["--kinds", "sfx"], "no held-out sentence")):
                with self.assertRaises(SystemExit) as caught, redirect_stderr(io.StringIO()):
                    units_wer.main(["--model", d, "--steer", path, "--out", d] + extra)
                self.assertIn(words, str(caught.exception))


    def test_placed_asks_each_event_kind_for_its_own_sound(self):
        import numpy as np
        from omnitiny import steer_corpus
        from omnitiny.audio import SAMPLE_RATE
        tone = lambda s: (0.3 * np.sin(2 * np.pi * 200 * np.arange(int(s * SAMPLE_RATE)) / SAMPLE_RATE)).astype(np.float32)
        quiet = lambda s: np.zeros(int(s * SAMPLE_RATE), dtype=np.float32)
        roll = np.concatenate([tone(1.0), quiet(0.1), steer_corpus.drum_roll(1), quiet(0.1), tone(0.8)])
        knock = np.concatenate([tone(1.0), quiet(0.1), steer_corpus.knock(1), tone(0.8)])
        self.assertTrue(units_wer.placed("drum", {"sfx": 1.1}, roll))
        self.assertFalse(units_wer.placed("sfx", {"sfx": 1.1}, roll))
        self.assertTrue(units_wer.placed("sfx", {"sfx": 1.1}, knock))
        self.assertFalse(units_wer.placed("drum", {"sfx": 1.1}, knock))
        self.assertTrue(units_wer.placed("pause", {"beat": 1.0}, np.concatenate([tone(1.0), quiet(0.4), tone(0.8)])))
        self.assertEqual(units_wer.DEFAULT_KINDS, ("normal", "slow", "fast", "pause", "sfx"))


if __name__ == "__main__":
    unittest.main()
