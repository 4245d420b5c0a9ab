"""Images that carry a speaking rate, for the image adapter's task with a known answer: the background
colour codes the rate (slow: blue, normal: green, fast: red), with a random shade, a random shape of
another colour on top, and the training augmentations (`image_augment`), so the adapter has to read
the colour and ignore the rest. Also the frozen image encoder of OmniBark-tiny: a small CLIP ViT
(`make_tower`), randomly initialised with a fixed seed — no trained CLIP can be downloaded here, so the
adapter learns from a fixed random projection of the pixels (colour and layout, not meaning).

    python -m omnitiny.steer_images --tower ../models/omnibark-tiny/clip --examples ../Examples/steer"""

import argparse
import os

import numpy as np
import torch

from . import image_augment

RATE_HUES = {"slow": (0.15, 0.3, 0.85), "normal": (0.2, 0.75, 0.25), "fast": (0.85, 0.2, 0.15)}
DISTRACTOR_HUE = {"grey": (0.55, 0.55, 0.55)}  # carries no rate
TOWER_SIZE = 96
TOWER_SEED = 1234


def base_image(rate: str, rng: torch.Generator, size: int = 128) -> torch.Tensor:
    """[3, size, size] in [0, 1]: the rate's colour (shade ×0.7–1.15) and a random disc or square."""
    shade = 0.7 + 0.45 * torch.rand(1, generator=rng).item()
    colour = torch.tensor({**RATE_HUES, **DISTRACTOR_HUE}[rate]) * shade
    image = colour.clamp(0, 1)[:, None, None].expand(3, size, size).clone()
    other = torch.rand(3, generator=rng) * 0.3 + (0.7 if torch.rand(1, generator=rng).item() < 0.5 else 0.0)
    cx, cy = (torch.rand(2, generator=rng) * size).tolist()
    radius = (0.1 + 0.2 * torch.rand(1, generator=rng).item()) * size
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    if torch.rand(1, generator=rng).item() < 0.5:
        inside = (xs - cx) ** 2 + (ys - cy) ** 2 < radius ** 2
    else:
        inside = ((xs - cx).abs() < radius) & ((ys - cy).abs() < radius)
    image[:, inside] = other[:, None]
    return image


def training_image(rate: str, rng: torch.Generator) -> torch.Tensor:
    return image_augment.augment(base_image(rate, rng), rng, size=128)


def make_tower(out_dir: str):
    """The frozen image encoder: CLIPVisionModel (64 wide, 2 layers, 96 px, 16 px patches), seed 1234."""
    from transformers import CLIPVisionConfig, CLIPVisionModel
    torch.manual_seed(TOWER_SEED)
    config = CLIPVisionConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                              image_size=TOWER_SIZE, patch_size=16, num_channels=3, layer_norm_eps=1e-5,
                              hidden_act="quick_gelu", projection_dim=64)
    model = CLIPVisionModel(config).eval()
    model.save_pretrained(out_dir, safe_serialization=True)
    return model


class TowerFeatures:
    """Pooled output [64] and last hidden state [37, 64] of the tower for an RGB tensor in [0, 1],
    preprocessed as the engine does (Pillow bicubic resize + centre crop to 96, CLIP mean/std)."""

    def __init__(self, tower_dir: str):
        from transformers import CLIPVisionModel
        from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
        self.model = CLIPVisionModel.from_pretrained(tower_dir).eval()
        size = self.model.config.image_size
        self.processor = CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})

    def __call__(self, image: torch.Tensor):
        from PIL import Image
        rgb = Image.fromarray((image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8), "RGB")
        pixels = torch.from_numpy(self.processor(images=rgb, return_tensors="np")["pixel_values"])
        with torch.no_grad():
            out = self.model(pixel_values=pixels)
        return out.pooler_output[0], out.last_hidden_state[0]


def save_png(image: torch.Tensor, path: str) -> None:
    from PIL import Image
    Image.fromarray((image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8), "RGB").save(path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tower", help="write the frozen CLIP tower here (config.json, model.safetensors)")
    p.add_argument("--examples", help="write one example PNG per rate here (slow.png, normal.png, fast.png, grey.png)")
    a = p.parse_args(argv)
    if a.tower:
        make_tower(a.tower)
        print(f"steer_images: CLIP tower → {a.tower}")
    if a.examples:
        os.makedirs(a.examples, exist_ok=True)
        rng = torch.Generator().manual_seed(7)
        for rate in list(RATE_HUES) + list(DISTRACTOR_HUE):
            save_png(base_image(rate, rng), os.path.join(a.examples, f"{rate}.png"))
        print(f"steer_images: examples → {a.examples}")


if __name__ == "__main__":
    main()
