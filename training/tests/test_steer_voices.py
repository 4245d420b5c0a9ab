"""steer_voices: other voices join the steering corpus with their own units; the teacher's rows stay.
Run from training/: python -m unittest discover tests"""

import json
import os
import tempfile
import unittest

from omnitiny import steer_voices


def write_jsonl(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)


def read_jsonl(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh]


class SteerVoicesTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.steer = os.path.join(d, "data", "steer", "manifest.jsonl")
        write_jsonl(self.steer, [dict(id="t0", rate="normal", audio="../speech/t0.wav", text="a b", split="train", units=[1, 2]),
                                 dict(id="t0", rate="slow", audio="slow/t0.wav", text="a b", split="train", units=[1, 1, 2])])
        self.corpus = os.path.join(d, "data", "manifest-voices.jsonl")
        write_jsonl(self.corpus, [
            dict(id="t0", audio="speech/t0.wav", text="a b", kind="speech", voice="espeak:en-us", split="train"),
            dict(id="f0", audio="voices/speech/f0.wav", text="a b", kind="speech", voice="espeak:en-us+f3", split="train", seconds=1.5),
            dict(id="w0", audio="voices/speech/w0.wav", text="c", kind="speech", voice="espeak:en-us+whisper", split="heldout"),
            dict(id="k0", audio="foley/k0.wav", text="[knock]", kind="foley", voice=None, split="train")])
        self.units = os.path.join(d, "units")
        write_jsonl(os.path.join(self.units, "units.jsonl"), [dict(id="t0", units=[9]), dict(id="f0", units=[7, 8]),
                                                              dict(id="w0", units=[5]), dict(id="k0", units=[3])])
        self.out = os.path.join(d, "data", "steer-voices", "manifest.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def test_other_voices_are_added_with_their_units_and_paths_follow_the_output(self):
        counts = steer_voices.build(self.steer, [(self.corpus, self.units)], self.out)
        self.assertEqual(counts, {"espeak:en-us+f3": {"train": 1}, "espeak:en-us+whisper": {"heldout": 1}})
        rows = read_jsonl(self.out)
        self.assertEqual([(r["id"], r["rate"], r.get("voice")) for r in rows],
                         [("t0", "normal", None), ("t0", "slow", None), ("f0", "normal", "espeak:en-us+f3"),
                          ("w0", "normal", "espeak:en-us+whisper")])
        self.assertEqual(rows[0]["units"], [1, 2])  # the teacher's steering units, not the voices run's
        self.assertEqual(rows[2]["units"], [7, 8])
        out_dir = os.path.dirname(self.out)
        self.assertEqual(os.path.normpath(os.path.join(out_dir, rows[0]["audio"])),
                         os.path.join(self.tmp.name, "data", "speech", "t0.wav"))
        self.assertEqual(os.path.normpath(os.path.join(out_dir, rows[2]["audio"])),
                         os.path.join(self.tmp.name, "data", "voices", "speech", "f0.wav"))

    def test_running_again_on_its_output_replaces_the_voice_rows(self):
        steer_voices.build(self.steer, [(self.corpus, self.units)], self.out)
        again = os.path.join(self.tmp.name, "again", "manifest.jsonl")
        steer_voices.build(self.out, [(self.corpus, self.units)], again)
        self.assertEqual(len(read_jsonl(again)), 4)

    def test_same_sentences_keeps_the_teachers_normal_rows_of_the_voices_texts(self):
        with open(self.steer, "a") as fh:
            fh.write(json.dumps(dict(id="t1", rate="normal", audio="../speech/t1.wav", text="other", split="train", units=[4])) + "\n")
        counts = steer_voices.build(self.steer, [(self.corpus, self.units)], self.out, same_sentences=True)
        self.assertEqual(counts["espeak:en-us"], {"train": 1})
        self.assertEqual([(r["id"], r["rate"], r.get("voice")) for r in read_jsonl(self.out)],
                         [("t0", "normal", None), ("f0", "normal", "espeak:en-us+f3"), ("w0", "normal", "espeak:en-us+whisper")])

    def test_missing_units_name_the_item(self):
        write_jsonl(os.path.join(self.units, "units.jsonl"), [dict(id="f0", units=[7])])
        with self.assertRaises(steer_voices.SteerVoicesError) as caught:
            steer_voices.build(self.steer, [(self.corpus, self.units)], self.out)
        self.assertIn("w0", str(caught.exception))
        self.assertFalse(os.path.exists(self.out))

    def test_a_corpus_of_the_teacher_alone_is_refused(self):
        write_jsonl(self.corpus, [dict(id="t0", audio="speech/t0.wav", text="a b", kind="speech", voice="espeak:en-us", split="train")])
        with self.assertRaises(steer_voices.SteerVoicesError) as caught:
            steer_voices.build(self.steer, [(self.corpus, self.units)], self.out)
        self.assertIn("corpus --voices", str(caught.exception))

    def test_bad_json_is_named_by_line(self):
        with open(self.corpus, "a") as fh:
            fh.write("{oops\n")
        with self.assertRaises(steer_voices.SteerVoicesError) as caught:
            steer_voices.build(self.steer, [(self.corpus, self.units)], self.out)
        self.assertIn("manifest-voices.jsonl:5", str(caught.exception))

    def test_cli_needs_one_units_per_corpus(self):
        with self.assertRaises(SystemExit) as caught:
            steer_voices.main(["--steer", self.steer, "--corpus", self.corpus, "--corpus", self.corpus,
                               "--units", self.units, "--out", self.out])
        self.assertIn("one --units per --corpus", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
