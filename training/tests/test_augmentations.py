"""Augmentations of the training pipeline: audio (loudness jitter, room response, time-stretch)
and images (crop, flip, colour jitter). Run from training/: python -m unittest discover tests"""

import math
import unittest

import torch

from omnitiny import audio, image_augment


def gradient_image(h=48, w=64):
    """Red rises left to right, green top to bottom, blue constant: every pixel is distinct."""
    x = torch.linspace(0, 1, w).expand(h, w)
    y = torch.linspace(0, 1, h)[:, None].expand(h, w)
    return torch.stack([x, y, torch.full((h, w), 0.5)])


class ImageAugmentTests(unittest.TestCase):
    def test_pipeline_shape_range_and_reproducibility(self):
        img = gradient_image()
        a = image_augment.augment(img, torch.Generator().manual_seed(3), size=32)
        b = image_augment.augment(img, torch.Generator().manual_seed(3), size=32)
        c = image_augment.augment(img, torch.Generator().manual_seed(4), size=32)
        self.assertEqual(tuple(a.shape), (3, 32, 32))
        self.assertGreaterEqual(float(a.min()), 0.0)
        self.assertLessEqual(float(a.max()), 1.0)
        self.assertTrue(torch.equal(a, b))
        self.assertFalse(torch.equal(a, c))

    def test_flip_mirrors_left_right(self):
        img = gradient_image()
        flipped = image_augment.random_flip(img, torch.Generator().manual_seed(0), p=1.0)
        self.assertTrue(torch.equal(flipped[:, :, 0], img[:, :, -1]))
        same = image_augment.random_flip(img, torch.Generator().manual_seed(0), p=0.0)
        self.assertTrue(torch.equal(same, img))

    def test_crop_takes_a_part_of_the_image(self):
        img = gradient_image()
        crop = image_augment.random_resized_crop(img, torch.Generator().manual_seed(1), 16, scale=(0.3, 0.3))
        # Red spans only part of [0, 1] in a crop of 30 % of the area.
        self.assertLess(float(crop[0].max() - crop[0].min()), 0.9)
        self.assertTrue(torch.allclose(crop[2], torch.full((16, 16), 0.5)))

    def test_hue_rotation_keeps_grey_and_a_full_turn_is_identity(self):
        grey = torch.full((3, 4, 4), 0.4)
        out = image_augment.colour_jitter(grey, torch.Generator().manual_seed(0), 0, 0, 0, hue=0.5)
        self.assertTrue(torch.allclose(out, grey, atol=1e-6))
        img = gradient_image(8, 8) * 0.8 + 0.1
        same = image_augment.colour_jitter(img, torch.Generator().manual_seed(0), 0, 0, 0, hue=0)
        self.assertTrue(torch.allclose(same, img, atol=1e-6))

    def test_rejects_non_rgb(self):
        with self.assertRaisesRegex(ValueError, r"\[3, H, W\].*\(1, 8, 8\)"):
            image_augment.augment(torch.zeros(1, 8, 8), torch.Generator())


class AudioAugmentTests(unittest.TestCase):
    def test_loudness_jitter_stays_within_range_and_full_scale(self):
        x = torch.sin(torch.linspace(0, 200 * math.pi, 24000)).repeat(8, 1) * 0.5
        y = audio.loudness_jitter(x, torch.Generator().manual_seed(0), db=6.0)
        change = audio.rms_db(y) - audio.rms_db(x)
        self.assertTrue(bool((change.abs() <= 6.0 + 1e-4).all()))
        self.assertLessEqual(float(y.abs().max()), 0.99 + 1e-6)

    def test_reverberation_keeps_length_and_rms(self):
        x = torch.randn(2, 12000, generator=torch.Generator().manual_seed(1)) * 0.1
        y = audio.reverberate(x, torch.Generator().manual_seed(2))
        self.assertEqual(y.shape, x.shape)
        self.assertTrue(torch.allclose(audio.rms_db(y), audio.rms_db(x), atol=1e-3))
        self.assertFalse(torch.allclose(y, x))

    def test_time_stretch_changes_duration(self):
        x = torch.sin(torch.linspace(0, 400 * math.pi, 24000))
        slower = audio.time_stretch(x, 0.8)
        self.assertAlmostEqual(slower.numel() / x.numel(), 1 / 0.8, delta=0.05)


if __name__ == "__main__":
    unittest.main()
