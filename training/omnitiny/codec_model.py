"""The OmniBark-tiny codec: transformers' `EncodecModel` at reduced width (so the exported tensors
have exactly the names and layout the engine's EnCodec port reads), plus what training needs and
transformers' inference-only quantizer lacks: straight-through residual vector quantization with
EMA codebook updates, k-means initialisation and dead-code replacement."""

import torch
from transformers import EncodecConfig, EncodecModel

CODEC_CONFIG = dict(
    sampling_rate=24_000, audio_channels=1, num_filters=16, num_residual_layers=1,
    upsampling_ratios=[8, 5, 4, 2], hidden_size=64, codebook_size=512, codebook_dim=None,
    num_lstm_layers=2, target_bandwidths=[2.7], use_causal_conv=True, norm_type="weight_norm",
    normalize=False, chunk_length_s=None, overlap=None, pad_mode="reflect",
)
# 4 quantizers: floor(2700 / (75 frames/s · 9 bits)) = 4. Codebooks 0-1 are Bark's coarse codes,
# 2-3 its fine codes.


def build() -> EncodecModel:
    """A fresh codec. transformers' initialisation (normal, std 0.02) is meant for loading trained
    weights: through 15 layers it shrinks the time-varying part of the signal 100-fold until the
    encoder's output is constant and training collapses to the average spectrum. Convolutions are
    therefore re-initialised variance-preserving (std 1/√fan_in, zero bias)."""
    model = EncodecModel(EncodecConfig(**CODEC_CONFIG))
    with torch.no_grad():
        for module in model.modules():
            conv = getattr(module, "conv", None)
            if isinstance(conv, (torch.nn.Conv1d, torch.nn.ConvTranspose1d)):
                weight = conv.weight
                fan_in = weight.shape[1] * weight.shape[2] if isinstance(conv, torch.nn.Conv1d) \
                    else weight.shape[0] * weight.shape[2] // max(1, conv.stride[0])
                conv.weight = torch.randn_like(weight) / fan_in ** 0.5
                if conv.bias is not None:
                    conv.bias.zero_()
    return model


class TrainableRVQ:
    """Residual VQ over the codebooks of `model.quantizer.layers[i].codebook` (`embed` [K, D] and the
    EMA buffers `cluster_size`, `embed_avg` that transformers keeps for exactly this)."""

    def __init__(self, model: EncodecModel, decay: float = 0.99, dead_threshold: float = 0.5):
        self.books = [layer.codebook for layer in model.quantizer.layers]
        self.decay = decay
        self.dead_threshold = dead_threshold

    @torch.no_grad()
    def init_kmeans(self, embeddings: torch.Tensor, iterations: int = 10) -> None:
        """k-means initialisation of each stage on the residual of the previous ones. `embeddings` [N, D]."""
        residual = embeddings
        for book in self.books:
            k = book.embed.shape[0]
            centers = residual[torch.randperm(residual.shape[0])[:k]].clone()
            for _ in range(iterations):
                assign = torch.cdist(residual, centers).argmin(dim=1)
                sums = torch.zeros_like(centers).index_add_(0, assign, residual)
                counts = torch.bincount(assign, minlength=k).float().unsqueeze(1)
                centers = torch.where(counts > 0, sums / counts.clamp(min=1), centers)
            book.embed.copy_(centers)
            book.embed_avg.copy_(centers)
            book.cluster_size.fill_(1.0)
            residual = residual - centers[torch.cdist(residual, centers).argmin(dim=1)]

    def __call__(self, z: torch.Tensor, n_quantizers: int, train: bool):
        """z [B, D, T] → (quantized [B, D, T] with straight-through gradient, codes [Q, B, T],
        commitment loss)."""
        flat = z.permute(0, 2, 1).reshape(-1, z.shape[1])
        residual = flat
        quantized = torch.zeros_like(flat)
        codes, commit = [], 0.0
        for q, book in enumerate(self.books[:n_quantizers]):
            embed = book.embed
            dist = residual.detach().pow(2).sum(1, keepdim=True) - 2 * residual.detach() @ embed.t() \
                + embed.pow(2).sum(1).unsqueeze(0)
            index = dist.argmin(dim=1)
            chosen = embed[index]
            commit = commit + (residual - chosen.detach()).pow(2).mean()
            if train:
                self._ema_update(book, residual.detach(), index)
            quantized = quantized + chosen
            residual = residual - chosen.detach()
            codes.append(index)
        st = flat + (quantized - flat).detach()
        out = st.view(z.shape[0], z.shape[2], z.shape[1]).permute(0, 2, 1)
        return out, torch.stack(codes).view(len(codes), z.shape[0], z.shape[2]), commit

    @torch.no_grad()
    def _ema_update(self, book, x: torch.Tensor, index: torch.Tensor) -> None:
        k = book.embed.shape[0]
        onehot_counts = torch.bincount(index, minlength=k).float()
        sums = torch.zeros_like(book.embed).index_add_(0, index, x)
        book.cluster_size.mul_(self.decay).add_(onehot_counts, alpha=1 - self.decay)
        book.embed_avg.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        n = book.cluster_size.sum()
        smoothed = (book.cluster_size + 1e-5) / (n + k * 1e-5) * n
        book.embed.copy_(book.embed_avg / smoothed.unsqueeze(1))
        dead = book.cluster_size < self.dead_threshold
        if dead.any():
            replace = x[torch.randint(0, x.shape[0], (int(dead.sum()),))]
            book.embed[dead] = replace
            book.embed_avg[dead] = replace
            book.cluster_size[dead] = 1.0


def encode(model: EncodecModel, audio: torch.Tensor, n_quantizers: int) -> torch.Tensor:
    """Codes [Q, T_frames] of a mono 24 kHz signal [T] (inference: nearest code per stage)."""
    with torch.no_grad():
        z = model.encoder(audio.view(1, 1, -1))
        return TrainableRVQ(model)(z, n_quantizers, train=False)[1][:, 0]
