"""coarse_ce groups a steer_records file's held-out rows by kind: the base corpus's rows are `normal`, an added
row's kind is its id's suffix. Run from training/: python -m unittest discover tests"""

import unittest

from omnitiny import coarse_ce


class CoarseCrossEntropyGroupingTest(unittest.TestCase):
    def test_held_out_rows_are_grouped_by_kind_in_units_wer_order(self):
        rows = [dict(id="heldout-espeak-en-us-00003", split="heldout"),
                dict(id="heldout-espeak-en-us-00003-drum", split="heldout"),
                dict(id="heldout-espeak-en-us-00003-slow", split="heldout"),
                dict(id="train-espeak-en-us-00001-slow", split="train")]
        groups = coarse_ce.held_out_by_kind(rows)
        self.assertEqual(list(groups), ["normal", "slow", "drum"])
        self.assertEqual([r["id"] for r in groups["slow"]], ["heldout-espeak-en-us-00003-slow"])

    def test_held_out_rows_are_grouped_by_voice_in_order_of_appearance(self):
        rows = [dict(id="a", split="heldout", voice="espeak:en-us+f3"), dict(id="b", split="train", voice="espeak:en-us"),
                dict(id="c", split="heldout", voice="espeak:en-us"), dict(id="d", split="heldout", voice="espeak:en-us+f3"),
                dict(id="e", split="heldout", voice=None)]
        groups = coarse_ce.held_out_by_voice(rows)
        self.assertEqual({v: [r["id"] for r in g] for v, g in groups.items()},
                         {"espeak:en-us+f3": ["a", "d"], "espeak:en-us": ["c"], "none": ["e"]})
        self.assertEqual(list(groups), ["espeak:en-us+f3", "espeak:en-us", "none"])


if __name__ == "__main__":
    unittest.main()
