"""Image augmentations for the image modality's training examples (the manifest's `image` field):
random resized crop, horizontal flip and colour jitter, in plain torch (no torchvision in the pinned
environment).

Images are float tensors [3, H, W] with values in [0, 1] (RGB). Every function takes a
`torch.Generator`, so a run's augmentations are reproducible and resume with the run's state.

    rng = torch.Generator().manual_seed(0)
    x = augment(image, rng, size=224)        # crop → flip → jitter, [3, 224, 224]"""

import math

import torch
import torch.nn.functional as F


def _uniform(rng: torch.Generator, low: float, high: float) -> float:
    return float(low + torch.rand(1, generator=rng) * (high - low))


def random_resized_crop(image: torch.Tensor, rng: torch.Generator, size: int,
                        scale=(0.6, 1.0), ratio=(3 / 4, 4 / 3)) -> torch.Tensor:
    """A random crop covering `scale` of the image's area with aspect ratio in `ratio`, resized
    (bilinear) to [3, size, size]. Falls back to the largest centred crop of the drawn ratio when
    ten draws do not fit."""
    _, h, w = image.shape
    area = h * w
    for _ in range(10):
        target = area * _uniform(rng, *scale)
        aspect = math.exp(_uniform(rng, math.log(ratio[0]), math.log(ratio[1])))
        cw = int(round(math.sqrt(target * aspect)))
        ch = int(round(math.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            top = int(torch.randint(0, h - ch + 1, (1,), generator=rng))
            left = int(torch.randint(0, w - cw + 1, (1,), generator=rng))
            break
    else:
        ch, cw = min(h, w), min(h, w)
        top, left = (h - ch) // 2, (w - cw) // 2
    crop = image[:, top:top + ch, left:left + cw]
    return F.interpolate(crop[None], size=(size, size), mode="bilinear", align_corners=False)[0]


def random_flip(image: torch.Tensor, rng: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Mirrors the image left–right with probability `p`."""
    return image.flip(-1) if float(torch.rand(1, generator=rng)) < p else image


def _grey(image: torch.Tensor) -> torch.Tensor:
    """Luma [1, H, W] (ITU-R BT.601 weights)."""
    return (0.299 * image[0] + 0.587 * image[1] + 0.114 * image[2])[None]


def colour_jitter(image: torch.Tensor, rng: torch.Generator, brightness: float = 0.3,
                  contrast: float = 0.3, saturation: float = 0.3, hue: float = 0.05) -> torch.Tensor:
    """Brightness, contrast and saturation factors drawn in [1 − x, 1 + x], a hue rotation of up to
    ±`hue` turns (rotation about the grey axis of RGB space); the result is clamped to [0, 1]."""
    x = image * _uniform(rng, 1 - brightness, 1 + brightness)
    mean = _grey(x).mean()
    x = (x - mean) * _uniform(rng, 1 - contrast, 1 + contrast) + mean
    grey = _grey(x)
    x = (x - grey) * _uniform(rng, 1 - saturation, 1 + saturation) + grey
    angle = _uniform(rng, -hue, hue) * 2 * math.pi
    if angle != 0:
        # Rodrigues' rotation about the unit grey axis (1, 1, 1)/√3.
        c, s = math.cos(angle), math.sin(angle)
        k = 1 / 3
        t = (1 - c) * k
        r = s / math.sqrt(3)
        rot = torch.tensor([[c + t, t - r, t + r], [t + r, c + t, t - r], [t - r, t + r, c + t]], dtype=x.dtype)
        x = torch.einsum("ij,jhw->ihw", rot, x)
    return x.clamp(0, 1)


def augment(image: torch.Tensor, rng: torch.Generator, size: int = 224) -> torch.Tensor:
    """The training pipeline: random resized crop to `size`, flip, colour jitter."""
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"image_augment: expected an RGB tensor [3, H, W], got shape {tuple(image.shape)}")
    return colour_jitter(random_flip(random_resized_crop(image, rng, size), rng), rng)
