"""speaker_eval: the voices of a steering manifest and the conditions measured for them.
Run from training/: python -m unittest discover tests"""

import json
import os
import tempfile
import unittest

from omnitiny import speaker_eval
from omnitiny.evaluate import EvaluationError


def write_rows(path, rows):
    with open(path, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)


class SpeakerEvalTests(unittest.TestCase):
    def test_voices_are_the_normal_rows_the_teacher_first_in_the_table(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.jsonl")
            write_rows(path, [dict(id="a", rate="normal", split="train"), dict(id="a", rate="slow", split="train"),
                              dict(id="h", rate="normal", split="heldout"),
                              dict(id="w", rate="normal", voice="espeak:en-us+whisper", split="train"),
                              dict(id="hw", rate="normal", voice="espeak:en-us+whisper", split="heldout")])
            voices = speaker_eval.voice_rows(path)
            self.assertEqual({v: {s: [r["id"] for r in rows] for s, rows in splits.items()} for v, splits in voices.items()},
                             {"teacher": {"train": ["a"], "heldout": ["h"]},
                              "espeak:en-us+whisper": {"train": ["w"], "heldout": ["hw"]}})
        table = speaker_eval.condition_table(["teacher", "espeak:en-us+f3", "espeak:en-us+whisper"])
        self.assertEqual([(name, wanted) for name, wanted, _ in table],
                         [("plain", "teacher"), ("reference teacher", "teacher"), ("reference espeak:en-us+f3", "espeak:en-us+f3"),
                          ("reference espeak:en-us+whisper", "espeak:en-us+whisper"), ("style [whisper]", "espeak:en-us+whisper")])
        self.assertNotIn("style [whisper]", [row[0] for row in speaker_eval.condition_table(["teacher", "espeak:en-us+f3"])])

    def test_a_manifest_of_the_teacher_alone_or_a_voice_without_held_out_rows_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.jsonl")
            write_rows(path, [dict(id="a", rate="normal", split="train"), dict(id="h", rate="normal", split="heldout")])
            with self.assertRaises(EvaluationError) as caught:
                speaker_eval.voice_rows(path)
            self.assertIn("steer_voices", str(caught.exception))
            write_rows(path, [dict(id="a", rate="normal", split="train"), dict(id="h", rate="normal", split="heldout"),
                              dict(id="f", rate="normal", voice="espeak:en-us+f3", split="train")])
            with self.assertRaises(EvaluationError) as caught:
                speaker_eval.voice_rows(path)
            self.assertIn("espeak:en-us+f3 has no held-out rows", str(caught.exception))
            with open(path, "a") as fh:
                fh.write("{broken\n")
            with self.assertRaises(EvaluationError) as caught:
                speaker_eval.voice_rows(path)
            self.assertIn("m.jsonl:4", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
