"""The pitch tracker, the harmonic loss and the codec-pitch tool's argument checks (no model needed).
Run from training/: python -m unittest discover tests"""

import math
import unittest

import numpy as np
import torch

from omnitiny import pitch
from omnitiny.codec_pitch import parse_voices, summary
from omnitiny.codec_train import HarmonicLoss
from omnitiny.evaluate import EvaluationError

RATE = 24_000


def buzz(f0: float, seconds: float = 1.0, harmonics: int = 8) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return 0.1 * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1))


class PitchTrackerTests(unittest.TestCase):
    def test_finds_the_pitch_of_a_harmonic_tone(self):
        for f0 in (70.0, 103.0, 150.0, 215.0, 350.0):
            self.assertAlmostEqual(pitch.median_f0(buzz(f0)), f0, delta=f0 * 0.005, msg=f"{f0} Hz")

    def test_a_falling_tone_is_followed_frame_by_frame(self):
        t = np.arange(RATE) / RATE
        f = 200.0 - 80.0 * t                                   # 200 Hz down to 120 Hz over a second
        x = 0.1 * sum(np.sin(2 * np.pi * k * np.cumsum(f) / RATE) / k for k in range(1, 6))
        f0 = pitch.frame_f0(x)
        voiced = f0[~np.isnan(f0)]
        self.assertGreater(len(voiced), 40)
        self.assertGreater(voiced[0], 185)
        self.assertLess(voiced[-1], 135)
        self.assertTrue(np.all(np.diff(voiced) < 1.0))          # never rises

    def test_noise_and_silence_are_unvoiced(self):
        rng = np.random.default_rng(0)
        self.assertTrue(math.isnan(pitch.median_f0(0.1 * rng.standard_normal(RATE))))
        self.assertTrue(math.isnan(pitch.median_f0(np.zeros(RATE))))
        self.assertTrue(math.isnan(pitch.median_f0(np.zeros(100))))   # shorter than one frame

    def test_quiet_frames_beside_a_loud_tone_are_not_judged(self):
        x = np.concatenate([buzz(110.0, 0.5), 1e-4 * buzz(300.0, 0.5)])
        self.assertAlmostEqual(pitch.median_f0(x), 110.0, delta=1.0)

    def test_semitones(self):
        self.assertAlmostEqual(pitch.semitones(220.0, 110.0), 12.0)
        self.assertAlmostEqual(pitch.semitones(100.0, 100.0), 0.0)
        self.assertLess(pitch.semitones(75.0, 100.0), -4.9)


class HarmonicLossTests(unittest.TestCase):
    def test_prefers_harmonics_at_the_inputs_pitch(self):
        loss = HarmonicLoss()
        x = torch.from_numpy(buzz(103.0)).float()[None]
        same = loss(x, torch.from_numpy(buzz(103.0) * 0.9).float()[None])
        comb = loss(x, torch.from_numpy(buzz(75.0)).float()[None])
        self.assertLess(same.item(), 0.2)
        self.assertGreater(comb.item(), 5 * same.item())

    def test_ignores_what_lies_above_its_band(self):
        loss = HarmonicLoss(max_hz=2000.0)
        t = torch.arange(RATE) / RATE
        low = torch.from_numpy(buzz(200.0)).float()[None]          # harmonics up to 1.6 kHz
        high = low + 0.1 * torch.sin(2 * math.pi * 6000 * t)[None]
        moved = torch.from_numpy(buzz(230.0)).float()[None]
        self.assertLess(loss(low, high).item(), 0.05 * loss(low, moved).item())


class CodecPitchArgumentTests(unittest.TestCase):
    def test_voices(self):
        self.assertEqual(parse_voices("en-us@20, en-us+f3@50"), [("en-us", 20), ("en-us+f3", 50)])
        for bad in ("en-us", "en-us@", "@50", "en-us@100", "en-us@x"):
            with self.assertRaises(EvaluationError) as caught:
                parse_voices(bad)
            self.assertIn(f"'{bad}'", str(caught.exception))

    def test_summary_measures_each_row_against_the_recording(self):
        rows = [{"f0": {"recording": 100.0, "mel 4 codebooks": 75.0}},
                {"f0": {"recording": 200.0, "mel 4 codebooks": 200.0}},
                {"f0": {"recording": 150.0, "mel 4 codebooks": float("nan")}}]
        s = summary(rows)
        self.assertEqual(s["recording"]["median_f0_hz"], 150.0)
        self.assertAlmostEqual(s["mel 4 codebooks"]["median_f0_hz"], 137.5)
        self.assertAlmostEqual(s["mel 4 codebooks"]["median_semitones_off"], (0 + 12 * math.log2(100 / 75)) / 2)


if __name__ == "__main__":
    unittest.main()
