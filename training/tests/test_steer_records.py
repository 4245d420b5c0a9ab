"""How steer_records weighs the rows it adds: `--share` of the sampling mass in all, spread by `--rate-weights`.
Run from training/: python -m unittest discover tests"""

import unittest

from omnitiny import steer_records


class SteerRecordsWeightTest(unittest.TestCase):
    def test_a_kind_weighted_three_times_gets_three_times_the_mass_of_each_other_row(self):
        base = [dict(id="a", weight=0.25), dict(id="b", weight=0.75)]
        added = [dict(id=f"s{i}-{rate}", weight=0.0) for i, rate in enumerate(["slow", "fast", "drum", "drum"])]
        steer_records.assign_weights(base, added, 0.5, steer_records.parse_rate_weights("drum=3"))
        self.assertEqual([r["weight"] for r in base], [0.125, 0.375])
        self.assertEqual([r["weight"] for r in added], [0.0625, 0.0625, 0.1875, 0.1875])
        self.assertAlmostEqual(sum(r["weight"] for r in base + added), 1.0)

    def test_without_rate_weights_every_added_row_weighs_the_same(self):
        added = [dict(id=f"s{i}-{rate}", weight=0.0) for i, rate in enumerate(["slow", "pause"])]
        steer_records.assign_weights([], added, 0.4, steer_records.parse_rate_weights(""))
        self.assertEqual([r["weight"] for r in added], [0.2, 0.2])

    def test_a_bad_entry_is_refused_by_name(self):
        for text in ["drum", "drum=0", "drum=x", "=2"]:
            with self.assertRaises(SystemExit) as refused:
                steer_records.parse_rate_weights(text)
            self.assertIn(repr(text.strip()), str(refused.exception.code))


if __name__ == "__main__":
    unittest.main()
