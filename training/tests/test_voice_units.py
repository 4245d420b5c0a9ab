"""voice_units: the voice list is checked by name, the classifier hears timbre (a spectral tilt) and not
loudness or words, and the classifier's training sentences never include a measured one.
Run from training/: python -m unittest discover tests"""

import json
import os
import tempfile
import unittest

import numpy as np

from omnitiny import voice_units
from omnitiny.audio import SAMPLE_RATE
from omnitiny.evaluate import EvaluationError


def tilted_noise(seed: int, tilt: float, seconds: float = 1.0, gain: float = 0.1) -> np.ndarray:
    """White noise through a one-pole filter: tilt > 0 darkens it (a lower formant region), < 0 brightens it."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(SAMPLE_RATE * seconds))
    y = np.empty_like(x)
    state = 0.0
    for i, v in enumerate(x):
        state = tilt * state + v
        y[i] = state
    return (gain * y / np.abs(y).max()).astype(np.float32)


class VoiceListTests(unittest.TestCase):
    def test_voices_parse(self):
        self.assertEqual(voice_units.parse_voices("en-us, en-us+f3"), ["en-us", "en-us+f3"])

    def test_bad_voices_are_named(self):
        for text, named in (("en-us", "at least two"), ("en-us,en-us", "at least two"),
                            ("en-us,en us", "'en us'"), ("en-us,", "''")):
            with self.assertRaises(EvaluationError) as caught:
                voice_units.parse_voices(text)
            self.assertIn(named, str(caught.exception))


class ClassifierTests(unittest.TestCase):
    def test_timbre_is_heard_whatever_the_loudness(self):
        examples = {"dark": [voice_units.voice_features(tilted_noise(s, 0.9)) for s in range(4)],
                    "bright": [voice_units.voice_features(tilted_noise(s, -0.9)) for s in range(4)]}
        classifier = voice_units.NearestCentroid(examples)
        for seed in range(10, 14):
            self.assertEqual(classifier.predict(voice_units.voice_features(tilted_noise(seed, 0.9, gain=0.02))), "dark")
            self.assertEqual(classifier.predict(voice_units.voice_features(tilted_noise(seed, -0.9, gain=0.5))), "bright")

    def test_features_ignore_silence_around_the_voice(self):
        voice = tilted_noise(0, 0.9)
        pad = np.zeros(SAMPLE_RATE // 10, np.float32)  # the corpus keeps 0.1 s of quiet at each end
        padded = np.concatenate([pad, voice, pad])
        near = np.abs(voice_units.voice_features(padded) - voice_units.voice_features(voice)).max()
        self.assertLess(near, 0.3)

    def test_one_class_is_refused(self):
        with self.assertRaises(ValueError):
            voice_units.NearestCentroid({"only": [np.zeros(4)]})
        with self.assertRaises(ValueError):
            voice_units.NearestCentroid({"a": [np.zeros(4)], "b": []})


class TrainingSentenceTests(unittest.TestCase):
    def write_manifest(self, directory, items):
        path = os.path.join(directory, "manifest.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            for item in items:
                fh.write(json.dumps(item) + "\n")
        return path

    def test_measured_sentences_and_other_kinds_are_left_out(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write_manifest(tmp, [dict(item, audio=f"speech/{n}.wav") for n, item in enumerate([
                dict(split="train", kind="speech", text="held out"),
                dict(split="train", kind="foley", text="[knock]"),
                dict(split="heldout", kind="speech", text="another"),
                dict(split="train", kind="speech", text="first"),
                dict(split="train", kind="speech", text="first"),
                dict(split="train", kind="speech", text="second")])])
            self.assertEqual(voice_units.training_sentences(path, 2, {"held out"}), ["first", "second"])
            with self.assertRaises(EvaluationError) as caught:
                voice_units.training_sentences(path, 3, {"held out"})
            self.assertIn("fewer than --train-sentences 3", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
